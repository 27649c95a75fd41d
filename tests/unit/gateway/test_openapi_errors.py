"""The OpenAPI document declares each operation's errors as the gateway sends them (gateway/openapi.py)."""

from __future__ import annotations

import pytest

from gateway.app import create_app
from gateway.settings import GatewayConfig
from kernel.tokens import generate_signing_key

pytestmark = pytest.mark.unit

ERRORS = {"400", "401", "403", "404", "409", "413", "415", "429", "500", "503", "504"}


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> dict:
    keys = tmp_path_factory.mktemp("keys")
    generate_signing_key(keys)
    return create_app(GatewayConfig(region="unitregion", jwks_path=keys / "jwks.json")).app.openapi()


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation["responses"]


def test_every_operation_declares_every_error_as_a_json_error_body(spec):
    for label, responses in operations(spec):
        assert ERRORS <= set(responses), label
        for status in ERRORS:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (label, status)


def test_no_fastapi_422_where_invalid_input_is_a_400(spec):
    for label, responses in operations(spec):
        if "422" in responses:  # only a route's own 422 (the roster import's rejected rows)
            assert "HTTPValidationError" not in str(responses["422"]), label
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    import_422 = spec["paths"]["/api/v1/orgs/{org_id}/import"]["post"]["responses"]["422"]
    assert import_422["content"]["application/json"]["schema"]["$ref"].endswith("/RejectedImportOut")


def test_a_page_declares_its_not_found_page_and_its_errors_as_json(spec):
    responses = spec["paths"]["/{region}/{slug}"]["get"]["responses"]
    assert set(responses["404"]["content"]) == {"application/json", "text/html"}
    assert set(responses["400"]["content"]) == {"application/json"}
