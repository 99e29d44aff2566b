"""DELETE /voices/{entry_id}: remove a cloned voice from the catalog, with its cached previews."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from starlette.convertors import StringConvertor, register_url_convertor

from voice_service.http.app import create_app
from voice_service.http.dependencies import speech_cache, voice_catalog
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import ERROR_RESPONSES, DeleteResult, ErrorBody
from voice_service.observability import logger
from voice_service.services.catalog import MAX_ENTRY_ID, VoiceCatalog, delete_voice
from voice_service.services.speech_cache import SpeechCache


class _EntryIdSegment(StringConvertor):
    """One path segment, except the fixed siblings `/voices/clone` and `/voices/uploads`.

    API Gateway gives those paths resources of their own, so `DELETE /voices/clone` never reaches this function;
    the local app shares one router table and must not read `clone` as an entry id either.
    """

    regex = r"(?!(?:clone|uploads)$)[^/]+"


register_url_convertor("voice_entry_id", _EntryIdSegment())
router = APIRouter()


@router.delete(
    "/voices/{entry_id:voice_entry_id}",
    response_model=DeleteResult,
    summary="Delete a cloned voice",
    responses={**ERROR_RESPONSES, 404: {"model": ErrorBody, "description": "No such entry"}},
)
async def delete_voice_entry(
    # Bounds are documented, not enforced here: the service answers out-of-range ids with its own sentence.
    entry_id: Annotated[
        int, Path(description="Catalog id from GET /voices.", json_schema_extra={"minimum": 1, "maximum": MAX_ENTRY_ID})
    ],
    catalog: Annotated[VoiceCatalog, Depends(voice_catalog)],
    previews: Annotated[SpeechCache, Depends(speech_cache)],
) -> DeleteResult:
    logger.append_keys(entry_id=entry_id)
    delete_voice(catalog, entry_id, previews)
    return DeleteResult()


app = create_app(router)
lambda_handler = make_lambda_handler(app)
