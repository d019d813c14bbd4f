from django.urls import path

from sessions.api import schedule

urlpatterns = [
    path("api/manage/groups/<int:group_id>/series/", schedule.GroupSeriesView.as_view(), name="manage-group-series"),
    path("api/manage/series/<int:pk>/", schedule.SeriesDetailView.as_view(), name="manage-series"),
    path(
        "api/manage/groups/<int:group_id>/sessions/", schedule.GroupSessionsView.as_view(), name="manage-group-sessions"
    ),
    path("api/manage/sessions/<int:pk>/", schedule.SessionDetailView.as_view(), name="manage-session"),
    path(
        "api/manage/sessions/<int:pk>/attendance/",
        schedule.SessionAttendanceView.as_view(),
        name="manage-session-attendance",
    ),
    path(
        "api/manage/groups/<int:group_id>/attendance.csv",
        schedule.GroupAttendanceCsvView.as_view(),
        name="manage-group-attendance-csv",
    ),
    path(
        "api/manage/groups/<int:group_id>/follow-up/",
        schedule.GroupFollowUpView.as_view(),
        name="manage-group-follow-up",
    ),
    path("api/groups/<slug:slug>/sessions/", schedule.PublicGroupSessionsView.as_view(), name="group-sessions"),
]
