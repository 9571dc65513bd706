"""The delivery API on Starlette and uvicorn.

Starlette: small, ASGI, well kept, with streaming responses for server-sent
events and a CORS middleware; uvicorn runs it. Handlers are ``async`` and call
the service directly: its reads are small and come mostly from memory, and one
thread keeps the caches free of locks.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import NotFoundError, PressError, Problem, RefusedError, UsageError
from ..site import SiteCore
from .service import (MAX_QUERY, VARY, Answer, DeliveryService, ServeConfig, envelope, error_answer)

# Every route, for the OpenAPI description's test.
ROUTES = ("/api/models", "/api/records/{model}", "/api/records/{model}/{id}", "/api/sync", "/api/events")
HEARTBEAT = 15.0


def _response(answer: Answer) -> Response:
    return Response(answer.body or b"", status_code=answer.status, headers=answer.headers,
                    media_type=None)


def _plain_headers(request: Request) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


def _params(request: Request) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in params:
            raise UsageError(f"parameter {key!r} is given twice", hint="give each parameter once")
        params[key] = value
    return params


def _guard(handler: Callable[[Request], Answer]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return _response(handler(request))
        except PressError as e:
            return _response(error_answer(e))
        except OSError as e:
            # The system said no (permissions, a vanished file): the server's problem, not the client's.
            problem = Problem(f"the store could not be read: {e.strerror}", code="os_error",
                              hint="check the site's files and permissions on the server")
            return _response(Answer(503, envelope([problem], 1), {"Cache-Control": "no-store"}))
    return endpoint


class _QueryLimit:
    """Refuse a huge query string (414) before any handler parses it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and len(scope.get("query_string", b"")) > MAX_QUERY:
            body = envelope([Problem(f"the query string is longer than {MAX_QUERY} bytes", code="usage",
                                     hint="ask for fewer filters at once")], 2)
            await Response(body, 414, headers={"Cache-Control": "no-store"},
                           media_type="application/json")(scope, receive, send)
            return
        await self.app(scope, receive, send)


def build_app(site: SiteCore, config: ServeConfig) -> Starlette:
    """The ASGI application of ``press serve`` over ``site``."""
    service = DeliveryService(site, config)

    def models(request: Request) -> Answer:
        _params_none(request)
        return service.models(_plain_headers(request))

    def records(request: Request) -> Answer:
        return service.records(request.path_params["model"], _params(request), _plain_headers(request))

    def record(request: Request) -> Answer:
        return service.record(request.path_params["model"], request.path_params["id"], _params(request),
                              _plain_headers(request))

    def sync(request: Request) -> Answer:
        return service.sync(_params(request), _plain_headers(request))

    async def events(request: Request) -> Response:
        try:
            params = _params(request)
            for key in params:
                if key not in ("token", "preview"):
                    raise UsageError(f"unknown parameter {key!r}", hint="known here: preview, token")
            preview = params.get("preview")
            if preview not in (None, "true", "false"):
                raise UsageError(f"preview={preview!r} is not true or false", hint="?preview=true")
            access = service.access(_plain_headers(request), params.get("token"), preview == "true")
            stream = service.events(access)
            next(stream)  # refuses a draft stream without the token before anything is sent
        except PressError as e:
            return _response(error_answer(e))

        async def send() -> AsyncIterator[bytes]:
            # retry: a dropped EventSource reconnects after a second.
            yield b"retry: 1000\n: connected\n\n"
            idle = 0.0
            while True:
                try:
                    item = next(stream)
                except PressError as e:
                    yield b"event: error\ndata: " + error_answer(e).body + b"\n\n"  # type: ignore[operator]
                    item = None
                if item is None:
                    await asyncio.sleep(config.poll_interval)
                    idle += config.poll_interval
                    if idle >= HEARTBEAT:
                        idle = 0.0
                        yield b": keep-alive\n\n"
                    continue
                idle = 0.0
                name, data = item
                yield f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()

        return StreamingResponse(send(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "Vary": VARY, "X-Accel-Buffering": "no"})

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 405:
            error: PressError = UsageError(f"{request.method} is not allowed: the API is read-only",
                                           hint="GET (or HEAD)")
            answer = error_answer(error)
            answer.status = 405
            answer.headers["Allow"] = "GET, HEAD"
        else:
            answer = error_answer(NotFoundError(f"no such path: {request.url.path}",
                                                hint="the routes are " + ", ".join(ROUTES)))
        return _response(answer)

    middleware = [Middleware(_QueryLimit)]
    if config.cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(config.cors_origins),
                                     allow_methods=["GET", "HEAD"],
                                     allow_headers=["Authorization", "X-Include-Drafts", "X-Mode", "If-None-Match"],
                                     expose_headers=["ETag"], max_age=600))
    routes = [
        Route("/api/models", _guard(models), methods=["GET"]),
        Route("/api/records/{model}", _guard(records), methods=["GET"]),
        Route("/api/records/{model}/{id}", _guard(record), methods=["GET"]),
        Route("/api/sync", _guard(sync), methods=["GET"]),
        Route("/api/events", events, methods=["GET"]),
    ]
    return Starlette(routes=routes, middleware=middleware,
                     exception_handlers={HTTPException: not_found})


def _params_none(request: Request) -> None:
    if request.query_params:
        key = next(iter(request.query_params))
        raise UsageError(f"unknown parameter {key!r}", hint="/api/models takes no parameters")


def run(site: SiteCore, config: ServeConfig, *, host: str, port: int,
        ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM); ``ready`` is told the address once bound.

    The socket is bound here, not by uvicorn, so a port in use is a clear error
    (RefusedError) rather than a log line and an exit.
    """
    import uvicorn

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise UsageError(f"--host {host!r} is not an address: {e.strerror}", hint="e.g. --host 127.0.0.1") from None
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as e:
        sock.close()
        raise RefusedError(f"cannot listen on {host}:{port}: {e.strerror}",
                           hint="another server holds the port? choose one with --port") from None
    bound = sock.getsockname()
    shown = f"[{bound[0]}]" if family == socket.AF_INET6 else bound[0]
    server = uvicorn.Server(uvicorn.Config(build_app(site, config), log_level="warning", access_log=False,
                                           timeout_graceful_shutdown=2, server_header=False))
    if ready is not None:
        ready(f"http://{shown}:{bound[1]}")
    server.run(sockets=[sock])
