from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from sessions.models import Organization
from sessions.services.meeting_guide import meeting_guide_import

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Import a Meeting Guide JSON feed (code4recovery spec) into an organization. Idempotent by slug."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the JSON feed (an array of meetings)")
        parser.add_argument("--organization", required=True, help="Slug of the organization that hosts the groups")

    def handle(self, *args, file: str, organization: str, **options):
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"No organization with slug {organization!r}.")
        try:
            with open(file, encoding="utf-8") as handle:
                rows = json.load(handle)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{file} is not valid JSON: {exc}") from exc
        if not isinstance(rows, list):
            raise CommandError(f"{file} must hold a JSON array of meetings.")

        def progress(done: int, total: int) -> None:
            filled = BAR_WIDTH * done // max(total, 1)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}")
            if done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()

        report = meeting_guide_import(
            rows=rows, organization=org, progress=progress if options.get("verbosity", 1) >= 1 else None
        )
        for number, slug, reason in report.rejected:
            self.stderr.write(f"row {number} ({slug or 'no slug'}) rejected: {reason}")
        self.stdout.write(
            f"{len(report.created)} created, {len(report.unchanged)} already imported, {len(report.rejected)} rejected."
        )
