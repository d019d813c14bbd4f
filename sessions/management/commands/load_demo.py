from django.core.management.base import BaseCommand

from sessions.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load demo organizations, venues, groups, series, facilitators and members (idempotent)."

    def handle(self, *args, **options):
        counts = load_demo()
        if not any(counts.values()):
            self.stdout.write("Demo data already loaded.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {counts['organizations']} organizations, {counts['groups']} groups, "
                f"{counts['members']} members. Logins: facilitator / coordinator / admin, password {DEMO_PASSWORD}"
            )
        )
