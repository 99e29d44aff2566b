"""`sam local start-api` on an offline Linux machine: podman as the Docker API, a stand-in Lambda image, no egress."""
