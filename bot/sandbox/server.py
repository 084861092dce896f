"""The aiohttp application: Bot API routes, file downloads, fault injection."""

from __future__ import annotations

import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import NOT_FOUND, UNAUTHORIZED, ApiError, too_many_requests
from .faults import Fault
from .methods import METHODS
from .validation import Params, Upload

if TYPE_CHECKING:
    from .sandbox import Sandbox

log = logging.getLogger(__name__)

SANDBOX_KEY: web.AppKey[Sandbox] = web.AppKey("sandbox")
MAX_REQUEST_BYTES = 60 * 1024 * 1024
# Parameters that are strings on the wire; everything else is JSON-decoded for ``sb.calls``.
STRING_PARAMS = frozenset(
    [
        "text",
        "caption",
        "parse_mode",
        "url",
        "secret_token",
        "callback_query_id",
        "file_id",
        "action",
        "language_code",
        "phone_number",
        "first_name",
        "last_name",
        "description",
        "short_description",
        "name",
        "vcard",
        "title",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "emoji",
        "address",
    ]
)


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json",
    )


def error_response(error: ApiError) -> web.Response:
    return json_response(error.body(), status=error.code)


async def read_params(request: web.Request) -> Params:
    """Parameters from the query string and a form, multipart or JSON body."""
    data: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.content_type == "application/json" and request.can_read_body:
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON body") from None
        if isinstance(body, dict):
            data.update(body)
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = Upload(value.filename, value.file.read(), value.content_type)
            else:
                data[key] = value
    return Params(data, files)


def loggable(params: Params) -> dict[str, Any]:
    """Parameters as the bot meant them: JSON decoded, files summarised."""
    result: dict[str, Any] = {}
    for key, value in params.data.items():
        if isinstance(value, str) and key not in STRING_PARAMS:
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        result[key] = value
    for key, upload in params.files.items():
        result[key] = f"<file {upload.filename!r}, {len(upload.data)} bytes>"
    return result


async def apply_fault(request: web.Request, fault: Fault) -> web.StreamResponse:
    if fault.kind == "429":
        return error_response(too_many_requests(fault.retry_after))
    if fault.kind in ("500", "502"):
        status = int(fault.kind)
        description = "Internal Server Error" if status == 500 else "Bad Gateway"
        return json_response(
            {"ok": False, "error_code": status, "description": description}, status=status
        )
    # "drop": close the connection without answering.
    if request.transport is not None:
        request.transport.abort()
    raise web.HTTPServiceUnavailable  # never reaches the client


async def bot_api(request: web.Request) -> web.StreamResponse:
    """``/bot<token>/<method>``."""
    sb = request.app[SANDBOX_KEY]
    if request.match_info["token"] != sb.token:
        return error_response(UNAUTHORIZED)
    name = request.match_info["method"]
    method = METHODS.get(name.lower())
    if method is None:
        # Telegram answers 404 (PTB raises InvalidToken); say loudly which method is missing.
        log.warning("sandbox: Bot API method %r is not simulated: 404", name)
        sb.api_errors.append((name, {}, "Not Found (method not simulated by the sandbox)"))
        return error_response(NOT_FOUND)
    try:
        params = await read_params(request)
    except ApiError as exc:
        return error_response(exc)
    if name.lower() != "getupdates":  # polls would drown the interesting calls
        sb.calls.append((name, loggable(params)))
        sb.state.touch()
    fault = sb.faults.take(name, params.data.get("chat_id"))
    if fault is not None:
        log.info("sandbox: injected fault %s into %s", fault.kind, name)
        return await apply_fault(request, fault)
    try:
        result = await method(sb, params)
    except ApiError as exc:
        sb.api_errors.append((name, loggable(params), exc.description))
        sb.state.touch()
        return error_response(exc)
    return json_response({"ok": True, "result": result})


async def download_file(request: web.Request) -> web.StreamResponse:
    """``/file/bot<token>/<file_path>`` serves the stored bytes."""
    sb = request.app[SANDBOX_KEY]
    if request.match_info["token"] != sb.token:
        return error_response(UNAUTHORIZED)
    stored = sb.state.files_by_path.get(request.match_info["path"])
    if stored is None:
        return error_response(NOT_FOUND)
    return web.Response(body=stored.data, content_type=stored.mime_type)


def create_app(sb: Sandbox) -> web.Application:
    """The sandbox's aiohttp application (Bot API + control API + web page)."""
    from .http_control import setup_control_routes

    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[SANDBOX_KEY] = sb
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", download_file)
    setup_control_routes(app)
    return app
