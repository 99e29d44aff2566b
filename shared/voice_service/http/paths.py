"""Path parameters shared by the functions' routes."""

from __future__ import annotations

from starlette.convertors import StringConvertor, register_url_convertor

from voice_service.services.catalog import MAX_ENTRY_ID


class _EntryIdSegment(StringConvertor):
    """One path segment, except the fixed siblings `/voices/clone` and `/voices/uploads`.

    API Gateway gives those paths resources of their own, so `DELETE /voices/clone` never reaches a function of
    `/voices/{entry_id}`; the local app shares one router table and must not read `clone` as an entry id either.
    """

    regex = r"(?!(?:clone|uploads)$)[^/]+"


register_url_convertor("voice_entry_id", _EntryIdSegment())

VOICE_ENTRY_PATH = "/voices/{entry_id:voice_entry_id}"
# Bounds are documented, not enforced by FastAPI: the service answers out-of-range ids with its own sentence.
ENTRY_ID_SCHEMA = {"minimum": 1, "maximum": MAX_ENTRY_ID}
