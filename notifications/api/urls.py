from django.urls import include, path

urlpatterns = [
    path("", include("notifications.api.urls_calendar")),  # .ics feeds
    path("", include("notifications.api.urls_messaging")),  # webhooks, broadcasts, inbox
]
