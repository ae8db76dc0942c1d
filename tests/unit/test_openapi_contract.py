"""schemathesis against the back-office's own OpenAPI document: requests generated from every documented
operation (valid ones, and ones that break the schema), sent to the real back-office over HTTP, with a desk
officer's and an admin's token. No answer may be a 5xx."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from backoffice.openapi import openapi_document
from tests.unit.test_endpoint_fuzz import Backoffice, backoffice  # noqa: F401 (the served back-office)

SCHEMA = schemathesis.openapi.from_dict(openapi_document())


@schemathesis.serializer("application/pdf")
def pdf_bytes(ctx, value) -> bytes:
    """The result upload's body: whatever was generated, as the bytes of a (possibly broken) PDF."""
    return value if isinstance(value, bytes) else b"%PDF-1.4\n" + str(value).encode("utf-8", "surrogatepass")


EXAMPLES = 400 if os.environ.get("HYPOTHESIS_PROFILE") == "soak" else 12


@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_documented_operation_answers_5xx(case, backoffice: Backoffice):  # noqa: F811
    host, port = backoffice.origin
    token = (
        backoffice.admin_token
        if case.path.startswith(("/api/audit", "/api/officers"))
        else backoffice.desk_token
    )
    case.call_and_validate(
        base_url=f"http://{host}:{port}",
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error],
        timeout=30,
    )
