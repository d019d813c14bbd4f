from django.urls import path

from sessions.api import public

urlpatterns = [
    path("api/groups/", public.GroupSearchView.as_view(), name="group-search"),
    path("api/groups/<slug:slug>/", public.GroupDetailView.as_view(), name="group-detail"),
    path("api/groups/<slug:slug>/join/", public.GroupJoinView.as_view(), name="group-join"),
    path("api/feeds/meeting-guide.json", public.MeetingGuideFeedView.as_view(), name="meeting-guide-feed"),
]
