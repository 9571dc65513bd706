"""``press serve``: the read-only delivery API over HTTP (the web stack loads only here)."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import JsonOpt, open_site
from .helptext import PressTyper
from .output import command, stderr

# Its command, which cli.app.COMMANDS registers on `press` when it is looked up.
app = PressTyper(rich_markup_mode=None)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", metavar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", min=0, max=65535,
                                      help="Port to listen on (0: any free port).")] = 8750,
    cache_control: Annotated[str | None, typer.Option(
        "--cache-control", metavar="VALUE", show_default=False,
        help="Cache-Control of published answers (default: serve.cache_control in pressroom.yaml, else "
             "'public, max-age=0, must-revalidate'). Preview answers are always 'private, no-store'.")] = None,
    cors_origin: Annotated[list[str] | None, typer.Option(
        "--cors-origin", metavar="ORIGIN", show_default=False,
        help="Let browsers on this origin read the API (repeat it; '*' for any; default: "
             "serve.cors_origins in pressroom.yaml, else none).")] = None,
    json_: JsonOpt = False,
) -> None:
    """Serve the site's content as a read-only JSON API over HTTP.

    Routes: GET /api/models, /api/records/MODEL (cursor pages, ?fields.NAME=
    filters, ?order=), /api/records/MODEL/ID (?version=, ?hydrate=N),
    /api/sync (?initial=true, then ?token=), /api/events (server-sent events).
    Published records only, unless a request sends X-Include-Drafts: true or
    X-Mode: preview AND Authorization: Bearer TOKEN, the preview token from
    PRESSROOM_PREVIEW_TOKEN or the file serve.preview_token_file names in
    pressroom.yaml; without a valid token such a request gets 401, and with
    no token configured drafts are never served. Follows the store without a
    restart (a publish or git pull shows within a second); a broken published
    view is answered 503 with each violation. Writes nothing but caches under
    .press/cache, so it runs on a read-only checkout. Errors are JSON with the
    keys of the --json envelope: exit code 2 is HTTP 400 (404 for a missing
    record, 410 for a stale sync token), 1 is 403 (401 without a valid token),
    3, 4 and 5 are 503. See docs/delivery-api.md. Stops on Ctrl-C; exit 1 when
    the port cannot be bound.
    """
    with command("serve", json_):
        site = open_site(ctx)

        def ready(url: str, drafts: bool) -> None:
            served = "drafts with the preview token" if drafts else "no drafts (no preview token set)"
            stderr.print(f"serving {site.root} at {url}/api: published records, {served}")

        site.serve(host=host, port=port, cache_control=cache_control, cors_origins=cors_origin or (), ready=ready)
