"""The voice service's own code: domain services, adapters to outside systems, settings and HTTP glue."""
