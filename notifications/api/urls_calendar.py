from django.urls import path

from notifications.api import feeds

urlpatterns = [
    path("api/groups/<slug:slug>/calendar.ics", feeds.group_feed, name="group-calendar"),
    path("api/me/<str:token>/calendar.ics", feeds.member_feed, name="member-calendar"),
]
