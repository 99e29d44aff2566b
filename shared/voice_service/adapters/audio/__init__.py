"""Audio adapters: container sniffing and ffmpeg conversion of uploaded samples (and PCM helpers for previews)."""
