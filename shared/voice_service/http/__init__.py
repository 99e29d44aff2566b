"""HTTP edge shared by the functions: app factory, error mapping, request/response schemas, Lambda entry point."""
