"""The dashscope SDK, imported on first use and pointed at the configured endpoints on every use.

The SDK reads DASHSCOPE_* variables only once, at import; its module attributes are read later (HTTP calls at call
time, websocket classes at construction), so setting them here makes variables set after import take effect too.
"""

from __future__ import annotations

from types import ModuleType

from voice_service.adapters.provider_keys import dashscope_api_key
from voice_service.settings import DashScopeEndpointSettings, get_settings


def configured_dashscope() -> ModuleType:
    """Return the `dashscope` module with its key and base URLs set from this process's settings."""
    import dashscope

    endpoints = get_settings(DashScopeEndpointSettings)
    dashscope.api_key = dashscope_api_key()
    dashscope.base_http_api_url = endpoints.http_base_url
    dashscope.base_websocket_api_url = endpoints.websocket_base_url
    return dashscope
