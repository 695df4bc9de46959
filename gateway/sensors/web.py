"""The sensors page: latest values and health per board, charts over time, the GPS track, alerts."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from gateway.sensors.alerts import AlertBook
from gateway.sensors.charts import chart_svg, track_svg
from gateway.sensors.store import SensorStore
from gateway.web.auth import csrf_token, current_user

router = APIRouter()
RANGES = {6: "6 h", 24: "24 h", 168: "7 days", 720: "30 days"}


def _source_health(request: Request) -> dict[str, Any] | None:
    """The running serial source's live state (connected, port), when this process runs one."""
    source = request.app.state.busybee.services.get("sensors")
    return source.health() if source is not None else None


def sensors_view(request: Request, hours: int, now: float) -> dict[str, Any]:
    """Everything the page shows, read in one connection."""
    state = request.app.state.busybee
    env = state.settings.sensors.env
    since = now - hours * 3600
    db = state.connect()
    try:
        store = SensorStore(db)
        boards = store.boards()
        for b in boards:
            series = store.series(b["board_id"], since, now)
            b["temp_chart"] = Markup(chart_svg(series, "t", since, now, unit="°C", title=f"{b['board_id']} temperature",
                                               band=(env.temp_min_c, env.temp_max_c)))
            b["hum_chart"] = Markup(chart_svg(series, "h", since, now, unit="%", title=f"{b['board_id']} humidity",
                                              band=(env.humidity_min, env.humidity_max)))
            track = store.track(b["board_id"], since)
            b["track_svg"] = Markup(track_svg(track))
            b["track_points"] = len(track)
            b["age_s"] = now - b["last_seen"]
        book = AlertBook(db)
        return {"boards": boards, "open_alerts": book.open_alerts(), "history": book.history(50)}
    finally:
        db.close()


@router.get("/sensors", response_class=HTMLResponse)
def sensors_page(request: Request, hours: int = Query(24), user: str = Depends(current_user)) -> Response:
    hours = hours if hours in RANGES else 24
    now = time.time()
    view = sensors_view(request, hours, now)
    settings = request.app.state.busybee.settings
    response: Response = request.app.state.templates.TemplateResponse(
        request, "sensors.html",
        {"user": user, "csrf": csrf_token(request), "hours": hours, "ranges": RANGES, "now": now,
         "serial": _source_health(request), "serial_cfg": settings.sensors.serial, "env": settings.sensors.env,
         "silent_after": settings.sensors.silent_seconds, **view},
    )
    response.headers["Refresh"] = "60"  # the page follows the board without any script
    return response


@router.get("/sensors/latest.json")
def sensors_latest(request: Request, _user: str = Depends(current_user)) -> JSONResponse:
    """Latest reading, fix and health of every board, and the open alerts (for scripts and the page test)."""
    db = request.app.state.busybee.connect()
    try:
        boards = SensorStore(db).boards()
        alerts = [a.__dict__ for a in AlertBook(db).open_alerts()]
    finally:
        db.close()
    return JSONResponse({"boards": boards, "open_alerts": alerts, "serial": _source_health(request)})
