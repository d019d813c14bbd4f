"""/facilitate/ in one namespace ("facilitate"), from both apps: sessions' pages and the
notifications pages that tell members something. Here, not in sessions, because
sessions never imports notifications."""

from notifications.urls_facilitate import urlpatterns as notification_pages
from sessions.facilitate.urls import urlpatterns as session_pages

app_name = "facilitate"
urlpatterns = [*session_pages, *notification_pages]
