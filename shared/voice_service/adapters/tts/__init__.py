"""TTS providers of the preview: one module per provider, chosen by name in `registry`."""
