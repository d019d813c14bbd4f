from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backend.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the CSP needs no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs/swagger_ui.html"),
        name="api-docs",
    ),
    # Each area owns one URL module; order matters only where paths overlap.
    path("", include("sessions.api.urls_manage")),  # /api/auth/, /api/manage/… (issue 3)
    path("", include("sessions.api.urls_schedule")),  # series, sessions, attendance (issue 4)
    path("", include("sessions.api.urls_public")),  # /api/groups/, join, feeds (issue 5)
    path("", include("notifications.api.urls")),  # calendars, webhooks, messages (issues 4, 6)
    # Facilitators' and organizers' pages (issue 10).
    path("facilitate/", include("backend.urls_facilitate")),
    # Pages for people: the language switch (Django's set_language) and the seeker and member pages.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("sessions.pages.urls")),
]
