"""Page URLs. Names differ from the API's (group-join is the API's POST; group-join-page is this form).
Pages whose path holds a secret mirror their API path without /api/."""

from django.urls import path

from sessions.pages import finder, group, join, me

urlpatterns = [
    path("", finder.finder, name="finder"),
    path("groups/", finder.group_results, name="group-results"),
    path("groups/<slug:slug>/", group.group_page, name="group-page"),
    path("groups/<slug:slug>/join/", join.join_page, name="group-join-page"),
    path("join-requests/<str:token>/", join.join_request_page, name="join-request-page"),
    path("join-requests/<str:token>/cancel/", join.join_request_cancel_page, name="join-request-cancel-page"),
    path("email-confirmations/<str:secret>/", join.email_confirmation_page, name="email-confirmation-page"),
    path("me/<str:token>/", me.me_home, name="me-home"),
    path("me/<str:token>/rsvp/", me.me_rsvp, name="me-rsvp"),
    path("me/<str:token>/reminders/", me.me_reminders, name="me-reminders"),
    path("me/<str:token>/contact/", me.me_contact, name="me-contact"),
    path("me/<str:token>/confirm-email/", me.me_confirm_email, name="me-confirm-email"),
    path("me/<str:token>/groups/<slug:group_slug>/leave/", me.me_leave, name="me-leave"),
    path("me/<str:token>/rotate/", me.me_rotate, name="me-rotate"),
    path("me/<str:token>/erase/", me.me_erase, name="me-erase"),
    path("erased/", me.erased, name="erased"),
]
