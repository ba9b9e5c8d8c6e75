"""The API documentation (``app.docs``): ``/docs`` and ``/redoc`` load every asset from the app itself (they must
work without internet), the OpenAPI document declares the token schemes and which operations need one, and every
operation is documented with a written summary and, for a JSON body, an example that the body's schema accepts.

The app is built without services: the pages and the document need none, so this runs without the store."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from jsonschema import Draft202012Validator
from pydantic import SecretStr

from app.docs import needs_token
from app.main import create_app
from app.routes import ops
from app.settings import Settings
from tests.conftest import API_TOKEN

Operation = tuple[str, str, dict[str, Any]]
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ASSET_TYPES = {"script": "javascript", "stylesheet": "css"}


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app(Settings(api_tokens=[SecretStr(API_TOKEN)]))


@pytest.fixture(scope="module")
def doc(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


def operations(doc: dict[str, Any]) -> Iterator[Operation]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        return schema
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return resolve(doc, node)


def schema_examples(doc: dict[str, Any], schema: dict[str, Any]) -> list[Any]:
    """The examples a schema gives: its own (``example``/``examples``), its reference's, or its branches'."""
    schema = resolve(doc, schema)
    found = list(schema.get("examples") or []) + ([schema["example"]] if "example" in schema else [])
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in schema.get(key, []):
            found += schema_examples(doc, branch)
    return found


def media_examples(doc: dict[str, Any], media: dict[str, Any]) -> list[Any]:
    """A media type's examples: its own (``example``, ``examples`` by name), else its schema's."""
    own = [media["example"]] if "example" in media else []
    own += [e["value"] for e in (media.get("examples") or {}).values() if "value" in e]
    return own + schema_examples(doc, media.get("schema", {}))


def problems_of(doc: dict[str, Any], schema: dict[str, Any], example: Any) -> list[str]:
    # The whole document is the root, so that "#/components/..." references resolve.
    validator = Draft202012Validator({**schema, "components": doc.get("components", {})})
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
        for e in validator.iter_errors(example)
    ]


# --- the pages ------------------------------------------------------------------------------------------------


def page_assets(html: str) -> dict[str, list[str]]:
    return {
        "script": re.findall(r'<script[^>]*\ssrc="([^"]+)"', html),
        "stylesheet": re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html)
        + re.findall(r'<link[^>]*href="([^"]+)"[^>]*rel="stylesheet"', html),
        "icon": re.findall(r'<link[^>]*rel="[^"]*icon"[^>]*href="([^"]+)"', html),
    }


@pytest.mark.parametrize(("page", "kinds"), [("/docs", ("script", "stylesheet")), ("/redoc", ("script",))])
async def test_docs_pages_load_every_asset_from_the_app(
    client: httpx.AsyncClient, page: str, kinds: tuple[str, ...]
) -> None:
    r = await client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "http://" not in html and "https://" not in html, "the page names another origin (a CDN?)"
    assets = page_assets(html)
    for kind in kinds:
        assert assets[kind], f"{page} loads no {kind}"
    for kind, urls in assets.items():
        for url in urls:
            assert url.startswith("/") and not url.startswith("//"), f"{url} is not a same-origin path"
            asset = await client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 1000, url
            if kind in ASSET_TYPES:
                content_type = asset.headers["content-type"]
                assert ASSET_TYPES[kind] in content_type, f"{url} is served as {content_type}"
    assert "/openapi.json" in html


async def test_the_document_the_pages_read_is_served(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200 and "bearerAuth" in r.json()["components"]["securitySchemes"]


# --- security -------------------------------------------------------------------------------------------------


def test_the_token_schemes_are_declared(doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["type"] == "http" and schemes["bearerAuth"]["scheme"] == "bearer"
    api_key = schemes["apiKeyAuth"]
    assert (api_key["type"], api_key["in"], api_key["name"]) == ("apiKey", "header", "x-api-key")


def test_health_is_public_and_inventory_needs_a_token(doc: dict[str, Any]) -> None:
    assert not doc["paths"]["/api/health"]["get"].get("security")
    assert {"bearerAuth": []} in doc["paths"]["/api/inventory"]["get"]["security"]
    assert {"apiKeyAuth": []} in doc["paths"]["/api/inventory"]["get"]["security"]


def test_every_api_operation_but_the_public_ones_needs_a_token(doc: dict[str, Any]) -> None:
    wrong = [
        f"{method.upper()} {path}"
        for path, method, op in operations(doc)
        if path.startswith("/api/") and bool(op.get("security")) != needs_token(path)
    ]
    assert not wrong, f"security requirement missing or wrongly present: {wrong}"


@pytest.mark.parametrize(
    ("path", "protected"),
    [
        ("/api/health", False),
        ("/api/auth/login", False),
        ("/api/auth/login/sso", False),
        ("/api/auth/refresh", False),
        ("/api/auth/logout", True),
        ("/api/healthz", True),
        ("/api/inventory/{sku}/movements", True),
    ],
)
def test_which_paths_need_a_token(path: str, protected: bool) -> None:
    assert needs_token(path) is protected


# --- summaries and examples -----------------------------------------------------------------------------------


def fallback_summary(path: str, method: str, op: dict[str, Any]) -> str | None:
    """The summary FastAPI makes up from the function's name when a route gives none ("get_item": "Get Item"):
    the name is what precedes the path in the operation id FastAPI derives (``get_item_api_inventory__sku__get``)."""
    suffix = re.sub(r"\W", "_", path) + f"_{method}"
    operation_id = str(op.get("operationId", ""))
    if not operation_id.endswith(suffix):
        return None  # a custom operation id: the name cannot be told
    return operation_id.removesuffix(suffix).replace("_", " ").title()


def test_every_operation_has_a_written_summary(doc: dict[str, Any]) -> None:
    # FastAPI always fills in a summary, so a non-empty one is not enough: the route must state its own
    # (summary="Look up one product by SKU or name"), not the one made up from its function's name.
    missing = [
        f"{method.upper()} {path}"
        for path, method, op in operations(doc)
        if not str(op.get("summary") or "").strip() or op["summary"] == fallback_summary(path, method, op)
    ]
    assert not missing, f"give these routes a summary=: {missing}"


def test_every_json_body_has_an_example_its_schema_accepts(doc: dict[str, Any]) -> None:
    without, invalid = [], []
    bodies = 0
    for path, method, op in operations(doc):
        media = op.get("requestBody", {}).get("content", {}).get("application/json")
        if media is None:
            continue
        bodies += 1
        examples = media_examples(doc, media)
        if not examples:
            without.append(f"{method.upper()} {path}")
        for example in examples:
            invalid += [f"{method.upper()} {path}: {p}" for p in problems_of(doc, media["schema"], example)]
    assert bodies >= 20, "expected the API's JSON request bodies in the document"
    assert not without, f"no example for these request bodies: {without}"
    assert not invalid, f"examples their schema refuses: {invalid}"


def test_every_example_in_the_components_fits_its_schema(doc: dict[str, Any]) -> None:
    invalid = [
        f"{name}: {problem}"
        for name, schema in doc["components"]["schemas"].items()
        for example in schema.get("examples") or []
        for problem in problems_of(doc, schema, example)
    ]
    assert not invalid, invalid


async def test_readiness_before_the_services_open_and_a_part_that_hangs(client: httpx.AsyncClient) -> None:
    ready = await client.get("/api/ready")  # a probe sends no token; nothing is open in this app
    assert (
        ready.status_code == 503 and ready.json()["ready"] is False and ready.json()["store"] == "not started"
    )
    ops.CHECK_TIMEOUT_S, before = 0.05, ops.CHECK_TIMEOUT_S
    try:
        assert await ops._answers(asyncio.sleep(5)) == "not answering"  # a hung part is reported, not awaited
    finally:
        ops.CHECK_TIMEOUT_S = before
