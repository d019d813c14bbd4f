"""Property-based API testing from the OpenAPI schema (schemathesis): every operation,
anonymously and as a facilitator with a token, with generated valid and invalid input.

Fails on any 5xx and on any response that the schema does not describe (status code,
content type, body). Bounded and deterministic (derandomized Hypothesis, a fixed
number of cases per operation) so that it fits in the ordinary suite; run it alone
with `pytest -m schemathesis`.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sessions.models import Facilitator
from tests.factories import FacilitatorFactory, OrganizationFactory, SupportGroupFactory, UserFactory

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

# Cases per operation and caller; about 40 operations x 2 callers x this, plus the
# schema's own examples. Raise it locally to fuzz harder.
CASES_PER_OPERATION = 20

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

FUZZ_SETTINGS = settings(
    max_examples=CASES_PER_OPERATION,
    derandomize=True,  # the fixed seed: the same cases on every run and machine
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
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


@pytest.fixture
def facilitator_token(db) -> str:
    user = UserFactory(username="fuzz-facilitator")
    organization = OrganizationFactory(admins=[user])
    group = SupportGroupFactory(organization=organization, slug="fuzz-group")
    FacilitatorFactory(group=group, user=user, role=Facilitator.Role.LEAD)
    return Token.objects.create(user=user).key


@schema.parametrize()
@FUZZ_SETTINGS
def test_anonymous_callers_get_only_documented_answers(case):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_facilitators_get_only_documented_answers(case, facilitator_token):
    case.call_and_validate(headers={"Authorization": f"Token {facilitator_token}"}, checks=CHECKS)
