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
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from sessions.api.access import group_by_slug
from sessions.api.serializers_public import (
    GroupDetailSerializer,
    GroupSearchParamsSerializer,
    GroupSearchResultSerializer,
    JoinConfirmationSentSerializer,
    JoinResultSerializer,
    JoinSerializer,
    MeetingGuideMeetingSerializer,
)
from sessions.models import SupportGroup
from sessions.selectors.groups import group_public_get
from sessions.selectors.search import ORDERING_NEEDS_NEAR, GroupSearch, groups_search
from sessions.services.joining import STATUS_CONFIRMATION_SENT, JoinLimitReached, group_join
from sessions.services.meeting_guide import meeting_guide_feed
from sessions.services.places import KM_PER_MILE, PlaceNotFound, resolve_place

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


def client_address(request) -> str:
    # DRF's identification honours NUM_PROXIES, so a spoofed X-Forwarded-For is not trusted blindly.
    return BaseThrottle().get_ident(request) or "unknown"


class GroupJoinView(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "join"

    @extend_schema(
        request=JoinSerializer,
        responses={
            201: JoinResultSerializer,
            202: OpenApiResponse(
                JoinConfirmationSentSerializer,
                description=(
                    "The phone or email belongs to someone Lantern knows: nothing was changed or revealed; "
                    "a confirmation link may have been sent to the contact on file. Always the same body."
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
        if not result.member_created:
            # Built from constants only: nothing in it may depend on the person behind the number.
            payload = {"status": STATUS_CONFIRMATION_SENT, "self_service_url": None, "messages": result.messages}
            return Response(payload, status=status.HTTP_202_ACCEPTED)
        payload = {
            "status": result.enrollment.status,
            "waitlist_position": result.enrollment.waitlist_position,
            "self_service_url": result.self_service_url,
            "sms_consent": result.sms_consent,
            "messages": result.messages,
        }
        return Response(payload, status=status.HTTP_201_CREATED)


class MeetingGuideFeedView(APIView):
    """Every listed group's weekly meetings in the code4recovery Meeting Guide JSON format."""

    @extend_schema(responses=MeetingGuideMeetingSerializer(many=True))
    def get(self, request):
        return Response(meeting_guide_feed())
