"""/facilitate/: the facilitators' and organizers' pages. Namespace "facilitate".

Sign-in goes through Django's LoginView, i.e. django.contrib.auth.authenticate, so
whatever throttles logins there (and on /admin/ and the API token) throttles it too.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from sessions.facilitate import views, views_groups, views_sessions

T = "sessions/facilitate/"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(template_name=T + "sign_in.html", redirect_authenticated_user=True),
        name="sign-in",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(next_page=reverse_lazy("facilitate:sign-in")), name="sign-out"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name=T + "password_reset.html",
            email_template_name=T + "password_reset_email.txt",
            subject_template_name=T + "password_reset_subject.txt",
            success_url=reverse_lazy("facilitate:password-reset-sent"),
            # The link is built on the public address, never on the request's Host header.
            extra_email_context={"base_url": settings.PUBLIC_BASE_URL},
        ),
        name="password-reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name=T + "password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name=T + "password_reset_confirm.html", success_url=reverse_lazy("facilitate:password-reset-done")
        ),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name=T + "password_reset_done.html"),
        name="password-reset-done",
    ),
    # Roster
    path("groups/<int:group_id>/roster/", views.roster, name="roster"),
    path("groups/<int:group_id>/roster/<int:enrollment_id>/", views.roster_entry, name="roster-entry"),
    path("groups/<int:group_id>/roster/<int:enrollment_id>/change/", views.roster_change, name="roster-change"),
    # Sessions
    path("groups/<int:group_id>/sessions/", views.group_sessions, name="group-sessions"),
    path("sessions/<int:session_id>/", views.session_detail, name="session"),
    path("sessions/<int:session_id>/cancel/", views_sessions.session_cancel, name="session-cancel"),
    path("sessions/<int:session_id>/move/", views_sessions.session_move, name="session-move"),
    path("sessions/<int:session_id>/venue/", views_sessions.session_venue, name="session-venue"),
    # Organizers: groups, facilitators, schedules, venues, the audit log
    path("groups/new/", views_groups.group_create, name="group-create"),
    path("groups/<int:group_id>/edit/", views_groups.group_edit, name="group-edit"),
    path("groups/<int:group_id>/facilitators/", views_groups.facilitators, name="facilitators"),
    path(
        "groups/<int:group_id>/facilitators/<str:username>/remove/",
        views_groups.facilitator_remove,
        name="facilitator-remove",
    ),
    path("groups/<int:group_id>/schedule/", views_groups.schedule, name="schedule"),
    path("groups/<int:group_id>/schedule/new/", views_groups.schedule_new, name="schedule-new"),
    path("series/<int:series_id>/", views_groups.series_edit, name="series-edit"),
    path("series/<int:series_id>/end/", views_groups.series_end, name="series-end"),
    path("venues/", views_groups.venues, name="venues"),
    path("venues/new/", views_groups.venue_create, name="venue-create"),
    path("venues/<int:venue_id>/", views_groups.venue_edit, name="venue-edit"),
    path("organizations/<int:organization_id>/audit/", views_groups.audit_log, name="audit"),
]
