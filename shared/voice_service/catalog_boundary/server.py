"""The catalog function's side of the boundary: refuse what the caller may not do, run the rest, reply typed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from voice_service.catalog_boundary import wire
from voice_service.catalog_boundary.operations import OPERATIONS, CatalogOperation
from voice_service.errors import VoiceServiceError
from voice_service.observability import logger
from voice_service.services.catalog import VoiceCatalog


class CatalogServer:
    """Runs the operations in `allowed` against `catalog`; everything else is refused with the code `refused`."""

    def __init__(
        self,
        catalog: VoiceCatalog,
        allowed: frozenset[str],
        operations: Mapping[str, CatalogOperation[Any, Any]] = OPERATIONS,
    ) -> None:
        unknown = sorted(allowed - set(operations))
        if unknown:
            # A deployment mistake: stop with the names rather than refusing every call later.
            raise ValueError(f"catalog operations {unknown} are not in the registry {sorted(operations)}")
        self._catalog = catalog
        self._operations = {name: operations[name] for name in allowed}

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(self._operations)

    def close(self) -> None:
        """Close the catalog if it holds a connection (the SQLite adapter does)."""
        close = getattr(self._catalog, "close", None)
        if callable(close):
            close()

    def handle(self, event: object) -> dict[str, Any]:
        """Answer one call (the Lambda event) with a reply (the Lambda result); never raises."""
        try:
            call = wire.CatalogCall.model_validate(event)
        except ValidationError:
            return wire.failure("refused", "The voice catalog received a malformed call.")
        operation = self._operations.get(call.operation)
        if operation is None:
            logger.warning("Catalog operation refused", extra={"operation": call.operation[:64]})
            return wire.failure("refused", "The voice catalog does not serve this operation to this caller.")
        try:
            request = operation.request_model.model_validate(call.request)
        except ValidationError as exc:
            logger.warning("Malformed catalog request", extra={"operation": operation.name, "errors": exc.errors()})
            return wire.failure("refused", f"The voice catalog received a malformed {operation.name} request.")
        # One line per call: which operation each caller ran is what the logs of a catalog function are for.
        logger.info("Catalog operation", extra={"operation": operation.name})
        try:
            return wire.success(operation.run(self._catalog, request))
        except VoiceServiceError as exc:
            code = wire.error_code(exc) or "storage"
            return wire.failure(code, exc.message)
        except Exception:
            logger.exception("Catalog operation failed", extra={"operation": operation.name})
            return wire.failure("storage", wire.UNEXPECTED_MESSAGE)
