"""DashScope voice enrollment: Qwen (sample inline) and CosyVoice (sample fetched from a presigned URL)."""
