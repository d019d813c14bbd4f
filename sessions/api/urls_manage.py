"""Auth, management and self-service routes. Exact paths only: other
URL modules add more routes under /api/manage/groups/<id>/ and /api/me/<token>/."""

from django.urls import path

from sessions.api import auth, manage, me

urlpatterns = [
    path("api/auth/token/", auth.AuthTokenView.as_view(), name="auth-token"),
    path("api/manage/organizations/", manage.OrganizationListView.as_view(), name="manage-organizations"),
    path("api/manage/organizations/<int:pk>/", manage.OrganizationDetailView.as_view(), name="manage-organization"),
    path(
        "api/manage/organizations/<int:pk>/admins/",
        manage.OrganizationAdminsView.as_view(),
        name="manage-organization-admins",
    ),
    path(
        "api/manage/organizations/<int:pk>/admins/<str:username>/",
        manage.OrganizationAdminDetailView.as_view(),
        name="manage-organization-admin",
    ),
    path(
        "api/manage/organizations/<int:pk>/audit/",
        manage.OrganizationAuditView.as_view(),
        name="manage-organization-audit",
    ),
    path("api/manage/venues/", manage.VenueListView.as_view(), name="manage-venues"),
    path("api/manage/venues/<int:pk>/", manage.VenueDetailView.as_view(), name="manage-venue"),
    path("api/manage/groups/", manage.GroupListView.as_view(), name="manage-groups"),
    path("api/manage/groups/<int:pk>/", manage.GroupDetailView.as_view(), name="manage-group"),
    path(
        "api/manage/groups/<int:pk>/facilitators/",
        manage.GroupFacilitatorsView.as_view(),
        name="manage-group-facilitators",
    ),
    path(
        "api/manage/groups/<int:pk>/facilitators/<str:username>/",
        manage.GroupFacilitatorDetailView.as_view(),
        name="manage-group-facilitator",
    ),
    path("api/manage/groups/<int:pk>/roster/", manage.RosterView.as_view(), name="manage-group-roster"),
    path(
        "api/manage/groups/<int:pk>/roster/<int:enrollment_id>/",
        manage.RosterEntryView.as_view(),
        name="manage-group-roster-entry",
    ),
    path("api/manage/groups/<int:pk>/roster.csv", manage.RosterCsvView.as_view(), name="manage-group-roster-csv"),
    path("api/me/<str:token>/", me.SelfServiceView.as_view(), name="me"),
    path("api/me/<str:token>/groups/<slug:group_slug>/leave/", me.SelfServiceLeaveView.as_view(), name="me-leave"),
    path("api/me/<str:token>/groups/<slug:group_slug>/join/", me.SelfServiceJoinView.as_view(), name="me-join"),
    path("api/me/<str:token>/confirm-email/", me.SelfServiceConfirmEmailView.as_view(), name="me-confirm-email"),
    path("api/me/<str:token>/rotate/", me.SelfServiceRotateView.as_view(), name="me-rotate"),
]
