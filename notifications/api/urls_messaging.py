from django.urls import path

from notifications.api.messaging import GroupInboxView, GroupMessagesView, TwilioInboundView, TwilioStatusView

urlpatterns = [
    path("webhooks/twilio/sms/", TwilioInboundView.as_view(), name="twilio-sms"),
    path("webhooks/twilio/status/", TwilioStatusView.as_view(), name="twilio-status"),
    path("api/manage/groups/<int:group_id>/messages/", GroupMessagesView.as_view(), name="group-messages"),
    path("api/manage/groups/<int:group_id>/inbox/", GroupInboxView.as_view(), name="group-inbox"),
]
