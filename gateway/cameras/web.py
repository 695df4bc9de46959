"""The cameras page: availability, status and the live latest frame of each camera, and command buttons."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from gateway.cameras.errors import CameraError
from gateway.cameras.hub import CameraState
from gateway.cameras.mqtt_source import DISK_ALERT
from gateway.cameras.registry import list_cameras
from gateway.cameras.topics import COMMANDS, RESOLUTIONS, make_command, valid_camera_id
from gateway.sensors.alerts import Alert, AlertBook
from gateway.web.auth import check_csrf, csrf_token, current_user

router = APIRouter()
STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
ACK_WAIT_SECONDS = 3.0


def _source(request: Request) -> Any:
    """The running CameraSource, or None when MQTT is not configured in this process."""
    return request.app.state.busybee.services.get("cameras")


def _state_json(cam: str, state: CameraState | None, now: float, offline_after: float) -> dict[str, Any]:
    frame = state.frame if state else None
    status = state.status.model_dump(exclude_none=True) if state and state.status else {}
    live = bool(frame and now - frame.received <= offline_after)
    return {
        "camera": cam,
        "availability": state.availability if state else None,
        "status": status,
        "frames": state.frames if state else 0,
        "rejected": state.rejected if state else 0,
        "last_reject": state.last_reject if state else None,
        "seq": frame.seq if frame else 0,
        "last_frame": frame.received if frame else None,
        "age_s": round(now - frame.received, 1) if frame else None,
        "size": f"{frame.info.width}x{frame.info.height}" if frame else None,
        "bytes": frame.info.size if frame else None,
        "online": live and (state.availability != "offline" if state else False),
    }


def _registered(request: Request) -> set[str]:
    db = request.app.state.busybee.connect()
    try:
        return {c.cam_id for c in list_cameras(db)}
    finally:
        db.close()


def camera_alerts(request: Request) -> list[Alert]:
    """Open camera-offline and disk-pressure alerts."""
    db = request.app.state.busybee.connect()
    try:
        return [a for a in AlertBook(db).open_alerts() if a.key.startswith("camera:") or a.key == DISK_ALERT]
    finally:
        db.close()


def camera_states(request: Request) -> list[dict[str, Any]]:
    """Every registered or heard-of camera with its live state."""
    state = request.app.state.busybee
    registered = _registered(request)
    source = _source(request)
    live: dict[str, CameraState] = source.hub.snapshot() if source else {}
    now = time.time()
    offline_after = state.settings.cameras.offline_after_seconds
    rows = []
    for cam in sorted(registered | set(live)):
        row = _state_json(cam, live.get(cam), now, offline_after)
        row["registered"] = cam in registered
        rows.append(row)
    return rows


@router.get("/cameras", response_class=HTMLResponse)
def cameras_page(request: Request, sent: str | None = None, acked: str | None = None, error: str | None = None,
                 user: str = Depends(current_user)) -> Response:
    source = _source(request)
    return request.app.state.templates.TemplateResponse(
        request, "cameras.html",
        {"user": user, "csrf": csrf_token(request), "cameras": camera_states(request), "mqtt": source is not None,
         "connected": bool(source and source.connected.is_set()), "commands": COMMANDS, "resolutions": RESOLUTIONS,
         "sent": sent, "acked": acked, "error": error, "alerts": camera_alerts(request)},
    )


@router.get("/cameras/state.json")
def cameras_state(request: Request, _user: str = Depends(current_user)) -> JSONResponse:
    source = _source(request)
    return JSONResponse({"connected": bool(source and source.connected.is_set()), "cameras": camera_states(request)},
                        headers={"Cache-Control": "no-store"})


@router.get("/cameras/static/cameras.js")
def cameras_js() -> FileResponse:
    return FileResponse(STATIC / "cameras.js", media_type="text/javascript")


@router.get("/cameras/{cam}/latest.jpg")
def latest_frame(request: Request, cam: str, _user: str = Depends(current_user)) -> Response:
    source = _source(request)
    frame = source.hub.latest(cam) if source and valid_camera_id(cam) else None
    if frame is None:
        raise HTTPException(404, f"no frame from camera {cam!r} yet")
    etag = f'"{cam}-{frame.seq}"'
    headers = {"Cache-Control": "no-store", "ETag": etag, "X-Frame-Seq": str(frame.seq),
               "X-Frame-Received": f"{frame.received:.6f}"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(frame.data, media_type="image/jpeg", headers=headers)


@router.post("/cameras/{cam}/cmd")
def send_command(request: Request, cam: str, cmd: str = Form(...), value: str = Form(""), csrf: str = Form(""),
                 _user: str = Depends(current_user)) -> Response:
    if not check_csrf(request, csrf):
        raise HTTPException(403, "session expired; reload the page")
    source = _source(request)
    if not valid_camera_id(cam) or (cam not in _registered(request) and not (source and source.hub.get(cam))):
        raise HTTPException(404, f"no camera {cam!r}")
    if source is None:
        return RedirectResponse("/cameras?error=MQTT+is+not+configured", status_code=303)
    try:
        command = source.send_command(cam, make_command(cmd, value or None))
    except CameraError as exc:
        return RedirectResponse(f"/cameras?error={_q(str(exc))}", status_code=303)
    acked = source.hub.wait_ack(cam, command.id, ACK_WAIT_SECONDS)
    return RedirectResponse(f"/cameras?sent={_q(cam + ' ' + cmd)}&acked={'yes' if acked else 'no'}", status_code=303)


def _q(text: str) -> str:
    return quote(text[:200])
