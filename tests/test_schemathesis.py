"""Property-based API testing from the OpenAPI schema (schemathesis): every operation,
anonymously and as a facilitator with a token, with generated valid and invalid input.

Fails on any 5xx and on any response that the schema does not describe (status code,
content type, body). The facilitator's cases name the facilitator's own organization,
group, venue, series, session and member in their paths, so they reach real rows and
real 200s; the anonymous caller's paths are generated. Bounded and deterministic (a
fixed seed, a fixed number of cases per operation) so that it fits in the ordinary
suite; run it alone with `pytest -m schemathesis`.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sessions.models import Facilitator
from tests.factories import (
    EnrollmentFactory,
    FacilitatorFactory,
    MemberFactory,
    OrganizationFactory,
    SessionFactory,
    SessionSeriesFactory,
    SupportGroupFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

# Fuzzed cases per operation and caller. On top of them schemathesis's coverage phase adds
# about 40 boundary and invalid-value cases per operation (~5,500 cases in all for 56
# operations x 2 callers at 10). Raise it locally to fuzz harder: SCHEMATHESIS_CASES=200.
CASES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_CASES", 10))

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

SEED = 13  # the same cases on every run and machine

schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json",
    get_wsgi_application(),
    config=SchemathesisConfig.from_dict({"seed": SEED, "generation": {"max-examples": CASES_PER_OPERATION}}),
)

FUZZ_SETTINGS = settings(
    max_examples=CASES_PER_OPERATION, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    # Django closes "old" connections around each request; inside the test's
    # transaction that would drop it. Django's own test client does the same.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@dataclass
class World:
    token: str
    path_values: dict[str, dict[str, object]]

    def real_path_parameters(self, path: str) -> dict[str, object]:
        """Ids of the facilitator's own objects, so their cases reach real rows, not 404s."""
        area = path.split("/")[3] if path.startswith("/api/manage/") else "groups"
        return self.path_values.get(area, {}) | self.path_values["any"]


@pytest.fixture
def world(db) -> World:
    user = UserFactory(username="fuzz-facilitator")
    organization = OrganizationFactory(admins=[user])
    venue = VenueFactory(organization=organization)
    group = SupportGroupFactory(organization=organization, venue=venue, slug="fuzz-group")
    FacilitatorFactory(group=group, user=user, role=Facilitator.Role.LEAD)
    member = MemberFactory(display_name="Ana", phone="+12175550142")
    enrollment = EnrollmentFactory(member=member, group=group)
    series = SessionSeriesFactory(group=group)
    session = SessionFactory(series=series)
    return World(
        token=Token.objects.create(user=user).key,
        path_values={
            "organizations": {"id": organization.pk},
            "venues": {"id": venue.pk},
            "groups": {"id": group.pk},
            "series": {"id": series.pk},
            "sessions": {"id": session.pk},
            "any": {
                "group_id": group.pk,
                "slug": group.slug,
                "group_slug": group.slug,
                "token": member.token,
                "enrollment_id": enrollment.pk,
            },
        },
    )


CASES: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_the_number_of_cases(request):
    started = time.monotonic()
    yield
    if CASES:
        # Printed past pytest's capture, so a plain run shows the size and cost of the pass.
        with request.config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
            print(
                f"\nschemathesis: {sum(CASES.values())} cases over {len(CASES)} operation/caller pairs "
                f"in {time.monotonic() - started:.0f} s (seed {SEED})"
            )


@schema.parametrize()
@FUZZ_SETTINGS
def test_anonymous_callers_get_only_documented_answers(case):
    CASES[("anonymous", case.operation.label)] += 1
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_facilitators_get_only_documented_answers(case, world):
    CASES[("facilitator", case.operation.label)] += 1
    real = world.real_path_parameters(case.operation.path)
    for name in case.path_parameters or {}:
        if name in real:
            case.path_parameters[name] = real[name]
    case.call_and_validate(headers={"Authorization": f"Token {world.token}"}, checks=CHECKS)
