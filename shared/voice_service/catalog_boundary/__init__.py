"""The catalog boundary: the typed calls by which functions outside the VPC reach the catalog inside it.

`operations` is the registry (one request and one response model per operation), `wire` the envelope and the error
codes that carry domain errors across, `server` the catalog function's side (allow-list, dispatch) and `client` the
callers' side (a `VoiceCatalog` over any invoker: a Lambda invoke in the cloud, a direct call in tests).
"""
