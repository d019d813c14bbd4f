"""Page URLs. Names differ from the API's (group-join is the API's POST; group-join-page is this form)."""

from django.urls import path

from sessions.pages import finder, group, join

urlpatterns = [
    path("", finder.finder, name="finder"),
    path("groups/", finder.group_results, name="group-results"),
    path("groups/<slug:slug>/", group.group_page, name="group-page"),
    path("groups/<slug:slug>/join/", join.join_page, name="group-join-page"),
]
