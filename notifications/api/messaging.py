"""Twilio webhooks (TwiML / plain 200) and the facilitators' broadcast and inbox endpoints."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.utils import timezone as dj_timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from notifications.broadcasts import broadcast_send
from notifications.models import Broadcast, InboundMessage
from notifications.webhooks import handle_inbound, handle_status
from sessions.models import SupportGroup
from sessions.permissions import IsStaffUser, can_manage_group

NOT_YOUR_GROUP = "You do not manage this group."


def signature_valid(request: HttpRequest) -> bool:
    """X-Twilio-Signature over the public URL (PUBLIC_BASE_URL + path + query), so it
    holds behind a TLS-terminating proxy where the request Django sees is plain HTTP."""
    signature = request.headers.get("X-Twilio-Signature", "")
    token = settings.TWILIO_AUTH_TOKEN
    if not signature or not token:
        return False
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST, signature)


def _twiml(reply: str) -> HttpResponse:
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return HttpResponse(str(response), content_type="application/xml")


@method_decorator(csrf_exempt, name="dispatch")
class TwilioInboundView(View):
    def post(self, request: HttpRequest) -> HttpResponse:
        if not signature_valid(request):
            return HttpResponseForbidden("invalid signature")
        data = request.POST
        sid = data.get("MessageSid") or data.get("SmsSid") or ""
        if not sid or not data.get("From"):
            return _twiml("")
        reply = handle_inbound(
            message_sid=sid,
            from_number=data.get("From", ""),
            to_number=data.get("To", ""),
            body=data.get("Body", ""),
            now=dj_timezone.now(),
        )
        return _twiml(reply)


@method_decorator(csrf_exempt, name="dispatch")
class TwilioStatusView(View):
    def post(self, request: HttpRequest) -> HttpResponse:
        if not signature_valid(request):
            return HttpResponseForbidden("invalid signature")
        data = request.POST
        # Unknown sids answer 200 too, so Twilio does not retry forever.
        handle_status(
            message_sid=data.get("MessageSid") or data.get("SmsSid") or "",
            message_status=data.get("MessageStatus") or data.get("SmsStatus") or "",
            error_code=data.get("ErrorCode") or "",
            outbox_id=request.GET.get("outbox", ""),
            attempt=request.GET.get("attempt", ""),
            now=dj_timezone.now(),
        )
        return HttpResponse(status=200)


def _managed_group(request, group_id: int) -> SupportGroup:
    group = get_object_or_404(SupportGroup.objects.select_related("organization"), pk=group_id)
    if not can_manage_group(request.user, group):
        raise PermissionDenied(NOT_YOUR_GROUP)
    return group


class BroadcastInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=1000, allow_blank=True, trim_whitespace=True)


class BroadcastSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, read_only=True)

    class Meta:
        model = Broadcast
        fields = ["id", "body", "author", "recipients", "created_at"]


class GroupMessagesView(APIView):
    """POST: send a broadcast to the group's active members. GET: past broadcasts."""

    permission_classes = [IsStaffUser]

    def get(self, request, group_id: int):
        group = _managed_group(request, group_id)
        items = Broadcast.objects.filter(group=group).select_related("author")[:100]
        return Response(BroadcastSerializer(items, many=True).data)

    def post(self, request, group_id: int):
        group = _managed_group(request, group_id)
        payload = BroadcastInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        broadcast = broadcast_send(group=group, author=request.user, body=payload.validated_data["body"])
        data = BroadcastSerializer(broadcast).data
        data["sms"] = broadcast.sms_count
        data["email"] = broadcast.email_count
        return Response(data, status=status.HTTP_201_CREATED)


class InboundSerializer(serializers.ModelSerializer):
    member = serializers.SerializerMethodField()

    class Meta:
        model = InboundMessage
        fields = ["id", "member", "from_number", "body", "received_at"]

    def get_member(self, obj) -> dict | None:
        if obj.member is None:
            return None
        return {"id": obj.member.pk, "display_name": obj.member.display_name}


class GroupInboxView(ListAPIView):
    """Texts from the group's members that were not keywords, newest first."""

    permission_classes = [IsStaffUser]
    serializer_class = InboundSerializer

    def get_queryset(self):
        group = _managed_group(self.request, self.kwargs["group_id"])
        return InboundMessage.objects.filter(group=group, kind=InboundMessage.Kind.MESSAGE).select_related("member")
