"""The dashscope SDK, imported on first use and pointed at the configured endpoints and key on every use.

The SDK reads DASHSCOPE_* variables only once, at import; its module attributes are read later (HTTP calls at call
time, websocket classes at construction), so setting them here is what makes the configured values take effect.
"""

from __future__ import annotations

from types import ModuleType

from voice_service.adapters.provider_keys import ProviderKeys
from voice_service.settings import DashScopeEndpointSettings


class DashScopeSdk:
    """The SDK module configured from one function's settings (endpoints) and its provider keys."""

    def __init__(self, endpoints: DashScopeEndpointSettings, keys: ProviderKeys) -> None:
        self._endpoints = endpoints
        self._keys = keys

    def ensure_configured(self) -> None:
        """Raise ProviderNotConfiguredError when no DashScope key is available."""
        self._keys.dashscope()

    def configured(self) -> ModuleType:
        """Return the `dashscope` module with its key and base URLs set (ProviderNotConfiguredError without a key)."""
        import dashscope

        dashscope.api_key = self._keys.dashscope()
        dashscope.base_http_api_url = self._endpoints.http_base_url
        dashscope.base_websocket_api_url = self._endpoints.websocket_base_url
        return dashscope
