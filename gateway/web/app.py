"""The FastAPI application: login-protected pages, /healthz and /metrics."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database
from starlette.middleware.sessions import SessionMiddleware

from gateway.cameras.web import router as cameras_router
from gateway.chat.routes import router as chat_router
from gateway.config import Settings
from gateway.metrics import Metrics
from gateway.sensors.web import router as sensors_router
from gateway.web import auth, inbox

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class WebState:
    """What the web app needs from the running gateway."""

    settings: Settings
    connect: Callable[[], Database]
    metrics: Metrics
    health: Callable[[], dict[str, Any]] = field(default=lambda: {"ok": True})
    services: dict[str, Any] = field(default_factory=dict)  # live components pages talk to


def _datetime(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else ""


def create_app(state: WebState) -> FastAPI:
    """Build the app around the running gateway's state."""
    app = FastAPI(title="BusyBee gateway", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.busybee = state
    app.state.throttle = auth.Throttle()
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["datetime"] = _datetime
    app.state.templates = templates
    app.add_middleware(
        SessionMiddleware,
        secret_key=auth.secret_key(state.settings.data_dir),
        session_cookie="busybee_session",
        max_age=state.settings.web.session_hours * 3600,
        same_site="strict",
    )

    @app.exception_handler(auth.LoginRequired)
    def _login_required(_request: Request, exc: auth.LoginRequired) -> Response:
        return auth.login_redirect(exc)

    @app.middleware("http")
    async def _security_headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
        )
        return response

    @app.get("/healthz")
    def healthz(response: Response) -> dict[str, Any]:
        report = state.health()
        if not report.get("ok"):
            response.status_code = 503
        return report

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(state.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    app.include_router(auth.router)
    app.include_router(inbox.router)
    app.include_router(chat_router)
    app.include_router(cameras_router)
    app.include_router(sensors_router)
    return app
