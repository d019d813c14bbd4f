from __future__ import annotations

from django.core.management.base import BaseCommand

from notifications.dispatch import dispatch_notifications


class Command(BaseCommand):
    help = "Plan reminders and notices, then queue the due ones (what beat runs every minute), once."

    def handle(self, *args, **options):
        result = dispatch_notifications()
        self.stdout.write(
            f"planned {result.planned}, reconciled {result.reconciled}, scrubbed {result.scrubbed}, "
            f"queued {len(result.claimed)} message(s)"
        )
