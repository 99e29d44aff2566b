"""The catalog function: inside the VPC, the only code that opens the SQLite catalog on EFS.

Composition root of CatalogForListFunction, CatalogForDeleteFunction and CatalogForCloneFunction (this code, deployed
once per caller): its settings are read and validated at import (the cold start), and the catalog server, serving
the operations OPENTALKING_CATALOG_OPERATIONS names over the SQLite catalog, is built from them on first use.
List, delete and clone run outside the VPC (they reach DashScope, S3 and Secrets Manager without a NAT gateway) and
invoke it synchronously; each caller's role may invoke only its own catalog function, and anything outside that
function's operations is refused. Its security group sends nothing but NFS to the mount targets.
"""

from __future__ import annotations

from typing import Any, Final

from voice_service.catalog_boundary.server import CatalogServer
from voice_service.http.dependencies import Dependency
from voice_service.observability import logger
from voice_service.settings import CatalogFunctionSettings, load_settings

SETTINGS = load_settings(CatalogFunctionSettings)
IAM_ACTIONS: Final[frozenset[str]] = frozenset()  # EFS access comes with the mount, not from these


def build_catalog_server(settings: CatalogFunctionSettings) -> CatalogServer:
    # Imported on first use: sqlite3 is not part of the cold start.
    from voice_service.adapters.sqlite_catalog import SqliteVoiceCatalog

    return CatalogServer(SqliteVoiceCatalog.configured(settings.catalog), frozenset(settings.served.operations))


catalog_server = Dependency(build_catalog_server, SETTINGS)
DEPENDENCIES = (catalog_server,)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return catalog_server.get().handle(event)
