"""The view serving /api/schema/ (kept apart from backend.openapi, which DRF's
settings import while drf-spectacular's views module is still loading)."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView


class SchemaView(SpectacularAPIView):
    """The OpenAPI document (YAML or JSON by content negotiation).

    The API is not versioned, so `?version=` is ignored: drf-spectacular wrote it
    into the Content-Disposition header, and a newline in it was a 500.
    """

    def _get_version_parameter(self, request):
        return None
