from django.contrib import admin

from sessions import models


class FacilitatorInline(admin.TabularInline):
    model = models.Facilitator
    extra = 0
    autocomplete_fields = ["user"]


class ScheduleShownNotChanged:
    """The schedule is shown here, not changed: a series or session changes through the
    schedule services (the facilitator pages and the API), which check the rule, make the
    sessions and tell the members. An edit here would skip all three."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SeriesInline(ScheduleShownNotChanged, admin.TabularInline):
    model = models.SessionSeries
    extra = 0
    fields = ["rrule", "dtstart", "timezone", "duration_minutes", "venue", "active"]


@admin.register(models.Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "contact_email"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["admins"]


@admin.register(models.Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "region", "country", "timezone", "organization"]
    list_filter = ["country"]
    search_fields = ["name", "city", "postal_code"]


@admin.register(models.SupportGroup)
class SupportGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "topic", "format", "language", "enrollment_mode", "listed"]
    list_filter = ["topic", "format", "enrollment_mode", "listed", "language"]
    search_fields = ["name", "slug", "organization__name"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["organization"]
    inlines = [FacilitatorInline, SeriesInline]


@admin.register(models.Facilitator)
class FacilitatorAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "role"]
    list_filter = ["role"]
    list_select_related = ["user", "group"]


@admin.register(models.Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["display_name", "phone", "email", "sms_consent", "email_consent", "created_at"]
    list_filter = ["sms_consent", "email_consent", "phone_undeliverable"]
    search_fields = ["display_name", "phone", "email"]
    exclude = ["token"]


@admin.register(models.Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["member", "group", "status", "waitlist_position", "created_at"]
    list_filter = ["status"]
    list_select_related = ["member", "group"]
    raw_id_fields = ["member", "group"]


@admin.register(models.EnrollmentEvent)
class EnrollmentEventAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "from_status", "to_status", "reason", "created_at"]
    raw_id_fields = ["enrollment", "actor"]


@admin.register(models.AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "actor_label", "action", "group", "target_type", "target_id"]
    list_filter = ["action"]
    raw_id_fields = ["organization", "group", "actor"]


@admin.register(models.SessionSeries)
class SessionSeriesAdmin(ScheduleShownNotChanged, admin.ModelAdmin):
    list_display = ["group", "rrule", "dtstart", "timezone", "duration_minutes", "active"]
    list_select_related = ["group"]
    raw_id_fields = ["group", "venue"]


@admin.register(models.Session)
class SessionAdmin(ScheduleShownNotChanged, admin.ModelAdmin):
    list_display = ["group", "starts_at", "status", "sequence", "modified"]
    list_filter = ["status"]
    date_hierarchy = "starts_at"
    list_select_related = ["group"]
    raw_id_fields = ["series", "group", "venue"]


@admin.register(models.Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["session", "enrollment", "rsvp", "attendance"]
    raw_id_fields = ["session", "enrollment"]


@admin.register(models.Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "country", "postal_code", "population"]
    list_filter = ["kind", "country"]
    search_fields = ["key", "name"]


@admin.register(models.RateCounter)
class RateCounterAdmin(admin.ModelAdmin):
    list_display = ["scope", "day", "count"]
