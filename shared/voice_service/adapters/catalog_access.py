"""The catalog as a function outside the VPC sees it: through its catalog function, or the SQLite file itself."""

from __future__ import annotations

from voice_service.services.catalog import VoiceCatalog
from voice_service.settings import CatalogAccessSettings, CatalogSettings


def configured_catalog(
    catalog: CatalogSettings, access: CatalogAccessSettings, declared_operations: frozenset[str]
) -> VoiceCatalog:
    """A `RemoteVoiceCatalog` calling `declared_operations` through the catalog function OPENTALKING_CATALOG_FUNCTION
    names (the cloud, `sam local`), or, when it is unset, the SQLite catalog opened in this process (`make run`)."""
    # Imported on first use, so the cold start pays for neither.
    if access.catalog_function is None:
        from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog

        return SqliteVoiceCatalog.configured(catalog)
    from voice_service.adapters.lambda_invoker import LambdaInvoker
    from voice_service.catalog_boundary.client import CatalogClient, RemoteVoiceCatalog

    invoker = LambdaInvoker(access.catalog_function, timeout_seconds=access.invoke_timeout_seconds)
    return RemoteVoiceCatalog(CatalogClient(invoker, declared_operations))
