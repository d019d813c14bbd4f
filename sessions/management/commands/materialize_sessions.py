from __future__ import annotations

from django.core.management.base import BaseCommand

from sessions.services.schedule import materialize_all


class Command(BaseCommand):
    help = "Create sessions for every active series up to the horizon (idempotent; the periodic job runs this)."

    def add_arguments(self, parser):
        parser.add_argument("--horizon-days", type=int, default=None, help="Default: settings.SESSION_HORIZON_DAYS")

    def handle(self, *args, horizon_days=None, **options):
        if horizon_days is not None and horizon_days < 1:
            self.stderr.write("--horizon-days must be at least 1")
            raise SystemExit(2)
        created = materialize_all(horizon_days=horizon_days)
        self.stdout.write(f"Created {created} session(s).")
