"""GET /voices: the cloned voices in the catalog, oldest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from voice_service.adapters.factories import get_voice_catalog
from voice_service.http.app import create_app
from voice_service.http.lambda_entry import make_lambda_handler
from voice_service.http.schemas import ERROR_RESPONSES, VoiceItem, VoiceList
from voice_service.services.catalog import VoiceCatalog, list_voices

router = APIRouter()


@router.get(
    "/voices",
    response_model=VoiceList,
    summary="List cloned voices",
    responses=ERROR_RESPONSES,
)
def get_voices(
    catalog: Annotated[VoiceCatalog, Depends(get_voice_catalog)],
    provider: Annotated[str | None, Query(description="Only this provider's voices: cosyvoice or dashscope.")] = None,
) -> VoiceList:
    entries = list_voices(catalog, provider)
    return VoiceList(items=[VoiceItem.from_entry(entry) for entry in entries])


app = create_app(router)
lambda_handler = make_lambda_handler(app)
