"""code4recovery's Meeting Guide JSON schemas (vendored in tests/vendor/meeting-guide)
as a jsonschema validator, format checks on."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from referencing import Registry, Resource

SCHEMAS = Path(__file__).resolve().parent.parent / "vendor" / "meeting-guide"


def _registry() -> tuple[Registry, dict]:
    resources = []
    documents = {}
    for name in ("feed.schema.json", "meeting.schema.json", "meeting-type.schema.json"):
        document = json.loads((SCHEMAS / name).read_text())
        documents[name] = document
        resources.append((document["$id"], Resource.from_contents(document)))
    return Registry().with_resources(resources), documents


def feed_errors(feed: list) -> list[jsonschema.ValidationError]:
    """Every way `feed` breaks the published feed schema (each meeting, each type code)."""
    registry, documents = _registry()
    validator = jsonschema.Draft7Validator(
        documents["feed.schema.json"], registry=registry, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    return sorted(validator.iter_errors(feed), key=lambda error: list(error.absolute_path))


def spec_type_codes() -> set[str]:
    """The type codes the spec lists today (not its proposed ones)."""
    _, documents = _registry()
    current = documents["meeting-type.schema.json"]["items"]["anyOf"][0]
    return set(current["enum"])


def spec_fields() -> set[str]:
    _, documents = _registry()
    return set(documents["meeting.schema.json"]["properties"])
