"""The /facilitate/ pages that tell members something (see notifications.facilitate)."""

from django.urls import path

from notifications import facilitate

urlpatterns = [
    path("groups/<int:group_id>/messages/", facilitate.group_messages, name="messages"),
    path("groups/<int:group_id>/messages/count/", facilitate.message_count, name="message-count"),
    path("groups/<int:group_id>/inbox/", facilitate.group_inbox, name="inbox"),
    path("groups/<int:group_id>/inbox/<int:message_id>/handled/", facilitate.inbox_handled, name="inbox-handled"),
    path("groups/<int:group_id>/follow-up/", facilitate.follow_up, name="follow-up"),
]
