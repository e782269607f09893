"""openapi.yaml describes exactly the routes the app serves, and is served itself."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from bot.backend.app import create_app
from bot.backend.handlers import OPENAPI_PATH
from tests.backend.harness import API, Api, Reply, backend_settings, check_against_spec, spec
from tests.backend.harness import spec_operations as documented_operations


def served_operations(database_url: str) -> set[tuple[str, str]]:
    app = create_app(backend_settings(database_url))
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD"  # aiohttp adds HEAD for every GET
    }


def test_every_route_is_documented_and_every_documented_route_exists(database_url: str) -> None:
    assert served_operations(database_url) == documented_operations()


def test_every_reference_resolves() -> None:
    document = spec()
    resolver = jsonschema.RefResolver.from_schema(document)

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                resolver.resolve(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": API}]
    walk(document)
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


async def test_spec_is_served_without_a_token(api: Api) -> None:
    reply = await api.get("/openapi.yaml", token=None)
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(reply.raw) == yaml.safe_load(OPENAPI_PATH.read_text())


def test_the_spec_check_catches_drift() -> None:
    """The harness validates every reply; prove that check is live, not vacuous."""
    wrong_shape = Reply(200, {"customer_id": 5}, {}, b"")
    with pytest.raises(jsonschema.ValidationError):
        check_against_spec("GET", f"{API}/customers/C1001", wrong_shape)
    undocumented_status = Reply(418, {"error": "teapot", "message": "x"}, {}, b"")
    with pytest.raises(AssertionError, match="undocumented 418"):
        check_against_spec("GET", f"{API}/customers/C1001", undocumented_status)
