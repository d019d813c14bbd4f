from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from backend.health import healthz
from backend.schema_view import SchemaView

# JSON `{"detail": …}` under /api/, pages everywhere else (a 404 page never echoes its possibly secret path).
handler400 = "backend.api_errors.bad_request"
handler403 = "backend.api_errors.permission_denied"
handler404 = "backend.api_errors.not_found"
handler500 = "backend.api_errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs/swagger_ui.html"),
        name="api-docs",
    ),
    # Each area owns one URL module; order matters only where paths overlap.
    path("", include("sessions.api.urls_manage")),  # /api/auth/, /api/manage/…
    path("", include("sessions.api.urls_schedule")),  # series, sessions, attendance
    path("", include("sessions.api.urls_public")),  # /api/groups/, join, feeds
    path("", include("notifications.api.urls")),  # calendars, webhooks, messages
    # Facilitators' and organizers' pages.
    path("facilitate/", include("backend.urls_facilitate")),
    # Pages for people: the language switch (Django's set_language) and the seeker and member pages.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("sessions.pages.urls")),
]
