"""Member self-service under /api/me/{token}/. The token in the path is the
only credential; an unknown (or rotated, or erased) token is 404, never 403, so
the API does not reveal whether a token ever existed. A member who has not proven
a contact yet is 404 too: the token is not a credential until then. A member sees only their
own data: their groups by name and status, nothing about other members."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.client_address import client_address
from sessions.api import examples
from sessions.api.access import group_by_slug
from sessions.links import self_service_url
from sessions.models import Enrollment, Member, SupportGroup
from sessions.selectors.roster import enrollments_of_member, member_enrollment_in_group
from sessions.selectors.schedule import next_session
from sessions.services import members as member_services
from sessions.services.enrollment import ON_ROSTER, enrollment_leave
from sessions.services.joining import member_join_group
from sessions.validators import validate_timezone

TAGS = ["me"]


class OwnEnrollmentSerializer(serializers.ModelSerializer):
    group_name = serializers.CharField(source="group.name", read_only=True)
    group_slug = serializers.CharField(source="group.slug", read_only=True)

    class Meta:
        model = Enrollment
        fields = ["group_name", "group_slug", "status", "waitlist_position", "created_at"]
        read_only_fields = fields


class MemberSelfSerializer(serializers.ModelSerializer):
    """What a member sees about themselves."""

    groups = serializers.SerializerMethodField()
    self_service_url = serializers.SerializerMethodField()
    phone_verified = serializers.SerializerMethodField()
    email_verified = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = [
            "display_name",
            "phone",
            "email",
            "timezone",
            "sms_reminders",
            "email_reminders",
            "sms_consent",
            "email_consent",
            "phone_undeliverable",
            "phone_verified",
            "email_verified",
            "self_service_url",
            "groups",
        ]
        read_only_fields = fields

    @extend_schema_field(OwnEnrollmentSerializer(many=True))
    def get_groups(self, member: Member) -> list[dict]:
        return OwnEnrollmentSerializer(enrollments_of_member(member=member), many=True).data

    @extend_schema_field(serializers.URLField())
    def get_self_service_url(self, member: Member) -> str:
        return self_service_url(member)

    def get_phone_verified(self, member: Member) -> bool:
        return member.phone is not None and member.phone_verified_at is not None

    def get_email_verified(self, member: Member) -> bool:
        return member.email is not None and member.email_verified_at is not None


class MemberUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=80, required=False)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, allow_null=True)
    email = serializers.EmailField(required=False, allow_blank=True, allow_null=True)
    timezone = serializers.CharField(max_length=64, required=False, validators=[validate_timezone])
    sms_reminders = serializers.BooleanField(required=False)
    email_reminders = serializers.BooleanField(required=False)


def _member(token: str) -> Member:
    member = member_services.member_for_self_service(token=token)
    if member is None:
        raise Http404
    return member


class _SelfServiceAPIView(APIView):
    # The token in the URL is the credential: no session (so no CSRF), no staff token.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Personal data under a secret URL: keep it out of shared caches, and
        # keep the URL (the token) out of Referer headers.
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response


class SelfServiceView(_SelfServiceAPIView):
    @extend_schema(responses=MemberSelfSerializer, examples=[examples.ME_EXAMPLE], tags=TAGS)
    def get(self, request, token: str):
        return Response(MemberSelfSerializer(_member(token)).data)

    @extend_schema(
        request=MemberUpdateSerializer,
        responses={
            200: MemberSelfSerializer,
            429: OpenApiResponse(description="A daily cap on confirmation messages was reached; nothing was saved"),
        },
        examples=[examples.ME_PHONE_CHANGE_EXAMPLE, examples.ME_EXAMPLE],
        tags=TAGS,
    )
    def patch(self, request, token: str):
        member = _member(token)
        payload = MemberUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        member = member_services.member_update(member=member, client=client_address(request), **payload.validated_data)
        return Response(MemberSelfSerializer(member).data)

    @extend_schema(responses={204: None}, tags=TAGS, summary="Erase my personal data")
    def delete(self, request, token: str):
        member_services.member_erase(member=_member(token))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SelfServiceLeaveView(_SelfServiceAPIView):
    @extend_schema(
        request=None,
        responses=OwnEnrollmentSerializer,
        examples=[examples.LEFT_GROUP_EXAMPLE],
        tags=TAGS,
    )
    def post(self, request, token: str, group_slug: str):
        """Leave a group; a freed seat goes to the first person on its waitlist. Leaving twice changes nothing."""
        member = _member(token)
        enrollment = member_enrollment_in_group(member=member, group_slug=group_slug)
        if enrollment is None:
            raise Http404
        if enrollment.status in ON_ROSTER:
            enrollment = enrollment_leave(enrollment=enrollment)
        return Response(OwnEnrollmentSerializer(enrollment).data)


class SelfServiceRotateView(_SelfServiceAPIView):
    @extend_schema(
        request=None,
        responses=inline_serializer(
            "RotatedToken", {"token": serializers.CharField(), "self_service_url": serializers.URLField()}
        ),
        tags=TAGS,
    )
    def post(self, request, token: str):
        """A new secret link; the old one stops working at once."""
        member = member_services.member_rotate_token(member=_member(token))
        return Response({"token": member.token, "self_service_url": self_service_url(member)})


# --- Joining another group of the member's organization ------------------------------------

CONFIRM_HOW = "POST to this URL"

JoinOfferSerializer = inline_serializer(
    "JoinOffer",
    {
        "group_name": serializers.CharField(),
        "group_slug": serializers.CharField(),
        "next_session": serializers.DateTimeField(allow_null=True),
        "confirm": serializers.CharField(),
    },
)
OwnJoinSerializer = inline_serializer(
    "OwnJoin",
    {
        "group_name": serializers.CharField(),
        "group_slug": serializers.CharField(),
        "status": serializers.CharField(),
        "waitlist_position": serializers.IntegerField(allow_null=True),
    },
)


def _join_offer(group: SupportGroup) -> dict:
    upcoming = next_session(group=group)
    return {
        "group_name": group.name,
        "group_slug": group.slug,
        "next_session": upcoming.starts_at.isoformat().replace("+00:00", "Z") if upcoming else None,
        "confirm": CONFIRM_HOW,
    }


def _own_organization_group(member: Member, slug: str) -> SupportGroup:
    # A member record belongs to one organization: another organization's group is
    # joined from its public page, and the person proves their contact there again.
    group = group_by_slug(slug)
    if group.organization_id != member.organization_id:
        raise Http404
    return group


def _join(member: Member, group: SupportGroup) -> Response:
    enrollment, created = member_join_group(member=member, group=group)
    payload = {
        "group_name": group.name,
        "group_slug": group.slug,
        "status": enrollment.status,
        "waitlist_position": enrollment.waitlist_position,
    }
    return Response(payload, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SelfServiceJoinView(_SelfServiceAPIView):
    """Join another group of your own organization as yourself; nothing happens until
    a POST. A GET describes the group. Another organization's group is a 404."""

    @extend_schema(responses=JoinOfferSerializer, tags=TAGS, summary="What joining this group would be")
    def get(self, request, token: str, group_slug: str):
        member = _member(token)
        return Response(_join_offer(_own_organization_group(member, group_slug)))

    @extend_schema(
        request=None,
        responses={201: OwnJoinSerializer, 200: OpenApiResponse(OwnJoinSerializer, description="Already on it")},
        tags=TAGS,
        summary="Join this group",
    )
    def post(self, request, token: str, group_slug: str):
        member = _member(token)
        return _join(member, _own_organization_group(member, group_slug))


class SelfServiceConfirmEmailView(_SelfServiceAPIView):
    @extend_schema(
        request=None,
        responses={202: inline_serializer("EmailConfirmationSent", {"messages": serializers.ListField()})},
        tags=TAGS,
        summary="Send a confirmation link to my email address",
    )
    def post(self, request, token: str):
        """The address on file gets a confirmation link (nothing else is sent to it before
        it is confirmed). An address already confirmed, or none, sends nothing."""
        member = _member(token)
        member_services.member_request_email_proof(member=member)
        return Response({"messages": [member_services.MESSAGE_EMAIL_PROOF_SENT]}, status=status.HTTP_202_ACCEPTED)
