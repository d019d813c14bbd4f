"""Public API: search, group pages, joining, the Meeting Guide feed. Anyone may call these."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.client_address import client_address
from backend.throttles import ClientScopedRateThrottle
from sessions.api.access import group_by_slug
from sessions.api.serializers_public import (
    EmailConfirmationStateSerializer,
    EmailConfirmedSerializer,
    GroupDetailSerializer,
    GroupSearchParamsSerializer,
    GroupSearchResultSerializer,
    JoinRequestedSerializer,
    JoinRequestStateSerializer,
    JoinSerializer,
    MeetingGuideMeetingSerializer,
)
from sessions.links import self_service_url
from sessions.models import SupportGroup
from sessions.selectors.groups import group_public_get
from sessions.selectors.search import ORDERING_NEEDS_NEAR, GroupSearch, groups_search
from sessions.services.joining import (
    STATUS_WAITING,
    JoinLimitReached,
    group_join,
    join_request_by_token,
    join_request_cancel,
    join_request_public_state,
    join_request_url,
    mask_email,
    mask_phone,
)
from sessions.services.meeting_guide import meeting_guide_feed
from sessions.services.places import KM_PER_MILE, PlaceNotFound, resolve_place
from sessions.services.proofs import (
    MESSAGE_CONFIRMED,
    ProofExpired,
    contact_proof_by_secret,
    email_confirm,
    email_confirmation_state,
)

DEFAULT_RADIUS_KM = 40.0


class _NoFormatOverride:
    URL_FORMAT_OVERRIDE = None


class SearchContentNegotiation(DefaultContentNegotiation):
    """`format` is a search filter (in_person, online, hybrid), not DRF's ?format= renderer switch."""

    settings = _NoFormatOverride()


class SearchPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["resolved_place"] = {
            "type": "object",
            "nullable": True,
            "description": "Where `near` was read as; `ambiguous` with `alternatives` when several places matched",
        }
        response["properties"]["radius_km"] = {"type": "number", "nullable": True}
        return response


@extend_schema(
    parameters=[
        GroupSearchParamsSerializer,
        OpenApiParameter("page", OpenApiTypes.INT, description="Page of results, from 1"),
        OpenApiParameter("page_size", OpenApiTypes.INT, description="Results per page, at most 100"),
    ],
    responses=GroupSearchResultSerializer(many=True),
)
class GroupSearchView(GenericAPIView):
    """Find listed groups with an upcoming session, near a place or anywhere."""

    serializer_class = GroupSearchResultSerializer
    pagination_class = SearchPagination
    content_negotiation_class = SearchContentNegotiation
    filter_backends: list = []

    def get_queryset(self):
        # Results come from groups_search(); the browsable API (a browser's Accept: text/html)
        # asks for a queryset only to draw a filter form, and there is none to draw.
        return SupportGroup.objects.none()

    def get(self, request):
        params_serializer = GroupSearchParamsSerializer(data=request.query_params)
        params_serializer.is_valid(raise_exception=True)
        params = params_serializer.validated_data
        place = None
        if params.get("near"):
            try:
                place = resolve_place(params["near"])
            except PlaceNotFound as exc:
                raise ValidationError({"near": [str(exc)], "searched": exc.query}) from None
        if params.get("ordering") == "distance" and place is None:
            raise ValidationError({"ordering": [ORDERING_NEEDS_NEAR]})
        if "radius_mi" in params:
            radius_km = params["radius_mi"] * KM_PER_MILE
        else:
            radius_km = params.get("radius_km", DEFAULT_RADIUS_KM)
        search = GroupSearch(
            latitude=place.latitude if place else None,
            longitude=place.longitude if place else None,
            radius_km=radius_km,
            topics=params.get("topic", ()),
            audience=params.get("audience", ""),
            format=params.get("format", ""),
            include_online=params["include_online"],
            days=params.get("day", ()),
            time_of_day=params.get("time_of_day", ""),
            language=params.get("language", ""),
            accessibility=params.get("accessibility", ()),
            cost=params.get("cost", ""),
            faith=params.get("faith", ""),
            has_openings=params["has_openings"],
            q=params.get("q", "").strip(),
            ordering=params.get("ordering", ""),
        )
        page = self.paginate_queryset(groups_search(params=search))
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["resolved_place"] = place.as_dict() if place else None
        response.data["radius_km"] = round(radius_km, 3) if place else None
        return response


class GroupDetailView(APIView):
    """A group's public page. Unlisted groups are reachable here by slug, never in search."""

    @extend_schema(responses=GroupDetailSerializer)
    def get(self, request, slug: str):
        group = group_public_get(slug=slug)
        if group is None:
            raise Http404
        return Response(GroupDetailSerializer(group).data)


class _NoStoreAPIView(APIView):
    # Secret URLs: keep them out of shared caches and Referer headers.
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response


class GroupJoinView(_NoStoreAPIView):
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "join"

    @extend_schema(
        request=JoinSerializer,
        responses={
            202: OpenApiResponse(
                JoinRequestedSerializer,
                description=(
                    "Every well-formed join, whoever the phone or email belongs to: a join request waiting for "
                    "the contact's owner to confirm. Nothing in it depends on the person behind the contact."
                ),
            ),
            429: OpenApiResponse(description="A daily cap on confirmation messages was reached; nothing was saved"),
        },
    )
    def post(self, request, slug: str):
        group = group_by_slug(slug)
        body = JoinSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            result = group_join(
                group=group,
                display_name=data["display_name"],
                phone=data.get("phone") or None,
                email=data.get("email") or None,
                sms_reminders=data["sms_reminders"],
                email_reminders=data["email_reminders"],
                time_zone=data.get("time_zone") or None,
                note=data.get("note", ""),
                client=client_address(request),
            )
        except JoinLimitReached as exc:
            return Response({"detail": exc.message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        join_request = result.join_request
        # Built from the request as typed: nothing in it may depend on the person behind the contact.
        payload = {
            "status": STATUS_WAITING,
            "request_url": join_request_url(join_request),
            "request_token": join_request.token,
            "confirm_by": result.confirm_by,
            "contacts": [mask_phone(join_request.phone)] if join_request.phone else [mask_email(join_request.email)],
            "expires_at": join_request.expires_at,
            "messages": result.messages,
        }
        return Response(JoinRequestedSerializer(payload).data, status=status.HTTP_202_ACCEPTED)


def _join_request(token: str):
    join_request = join_request_by_token(token=token)
    if join_request is None:
        raise Http404
    return join_request


class _CapabilityAPIView(_NoStoreAPIView):
    # The secret in the URL is the credential: no session (so no CSRF), no staff token.
    authentication_classes: list = []
    permission_classes = [AllowAny]


class JoinRequestView(_CapabilityAPIView):
    """The requester's handle on one join request. It shows the request as typed and
    whether it was cancelled or has expired, never whether it was confirmed."""

    @extend_schema(responses=JoinRequestStateSerializer)
    def get(self, request, token: str):
        state = join_request_public_state(join_request=_join_request(token))
        return Response(JoinRequestStateSerializer(state).data)

    @extend_schema(request=None, responses=JoinRequestStateSerializer, summary="Cancel this join request")
    def delete(self, request, token: str):
        join_request = join_request_cancel(join_request=_join_request(token))
        return Response(JoinRequestStateSerializer(join_request_public_state(join_request=join_request)).data)


class JoinRequestCancelView(JoinRequestView):
    """The same cancel as DELETE, for HTML forms (which can only POST)."""

    http_method_names = ["post", "options"]

    @extend_schema(request=None, responses=JoinRequestStateSerializer, summary="Cancel this join request (form)")
    def post(self, request, token: str):
        return self.delete(request, token)


class EmailConfirmationView(_CapabilityAPIView):
    """The link in a confirmation email. GET describes it and changes nothing (mail
    scanners follow links); POST proves the address and confirms the join."""

    def _proof(self, secret: str):
        proof = contact_proof_by_secret(secret=secret)
        if proof is None:
            raise Http404
        return proof

    @extend_schema(responses=EmailConfirmationStateSerializer)
    def get(self, request, secret: str):
        return Response(EmailConfirmationStateSerializer(email_confirmation_state(proof=self._proof(secret))).data)

    @extend_schema(
        request=None,
        responses={
            200: EmailConfirmedSerializer,
            410: OpenApiResponse(description="The link has expired or was cancelled; nothing changed"),
        },
        summary="Confirm this email address",
    )
    def post(self, request, secret: str):
        try:
            result = email_confirm(proof=self._proof(secret))
        except ProofExpired as exc:
            return Response({"detail": exc.message}, status=status.HTTP_410_GONE)
        group = result.join_request.group if result.join_request is not None else None
        enrollment = result.enrollment
        payload = {
            "status": "confirmed",
            "group_name": group.name if group else None,
            "group_slug": group.slug if group else None,
            "enrollment_status": enrollment.status if enrollment else None,
            "waitlist_position": enrollment.waitlist_position if enrollment else None,
            # The caller holds the emailed secret: they control this address.
            "self_service_url": self_service_url(result.member),
            "messages": [MESSAGE_CONFIRMED],
        }
        return Response(EmailConfirmedSerializer(payload).data)


class MeetingGuideFeedView(APIView):
    """Every listed group's weekly meetings in the code4recovery Meeting Guide JSON format."""

    @extend_schema(responses=MeetingGuideMeetingSerializer(many=True))
    def get(self, request):
        return Response(meeting_guide_feed())
