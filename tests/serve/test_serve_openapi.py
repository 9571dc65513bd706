"""docs/openapi.json describes the routes, parameters and answers the server really has."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from pressroom import Site
from pressroom.serve.app import ROUTES, build_app
from pressroom.serve.service import ServeConfig
from tests.serve.conftest import TOKEN, preview

SPEC = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())


def validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator for one schema of the description, its references resolved within it."""
    defs = json.loads(json.dumps(SPEC["components"]["schemas"]).replace("#/components/schemas/", "#/$defs/"))
    return jsonschema.Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": defs})


def test_the_described_paths_are_the_routes(site: Site) -> None:
    app = build_app(site, ServeConfig())
    served = {route.path for route in app.routes}
    assert set(SPEC["paths"]) == served == set(ROUTES)
    for path, item in SPEC["paths"].items():
        assert set(item) == {"get"}, path  # read-only: nothing but GET


def test_described_parameters_are_accepted_and_others_refused(blog: Site, serve) -> None:
    server = serve(blog.root, env={"PRESSROOM_PREVIEW_TOKEN": TOKEN})
    samples = {"limit": "1", "cursor": None, "order": "title", "hydrate": "1", "fields.{name}": None,
               "version": "published", "initial": "true", "token": None, "preview": "false"}
    for path, item in SPEC["paths"].items():
        if path == "/api/events":
            continue  # a stream: its parameters are checked in test_serve_live
        url = path.replace("{model}", "post").replace("{id}", "a")
        names = [p["name"] for p in item["get"]["parameters"] if p.get("in") == "query"]
        for name in names:
            if samples.get(name) is None:
                continue
            reply = server.get(f"{url}?{name}={samples[name]}")
            assert reply.status == 200, (url, name, reply.body[:300])
        assert server.get(f"{url}?undocumented=1").status == 400, url


def test_answers_match_the_described_schemas(blog: Site, serve) -> None:
    server = serve(blog.root, env={"PRESSROOM_PREVIEW_TOKEN": TOKEN})
    validator("Document").validate(server.get("/api/records/post/a?hydrate=2").json())
    validator("Page").validate(server.get("/api/records/post?limit=2", preview()).json())
    validator("Models").validate(server.get("/api/models").json())
    validator("Sync").validate(server.get("/api/sync?initial=true").json())
    for path in ("/api/records/post/draft", "/api/records/post?limit=x", "/nope"):
        validator("Error").validate(server.get(path).json())
    validator("Error").validate(server.get("/api/records/post", {"X-Mode": "preview"}).json())
