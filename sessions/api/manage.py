"""The management API under /api/manage/: organizations, venues, groups,
facilitators, rosters and the audit log. Thin views: check who is asking
(sessions.permissions), call one service or selector, serialize.

A resource that does not exist is 404; one that exists but is not the
caller's is 403. Lists are filtered by the caller, because DRF runs no object
permission on lists; nested routes check their parent group first.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from sessions.api import examples
from sessions.api.access import administered_organization, managed_group, require_org_admin
from sessions.api.csv_export import csv_attachment
from sessions.api.serializers_manage import (
    AuditLogSerializer,
    AuditQuerySerializer,
    FacilitatorInputSerializer,
    FacilitatorSerializer,
    GroupOrganizationSerializer,
    GroupSerializer,
    OrganizationSerializer,
    RosterAddSerializer,
    RosterChangeSerializer,
    RosterEntrySerializer,
    RosterQuerySerializer,
    UsernameSerializer,
    VenueSerializer,
)
from sessions.models import Enrollment, SupportGroup, Venue
from sessions.permissions import (
    IsStaffUser,
    can_administer_group,
    can_lead_group,
    groups_managed_by,
    organizations_administered_by,
    venues_managed_by,
)
from sessions.selectors import roster as roster_selectors
from sessions.services import audit as audit_services
from sessions.services import enrollment as enrollment_services
from sessions.services import groups as group_services
from sessions.services import members as member_services
from sessions.services import organizations as organization_services
from sessions.services.venues import venue_create, venue_delete, venue_update

NOT_LEAD = gettext_noop("Only the group's lead facilitator or an organization administrator can do this.")
ADMINS_ONLY = gettext_noop("Only the organization's administrators can do this.")
SUPERUSERS_ONLY = gettext_noop("Only site administrators can create organizations.")

TAGS = ["manage"]


# --- Organizations ----------------------------------------------------------------------


class OrganizationListView(APIView):
    permission_classes = [IsStaffUser]

    @extend_schema(responses=OrganizationSerializer(many=True), examples=[examples.ORGANIZATION_EXAMPLE], tags=TAGS)
    def get(self, request):
        """The organizations the caller administers (all of them for superusers)."""
        organizations = organizations_administered_by(request.user).prefetch_related("admins")
        return Response(OrganizationSerializer(organizations, many=True).data)

    @extend_schema(
        request=OrganizationSerializer,
        responses={201: OrganizationSerializer},
        examples=[examples.ORGANIZATION_CREATE_EXAMPLE, examples.ORGANIZATION_EXAMPLE],
        tags=TAGS,
    )
    def post(self, request):
        if not request.user.is_superuser:
            raise PermissionDenied(SUPERUSERS_ONLY)
        payload = OrganizationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        organization = organization_services.organization_create(actor=request.user, **payload.validated_data)
        return Response(OrganizationSerializer(organization).data, status=status.HTTP_201_CREATED)


class OrganizationDetailView(APIView):
    permission_classes = [IsStaffUser]

    @extend_schema(responses=OrganizationSerializer, examples=[examples.ORGANIZATION_EXAMPLE], tags=TAGS)
    def get(self, request, pk: int):
        return Response(OrganizationSerializer(administered_organization(request, pk)).data)

    @extend_schema(request=OrganizationSerializer, responses=OrganizationSerializer, tags=TAGS)
    def patch(self, request, pk: int):
        organization = administered_organization(request, pk)
        payload = OrganizationSerializer(organization, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        organization = organization_services.organization_update(
            organization=organization, actor=request.user, **payload.validated_data
        )
        return Response(OrganizationSerializer(organization).data)


class OrganizationAdminsView(APIView):
    permission_classes = [IsStaffUser]

    @extend_schema(responses=UsernameSerializer(many=True), tags=TAGS)
    def get(self, request, pk: int):
        organization = administered_organization(request, pk)
        return Response([{"username": u.username} for u in organization.admins.order_by("username")])

    @extend_schema(
        request=UsernameSerializer,
        responses={201: UsernameSerializer},
        examples=[examples.ORGANIZATION_ADMIN_ADD_EXAMPLE],
        tags=TAGS,
    )
    def post(self, request, pk: int):
        organization = administered_organization(request, pk)
        payload = UsernameSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = organization_services.organization_admin_add(
            organization=organization, username=payload.validated_data["username"], actor=request.user
        )
        return Response({"username": user.username}, status=status.HTTP_201_CREATED)


class OrganizationAdminDetailView(APIView):
    permission_classes = [IsStaffUser]

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request, pk: int, username: str):
        organization = administered_organization(request, pk)
        organization_services.organization_admin_remove(
            organization=organization, username=username, actor=request.user
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuditPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class OrganizationAuditView(APIView):
    permission_classes = [IsStaffUser]
    # Declared on the view (not only used in get) so the schema shows the paginated envelope.
    pagination_class = AuditPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("group", OpenApiTypes.INT, description="Only entries about this group"),
            OpenApiParameter("action", OpenApiTypes.STR, description="e.g. roster.view, roster.approve"),
        ],
        responses=AuditLogSerializer(many=True),
        examples=[examples.AUDIT_ENTRY_EXAMPLE],
        tags=TAGS,
    )
    def get(self, request, pk: int):
        """Who changed or looked at which roster, newest first. Organization admins only."""
        organization = administered_organization(request, pk)
        query = AuditQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        entries = roster_selectors.audit_log_for_organization(
            organization=organization,
            group_id=query.validated_data.get("group"),
            action=query.validated_data.get("action"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(AuditLogSerializer(page, many=True).data)


# --- Venues -----------------------------------------------------------------------------


class VenueListView(APIView):
    permission_classes = [IsStaffUser]

    @extend_schema(responses=VenueSerializer(many=True), tags=TAGS)
    def get(self, request):
        """Venues of the organizations the caller administers."""
        venues = venues_managed_by(request.user).order_by("name", "id")
        return Response(VenueSerializer(venues, many=True).data)

    @extend_schema(
        request=VenueSerializer, responses={201: VenueSerializer}, examples=[examples.VENUE_EXAMPLE], tags=TAGS
    )
    def post(self, request):
        payload = VenueSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        organization = require_org_admin(request, data.pop("organization"))
        venue = venue_create(organization=organization, actor=request.user, **data)
        return Response(VenueSerializer(venue).data, status=status.HTTP_201_CREATED)


class VenueDetailView(APIView):
    permission_classes = [IsStaffUser]

    def _venue(self, request, pk: int) -> Venue:
        venue = get_object_or_404(Venue.objects.select_related("organization"), pk=pk)
        require_org_admin(request, venue.organization)
        return venue

    @extend_schema(responses=VenueSerializer, tags=TAGS)
    def get(self, request, pk: int):
        return Response(VenueSerializer(self._venue(request, pk)).data)

    @extend_schema(request=VenueSerializer, responses=VenueSerializer, tags=TAGS)
    def patch(self, request, pk: int):
        venue = self._venue(request, pk)
        payload = VenueSerializer(venue, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        venue = venue_update(venue=venue, actor=request.user, **payload.validated_data)
        return Response(VenueSerializer(venue).data)

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request, pk: int):
        venue_delete(venue=self._venue(request, pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Groups and facilitators ------------------------------------------------------------


class GroupListView(APIView):
    permission_classes = [IsStaffUser]

    @extend_schema(responses=GroupSerializer(many=True), tags=TAGS)
    def get(self, request):
        """Only groups the caller administers or facilitates."""
        groups = groups_managed_by(request.user).prefetch_related("facilitators__user").order_by("name", "id")
        return Response(GroupSerializer(groups, many=True).data)

    @extend_schema(
        request=GroupSerializer, responses={201: GroupSerializer}, examples=[examples.GROUP_CREATE_EXAMPLE], tags=TAGS
    )
    def post(self, request):
        """Organization admins create groups; the time zone defaults to the venue's."""
        # Who may create here is asked before the rest is read, so another organization's
        # admin learns nothing from the answer (not even whether a venue id exists).
        named = GroupOrganizationSerializer(data=request.data)
        named.is_valid(raise_exception=True)
        organization = require_org_admin(request, named.validated_data["organization"])
        payload = GroupSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data.pop("organization")
        group = group_services.group_create(organization=organization, actor=request.user, **data)
        return Response(GroupSerializer(group).data, status=status.HTTP_201_CREATED)


class GroupDetailView(APIView):
    permission_classes = [IsStaffUser]

    @extend_schema(responses=GroupSerializer, tags=TAGS)
    def get(self, request, pk: int):
        return Response(GroupSerializer(managed_group(request, pk)).data)

    @extend_schema(
        request=GroupSerializer,
        responses=GroupSerializer,
        examples=[examples.GROUP_CAPACITY_EXAMPLE],
        tags=TAGS,
    )
    def patch(self, request, pk: int):
        """Lead facilitators and admins; raising the capacity moves people up from the waitlist."""
        group = managed_group(request, pk, may=can_lead_group, message=NOT_LEAD)
        payload = GroupSerializer(group, data=request.data, partial=True, context={"request": request})
        payload.is_valid(raise_exception=True)
        group = group_services.group_update(group=group, actor=request.user, **payload.validated_data)
        return Response(GroupSerializer(group).data)

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request, pk: int):
        group = managed_group(request, pk, may=can_administer_group, message=ADMINS_ONLY)
        group_services.group_delete(group=group, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupFacilitatorsView(APIView):
    permission_classes = [IsStaffUser]

    @extend_schema(responses=FacilitatorSerializer(many=True), tags=TAGS)
    def get(self, request, pk: int):
        group = managed_group(request, pk)
        return Response(FacilitatorSerializer(group.facilitators.select_related("user"), many=True).data)

    @extend_schema(
        request=FacilitatorInputSerializer,
        responses={201: FacilitatorSerializer},
        examples=[examples.FACILITATOR_ADD_EXAMPLE],
        tags=TAGS,
    )
    def post(self, request, pk: int):
        group = managed_group(request, pk, may=can_lead_group, message=NOT_LEAD)
        payload = FacilitatorInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        facilitator = group_services.facilitator_add(group=group, actor=request.user, **payload.validated_data)
        return Response(FacilitatorSerializer(facilitator).data, status=status.HTTP_201_CREATED)


class GroupFacilitatorDetailView(APIView):
    permission_classes = [IsStaffUser]

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request, pk: int, username: str):
        group = managed_group(request, pk, may=can_lead_group, message=NOT_LEAD)
        group_services.facilitator_remove(group=group, username=username, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Rosters ----------------------------------------------------------------------------


def _statuses(request) -> list[str] | None:
    query = RosterQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("status")


def _roster_line(group: SupportGroup, enrollment_id: int) -> dict:
    [row] = roster_selectors.roster_rows(group=group, enrollment_ids=[enrollment_id])
    return RosterEntrySerializer(row).data


class RosterView(APIView):
    permission_classes = [IsStaffUser]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, description="Comma-separated, e.g. active,waitlisted")
        ],
        responses=RosterEntrySerializer(many=True),
        examples=[examples.ROSTER_ENTRY_EXAMPLE],
        tags=TAGS,
    )
    def get(self, request, pk: int):
        """The group's roster with contact data. Every view is written to the audit log."""
        group = managed_group(request, pk)
        entries = audit_services.roster_view(group=group, actor=request.user, statuses=_statuses(request))
        return Response(RosterEntrySerializer(entries, many=True).data)

    @extend_schema(
        request=RosterAddSerializer,
        responses={
            201: RosterEntrySerializer,
            200: RosterEntrySerializer,
            429: OpenApiResponse(description="A daily cap on confirmation messages was reached; nothing was saved"),
        },
        examples=[examples.ROSTER_ADD_EXAMPLE, examples.ROSTER_ENTRY_EXAMPLE],
        tags=TAGS,
    )
    def post(self, request, pk: int):
        """Add someone who agreed in person (consent source "in_person"); 200 if already on the roster."""
        group = managed_group(request, pk)
        payload = RosterAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        result = member_services.roster_add_in_person(
            group=group,
            actor=request.user,
            display_name=data["display_name"],
            phone=data.get("phone") or None,
            email=data.get("email") or None,
            sms_reminders=data["sms_reminders"],
            email_reminders=data["email_reminders"],
            notes=data["notes"],
        )
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(_roster_line(group, result.enrollment.pk), status=code)


class RosterEntryView(APIView):
    permission_classes = [IsStaffUser]

    def _entry(self, request, pk: int, enrollment_id: int) -> Enrollment:
        group = managed_group(request, pk)
        enrollment = roster_selectors.roster_entry(group=group, enrollment_id=enrollment_id)
        if enrollment is None:
            raise Http404
        enrollment.group = group
        return enrollment

    @extend_schema(responses=RosterEntrySerializer, examples=[examples.ROSTER_ENTRY_EXAMPLE], tags=TAGS)
    def get(self, request, pk: int, enrollment_id: int):
        enrollment = self._entry(request, pk, enrollment_id)
        row = audit_services.roster_entry_view(group=enrollment.group, enrollment=enrollment, actor=request.user)
        return Response(RosterEntrySerializer(row).data)

    @extend_schema(
        request=RosterChangeSerializer,
        responses=RosterEntrySerializer,
        examples=[
            examples.ROSTER_APPROVE_EXAMPLE,
            examples.ROSTER_MOVE_EXAMPLE,
            examples.ROSTER_NOTES_EXAMPLE,
            examples.ROSTER_ENTRY_EXAMPLE,
        ],
        tags=TAGS,
    )
    def patch(self, request, pk: int, enrollment_id: int):
        """approve, decline, remove, waitlist, or move (with waitlist_position); and/or notes."""
        enrollment = self._entry(request, pk, enrollment_id)
        payload = RosterChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        enrollment_services.enrollment_change(enrollment=enrollment, actor=request.user, **payload.validated_data)
        return Response(_roster_line(enrollment.group, enrollment.pk))


_CSV_COLUMNS = (
    "enrollment_id",
    "display_name",
    "phone",
    "email",
    "sms_consent",
    "email_consent",
    "phone_undeliverable",
    "status",
    "waitlist_position",
    "joined",
    "notes",
)


class RosterCsvView(APIView):
    permission_classes = [IsStaffUser]

    @extend_schema(
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, description="Comma-separated statuses")],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per enrollment")},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        """The roster as CSV. Every export is written to the audit log."""
        group = managed_group(request, pk)
        entries = audit_services.roster_export(group=group, actor=request.user, statuses=_statuses(request))
        rows = RosterEntrySerializer(entries, many=True).data
        return csv_attachment(
            filename=f"{group.slug}-roster.csv",
            header=_CSV_COLUMNS,
            rows=([row[column] for column in _CSV_COLUMNS] for row in rows),
        )
