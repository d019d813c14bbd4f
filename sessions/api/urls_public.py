from django.urls import path

from sessions.api import public

urlpatterns = [
    path("api/groups/", public.GroupSearchView.as_view(), name="group-search"),
    path("api/groups/<slug:slug>/", public.GroupDetailView.as_view(), name="group-detail"),
    path("api/groups/<slug:slug>/join/", public.GroupJoinView.as_view(), name="group-join"),
    # Join requests and email confirmations (docs/privacy.md, "Identity and proof").
    path("api/join-requests/<str:token>/", public.JoinRequestView.as_view(), name="join-request"),
    path("api/join-requests/<str:token>/cancel/", public.JoinRequestCancelView.as_view(), name="join-request-cancel"),
    path("api/email-confirmations/<str:secret>/", public.EmailConfirmationView.as_view(), name="email-confirmation"),
    path("api/feeds/meeting-guide.json", public.MeetingGuideFeedView.as_view(), name="meeting-guide-feed"),
]
