from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sessions.services.schedule import materialize_all

HORIZON_TOO_SHORT = "--horizon-days must be at least 1"


class Command(BaseCommand):
    help = "Create sessions for every active series up to the horizon (idempotent; the periodic job runs this)."

    def add_arguments(self, parser):
        parser.add_argument("--horizon-days", type=int, default=None, help="Default: settings.SESSION_HORIZON_DAYS")

    def handle(self, *args, horizon_days=None, **options):
        if horizon_days is not None and horizon_days < 1:
            raise CommandError(HORIZON_TOO_SHORT)
        created = materialize_all(horizon_days=horizon_days)
        self.stdout.write(f"Created {created} session(s).")
