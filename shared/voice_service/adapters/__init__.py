"""Adapters: the only code that talks to outside systems (SQLite, S3, Secrets Manager, TTS providers, ffmpeg)."""
