from django.urls import include, path

urlpatterns = [
    path("", include("notifications.api.urls_calendar")),  # .ics feeds (issue 4)
    path("", include("notifications.api.urls_messaging")),  # webhooks, broadcasts, inbox (issue 6)
]
