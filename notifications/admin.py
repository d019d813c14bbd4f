from django.contrib import admin

from notifications.models import Broadcast, InboundMessage, OutboxMessage, SessionWatch


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "channel", "member", "session", "status", "due_at", "attempts", "error_code"]
    list_filter = ["status", "channel", "kind", "error_code"]
    search_fields = ["provider_message_id", "dedupe_key", "to"]
    raw_id_fields = ["member", "session", "group", "enrollment", "broadcast"]
    date_hierarchy = "due_at"


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "from_number", "kind", "member", "group", "received_at"]
    list_filter = ["kind"]
    search_fields = ["from_number", "provider_message_id"]
    raw_id_fields = ["member", "group"]


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ["id", "group", "author", "recipients", "created_at"]
    raw_id_fields = ["group", "author"]


@admin.register(SessionWatch)
class SessionWatchAdmin(admin.ModelAdmin):
    list_display = ["session", "sequence", "status", "starts_at"]
    raw_id_fields = ["session"]
