"""Domain services: use cases that know neither FastAPI nor boto3."""
