"""The API fuzzed from its own OpenAPI document (schemathesis, in-process over WSGI): whatever
the generated query, headers or token, no answer is a server error, and every answer has a
documented status and the body its schema promises.

Runs against a world with real rows (a published and a cancelled challenge, a live token) so
the lists are not all empty. Examples are bounded to keep the whole file under a minute on
both databases. (schemathesis' pytest loader reaches into pytest internals that pytest 9
removed, so the operations are walked here with hypothesis directly.)
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from marketplace.accounts.models import Role

from ..factories import Factory
from .conftest import make_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 15


def test_no_generated_request_gets_a_server_error(app, factory: Factory):
    issuer = factory.org_user(Role.ENTERPRISE)
    factory.challenge(issuer, stage="open")
    factory.challenge(issuer, stage="cancelled", field="pharma")
    token = make_token(factory.org_user(Role.RESEARCHER))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/challenges", "/api/v1/me/bids"}
    seen: dict[str, set[int]] = {}

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, token, seen)()
    # The fuzzing reached both the lists and the refusals.
    assert 200 in seen["/api/v1/challenges"] and 400 in seen["/api/v1/challenges"]


def _fuzz(operation, mode: GenerationMode, token: str, seen: dict):
    """A hypothesis test of one operation: valid (positive) or invalid (negative) cases."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def fuzz(case):
        headers = {}
        if operation.path.startswith("/api/v1/me/"):
            headers["Authorization"] = f"Bearer {token}"
        response = case.call(headers=headers)
        seen.setdefault(operation.path, set()).add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    return fuzz
