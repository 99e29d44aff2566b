"""Test support shared by tests/ and scripts/bench: wire-protocol fakes of the providers, API Gateway events and
responses, moto S3, and the wiring that points each function at test settings."""
