"""The FastAPI application: /healthz and /metrics (pages are added by their own routers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Response
from sqlite_utils import Database

from gateway.config import Settings
from gateway.metrics import Metrics


@dataclass
class WebState:
    """What the web app needs from the running gateway."""

    settings: Settings
    connect: Callable[[], Database]
    metrics: Metrics
    health: Callable[[], dict[str, Any]] = field(default=lambda: {"ok": True})


def create_app(state: WebState) -> FastAPI:
    """Build the app around the running gateway's state."""
    app = FastAPI(title="BusyBee gateway", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.busybee = state

    @app.get("/healthz")
    def healthz(response: Response) -> dict[str, Any]:
        report = state.health()
        if not report.get("ok"):
            response.status_code = 503
        return report

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(state.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    return app
