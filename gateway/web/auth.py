"""Login, logout and the session guard for every dashboard page (argon2 passwords, signed cookies)."""

from __future__ import annotations

import secrets
import time
from collections import defaultdict, deque
from pathlib import Path
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.web.users import verify

router = APIRouter()

MAX_FAILURES = 5
FAILURE_WINDOW = 300.0


class LoginRequired(Exception):
    """Raised by `current_user` when the session has no user; the app turns it into a redirect."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class Throttle:
    """Refuses a username after MAX_FAILURES wrong passwords within FAILURE_WINDOW seconds."""

    def __init__(self) -> None:
        self._fails: dict[str, deque[float]] = defaultdict(deque)

    def blocked(self, username: str, now: float) -> bool:
        fails = self._fails[username]
        while fails and fails[0] < now - FAILURE_WINDOW:
            fails.popleft()
        return len(fails) >= MAX_FAILURES

    def failed(self, username: str, now: float) -> None:
        self._fails[username].append(now)

    def reset(self, username: str) -> None:
        self._fails.pop(username, None)


def secret_key(data_dir: Path) -> str:
    """The session-signing key, created once (mode 0600) in the data directory."""
    path = data_dir / "web-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def csrf_token(request: Request) -> str:
    """The per-session token every form posts back."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, token: str) -> bool:
    """Whether a posted form carries this session's token."""
    expected = request.session.get("csrf")
    return bool(expected) and secrets.compare_digest(str(expected), token)


def current_user(request: Request) -> str:
    """The logged-in username; raises LoginRequired otherwise."""
    user = request.session.get("user")
    if not user:
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return str(user)


def _safe_next(url: str) -> str:
    parts = urlsplit(url)
    return url if url.startswith("/") and not url.startswith("//") and not parts.netloc else "/inbox"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/inbox") -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "login.html", {"next": _safe_next(next), "error": None, "csrf": csrf_token(request)}
    )


@router.post("/login")
def login(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    csrf: str = Form(""),
    next: str = Form("/inbox"),
) -> Response:
    state = request.app.state.busybee
    throttle: Throttle = request.app.state.throttle
    now = time.time()
    error = None
    if not check_csrf(request, csrf):
        error = "Your session expired; please try again."
    elif throttle.blocked(username, now):
        error = "Too many failed attempts; wait a few minutes."
    else:
        db = state.connect()
        try:
            ok = verify(db, username, password)
        finally:
            db.close()
        if ok:
            throttle.reset(username)
            request.session.clear()
            request.session["user"] = username
            request.session["since"] = now
            return RedirectResponse(_safe_next(next), status_code=303)
        throttle.failed(username, now)
        error = "Wrong username or password."
    return request.app.state.templates.TemplateResponse(
        request, "login.html", {"next": _safe_next(next), "error": error, "csrf": csrf_token(request)}, status_code=401
    )


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")) -> Response:
    if check_csrf(request, csrf):
        request.session.clear()
    return RedirectResponse("/login", status_code=303)


def login_redirect(exc: LoginRequired) -> RedirectResponse:
    """Where an anonymous visitor is sent."""
    return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)
