"""The catalog function: inside the VPC, the only code that opens the SQLite catalog on EFS.

List, delete and clone run outside the VPC (they reach DashScope, S3 and Secrets Manager without a NAT gateway) and
invoke it synchronously. The template deploys this code once per caller (CatalogForListFunction, ...), each with the
operations that caller declared in OPENTALKING_CATALOG_OPERATIONS, and each caller's role may invoke only its own;
anything else is refused. Its security group sends nothing but NFS to the mount targets.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from voice_service.adapters.factories import get_voice_catalog
from voice_service.catalog_boundary.server import CatalogServer
from voice_service.observability import logger
from voice_service.settings import CatalogFunctionSettings, get_settings


@lru_cache(maxsize=1)
def get_catalog_server() -> CatalogServer:
    """The server of this deployment's operations over the process-wide SQLite catalog."""
    settings = get_settings(CatalogFunctionSettings)
    return CatalogServer(get_voice_catalog(), frozenset(settings.catalog_operations))


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return get_catalog_server().handle(event)
