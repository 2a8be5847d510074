"""The server around the dashboard (dashboard.py's st.App): finsam's own routes that sign a local account in
and out (only an HTTP response can set an HttpOnly cookie, a page script cannot), a guard that turns
Streamlit's plain-English sign-in error into a Swedish sentence on the page, and the handler of unexpected
failures in a page script (the traceback to the log, a Swedish sentence to the user)."""
from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from finsam.web import attempts, auth, sessions
from finsam import config

log = logging.getLogger("finsam")
LOGIN_PATH, LOGOUT_PATH = "/_finsam/login", "/_finsam/logout"
FLASH = "finsam_flash"  # a message for the next page: wrong (password), locked, name, oidc_down
FLASH_SECONDS = 20
MAX_BODY = 4096  # bytes of a sign-in form's post (name, password, the page to return to)
UNKNOWN_ACCOUNT = "okänt konto"  # the audit log's user of a failed sign-in with a name no account has


def base_path() -> str:
    """The server's sub-path ("" or "/finsam"), as Streamlit's server.baseUrlPath sets it."""
    from streamlit import config

    part = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{part}" if part else ""


def _target(next_url: str) -> str:
    """Where to go after signing in: a path of this app, never another site."""
    base = base_path()
    parts = urlsplit(next_url or "")
    path = parts.path or "/"
    if parts.scheme or parts.netloc or path.startswith("//") or not (path == base or path.startswith(base + "/")):
        return base + "/"
    return path + (f"?{parts.query}" if parts.query else "")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


def _same_origin(request: Request) -> bool:
    """A sign-in form posted from another site is refused (the browser names the page it came from)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True
    host = request.headers.get("x-forwarded-host") or request.headers.get("host", "")
    return urlsplit(origin).netloc == host


def audit(event: str, **fields) -> None:
    """One event in the audit log (finsam.data.audit.record: never raises into the caller's action); the
    sign-in routes here and the pages' frame (sign-in, unprotected figures and their downloads) write it."""
    from finsam.data.audit import record

    record(event, **fields)


async def _read_body(request: Request) -> bytes | None:
    """The body, or None when it is longer than MAX_BODY (refused before it is read whole)."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


def client_address(peer: str, forwarded: str | None) -> str:
    """Who is signing in: the peer address; behind a proxy named in FINSAM_TRUSTED_PROXIES, the last
    address in X-Forwarded-For that is not one of those proxies (the part before it the client writes)."""
    trusted = {a.strip() for a in config.setting("FINSAM_TRUSTED_PROXIES").split(",") if a.strip()}
    if peer not in trusted or not forwarded:
        return peer
    for hop in reversed([h.strip() for h in forwarded.split(",")]):
        if hop and hop not in trusted:
            return hop
    return peer


def _flash(response: Response, request: Request, value: str) -> Response:
    response.set_cookie(FLASH, value, max_age=FLASH_SECONDS, path=base_path() or "/", httponly=True, samesite="lax",
                        secure=_secure(request))
    return response


async def login(request: Request) -> Response:
    """The local sign-in form's post. Refused before anything is written: a body over MAX_BODY (413), a name
    no account can have (back to the form), a client past its limit of failed attempts (429)."""
    if "local" not in auth.mode():
        return Response("Lokala konton är inte påslagna i den här installationen.", status_code=404)
    if not _same_origin(request):
        return Response("Inloggningen måste göras från finsams egen sida.", status_code=403)
    body = await _read_body(request)
    if body is None:
        return Response(f"Förfrågan är för stor: inloggningen tar emot högst {MAX_BODY} byte.", status_code=413)
    form = parse_qs(body.decode("utf-8", "replace"))
    name = (form.get("username") or [""])[0].strip()
    password = (form.get("password") or [""])[0]
    response = RedirectResponse(_target((form.get("next") or [""])[0]), status_code=303)
    if auth.name_problem(name):
        return _flash(response, request, "name")
    client = client_address(request.client.host if request.client else "", request.headers.get("x-forwarded-for"))
    clients = attempts.Clients(auth.users_path())
    allowed, retry_after, first_refusal = await run_in_threadpool(clients.reserve, client, time.time())
    if not allowed:
        if first_refusal:  # once per client and minute: refusals themselves do not fill the log
            await run_in_threadpool(audit, "sign_in_failed", detail={"reason": "client_limit", "client": client})
        return Response("För många inloggningsförsök från din adress. Vänta en minut och försök igen.",
                        status_code=429, headers={"Retry-After": str(retry_after)})
    result = await run_in_threadpool(auth.login_local, name, password)  # argon2 and the slow-down wait
    if result.access is None:
        await run_in_threadpool(clients.failed, client, time.time())
        # an unknown name is not written down: it may be a password typed into the wrong field
        await run_in_threadpool(audit, "sign_in_failed", user=result.account or UNKNOWN_ACCOUNT,
                                detail={"reason": result.reason})
        return _flash(response, request, "locked" if result.reason == "locked" else "wrong")
    await run_in_threadpool(clients.give_back, client, time.time())
    token = await run_in_threadpool(sessions.create, name)
    access = result.access
    await run_in_threadpool(audit, "sign_in", user=name, role=access.role,
                            association=", ".join(access.associations or ()), detail={"method": "local"})
    response.set_cookie(sessions.COOKIE, token, path=base_path() or "/", httponly=True, samesite="lax",
                        secure=_secure(request))
    response.delete_cookie(FLASH, path=base_path() or "/")
    return response


async def logout(request: Request) -> Response:
    user = await run_in_threadpool(sessions.end, request.cookies.get(sessions.COOKIE))
    if user:
        await run_in_threadpool(audit, "sign_out", user=user, detail={"method": "local"})
    response = RedirectResponse(base_path() + "/", status_code=303)
    response.delete_cookie(sessions.COOKIE, path=base_path() or "/")
    return response


FIRST_PAGE = "/oversikt"  # the first page lives at the root; its name in a link is sent there, selection kept


async def first_page(request: Request) -> Response:
    query = request.url.query
    return RedirectResponse(base_path() + "/" + (f"?{query}" if query else ""), status_code=307)


def routes() -> list[Route]:
    base = base_path()
    return [Route(base + LOGIN_PATH, login, methods=["POST"]), Route(base + LOGOUT_PATH, logout, methods=["POST"]),
            Route(base + FIRST_PAGE, first_page, methods=["GET"])]


class OidcErrorGuard:
    """Streamlit answers a failed start of an OpenID Connect sign-in (the provider is down or misconfigured)
    with a bare "Authentication error" page in English; send the browser back to the dashboard instead,
    with a message the page shows in Swedish."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].endswith("/auth/login"):
            return await self.app(scope, receive, send)
        replaced = False

        async def guarded(message):
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] >= 400:
                replaced = True
                log.warning("OpenID Connect sign-in could not start (status %s)", message["status"])
                redirect = RedirectResponse(base_path() + "/", status_code=303)
                redirect.set_cookie(FLASH, "oidc_down", max_age=FLASH_SECONDS, path=base_path() or "/",
                                    httponly=True, samesite="lax")
                await redirect(scope, receive, send)
                return
            if not replaced:
                await send(message)

        await self.app(scope, receive, guarded)


def middleware() -> list:
    from starlette.middleware import Middleware

    return [Middleware(OidcErrorGuard)]


def on_script_error(exc: Exception) -> bool:
    """An exception no page caught: logged with its traceback, shown as a sentence (never Streamlit's page)."""
    import streamlit as st

    from finsam.labels import t

    log.error("a page failed", exc_info=exc)
    st.error(t("error", st.session_state.get("lang", "sv")))
    return True
