"""Twilio webhooks (TwiML / plain 200) and the facilitators' broadcast and inbox endpoints."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils import timezone as dj_timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from notifications.api import examples
from notifications.broadcasts import broadcast_send
from notifications.delivery_status import handle_status
from notifications.inbound_sms import handle_inbound
from notifications.inbox import group_inbox
from notifications.models import Broadcast, InboundMessage
from sessions.api.access import managed_group
from sessions.permissions import IsStaffUser


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


class BroadcastInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=1000, allow_blank=True, trim_whitespace=True)


class BroadcastSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, read_only=True)

    class Meta:
        model = Broadcast
        fields = ["id", "body", "author", "recipients", "created_at"]


class BroadcastCreatedSerializer(BroadcastSerializer):
    """A new broadcast with how many texts and emails it queued."""

    sms = serializers.IntegerField(source="sms_count", read_only=True, help_text="Texts queued")
    email = serializers.IntegerField(source="email_count", read_only=True, help_text="Emails queued")

    class Meta(BroadcastSerializer.Meta):
        fields = [*BroadcastSerializer.Meta.fields, "sms", "email"]


FORBIDDEN = OpenApiResponse(description="Not a facilitator of this group or an admin of its organization")
NOT_FOUND = OpenApiResponse(description="No such group")
INVALID = OpenApiResponse(description="Invalid input; the body maps each bad field to its messages")


class GroupMessagesView(APIView):
    """POST: send a broadcast to the group's active members. GET: past broadcasts."""

    permission_classes = [IsStaffUser]

    @extend_schema(
        summary="Past broadcasts to the group (newest first, at most 100)",
        responses={200: BroadcastSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request, group_id: int):
        group = managed_group(request, group_id)
        items = Broadcast.objects.filter(group=group).select_related("author")[:100]
        return Response(BroadcastSerializer(items, many=True).data)

    @extend_schema(
        summary="Send a message to the group's active members by their channels",
        request=BroadcastInputSerializer,
        responses={201: BroadcastCreatedSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=examples.BROADCAST_EXAMPLES,
    )
    def post(self, request, group_id: int):
        group = managed_group(request, group_id)
        payload = BroadcastInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        broadcast = broadcast_send(group=group, author=request.user, body=payload.validated_data["body"])
        return Response(BroadcastCreatedSerializer(broadcast).data, status=status.HTTP_201_CREATED)


class InboundMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class InboundSerializer(serializers.ModelSerializer):
    member = serializers.SerializerMethodField()

    class Meta:
        model = InboundMessage
        fields = ["id", "member", "from_number", "body", "received_at"]

    @extend_schema_field(InboundMemberSerializer(allow_null=True))
    def get_member(self, obj) -> dict | None:
        if obj.member is None:
            return None
        return {"id": obj.member.pk, "display_name": obj.member.display_name}


class GroupInboxView(ListAPIView):
    """Texts from the group's members that were not keywords, newest first: every
    text from a member who was active in the group when it arrived (notifications/inbox.py)."""

    permission_classes = [IsStaffUser]
    serializer_class = InboundSerializer

    @extend_schema(
        summary="Texts from the group's members that were not keywords (newest first)",
        responses={200: InboundSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation: no request, no group.
            return InboundMessage.objects.none()
        return group_inbox(group=managed_group(self.request, self.kwargs["group_id"]))
