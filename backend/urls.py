from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backend.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    # Each area owns one URL module; order matters only where paths overlap.
    path("", include("sessions.api.urls_manage")),  # /api/auth/, /api/manage/… (issue 3)
    path("", include("sessions.api.urls_schedule")),  # series, sessions, attendance (issue 4)
    path("", include("sessions.api.urls_public")),  # /api/groups/, join, feeds (issue 5)
    path("", include("notifications.api.urls")),  # calendars, webhooks, messages (issues 4, 6)
    # Pages for people: the language switch (Django's set_language) and the seeker and member pages.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("sessions.pages.urls")),
]
# Pages: a friendly 404 that never echoes the (possibly secret) path.
handler404 = "sessions.pages.errors.page_not_found"
