"""Web routes of the quote desk: the customer's chat page and WebSocket (token only), the staff's /requests pages."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlite_utils import Database
from starlette.concurrency import run_in_threadpool

from gateway.chat.conversation import MAX_MESSAGE_CHARS, Snapshot, say, snapshot
from gateway.chat.errors import LinkInvalid
from gateway.chat.links import ChatLinks
from gateway.db import transaction
from gateway.desk import records
from gateway.desk.errors import CannotRelease, RequestNotFound
from gateway.desk.messages import CHAT_UI, Catalogs
from gateway.desk.service import Desk
from gateway.jobs import JobQueue
from gateway.web.auth import check_csrf, csrf_token, current_user

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=[HERE / "templates", HERE.parent / "web" / "templates"])
TEMPLATES.env.filters["datetime"] = lambda ts: time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else ""
POLL_SECONDS = 1.0

router = APIRouter()


class _Parts:
    """The desk, links and catalogs of one app, built on first use (the rate card and gazetteer load once)."""

    def __init__(self, request_app: Any) -> None:
        state = request_app.state.busybee
        self.settings = state.settings
        self.connect = state.connect
        self.links = ChatLinks.for_settings(self.settings)
        self.catalogs = Catalogs()
        self._desk: Desk | None = None

    @property
    def desk(self) -> Desk:
        if self._desk is None:
            from gateway.desk.job import build_desk

            self._desk = build_desk(self.settings)
        return self._desk


def _parts(app: Any) -> _Parts:
    if not hasattr(app.state, "desk_chat"):
        app.state.desk_chat = _Parts(app)
    parts: _Parts = app.state.desk_chat
    return parts


def _with_db(parts: _Parts, fn: Any, *args: Any) -> Any:
    db: Database = parts.connect()
    try:
        return fn(db, *args)
    finally:
        db.close()


@router.get("/chat/static/chat.js")
def chat_js() -> Response:
    return FileResponse(HERE / "static" / "chat.js", media_type="text/javascript")


@router.get("/chat/{token}", response_class=HTMLResponse)
def chat_page(request: Request, token: str) -> Response:
    parts = _parts(request.app)
    try:
        request_id = parts.links.request_id(token)
        snap: Snapshot = _with_db(parts, snapshot, request_id)
    except (LinkInvalid, RequestNotFound):
        return TEMPLATES.TemplateResponse(
            request, "chat_invalid.html", {"message": parts.catalogs.gettext("en", CHAT_UI["expired"])},
            status_code=404)
    _ = parts.catalogs.get(snap.language).gettext
    ui = {key: _(text) for key, text in CHAT_UI.items()}
    ui["title"] = ui["title"].format(number=snap.number)
    return TEMPLATES.TemplateResponse(request, "chat.html", {"ui": ui, "lang": snap.language, "snap": snap})


@router.websocket("/chat/{token}/ws")
async def chat_socket(socket: WebSocket, token: str) -> None:
    parts = _parts(socket.app)
    try:
        request_id = parts.links.request_id(token)
        snap: Snapshot = await run_in_threadpool(_with_db, parts, snapshot, request_id)
    except (LinkInvalid, RequestNotFound):
        await socket.close(code=4403)
        return
    await socket.accept()
    last = await _send(socket, snap, 0)
    try:
        while True:
            try:
                raw = await asyncio.wait_for(socket.receive_text(), timeout=POLL_SECONDS)
            except TimeoutError:  # no message: pass on what arrived by email meanwhile
                snap = await run_in_threadpool(_with_db, parts, snapshot, request_id, last)
                if snap.turns:
                    last = await _send(socket, snap, last)
                continue
            text = _text_of(raw)
            if text:
                await run_in_threadpool(_with_db, parts, _say, parts, request_id, text)
            snap = await run_in_threadpool(_with_db, parts, snapshot, request_id, last)
            last = await _send(socket, snap, last)
    except WebSocketDisconnect:
        return


def _say(db: Database, parts: _Parts, request_id: int, text: str) -> None:
    say(parts.desk, db, JobQueue(db, parts.settings.jobs), request_id, text)


def _text_of(raw: str) -> str:
    try:
        data = json.loads(raw[: MAX_MESSAGE_CHARS * 8])
    except ValueError:
        return ""
    text = data.get("text") if isinstance(data, dict) else None
    return text.strip() if isinstance(text, str) else ""


async def _send(socket: WebSocket, snap: Snapshot, last: int) -> int:
    for event in snap.events():
        await socket.send_json(event)
    return max([last, *(t["id"] for t in snap.turns)])


@router.get("/requests", response_class=HTMLResponse)
def requests_page(request: Request, state: str | None = None, user: str = Depends(current_user)) -> Response:
    parts = _parts(request.app)
    rows = _with_db(parts, lambda db: records.listing(db, state=state or None))
    return TEMPLATES.TemplateResponse(request, "requests.html", {
        "user": user, "csrf": csrf_token(request), "requests": rows, "state": state,
        "states": ["collecting", "confirming", "quoted", "booked", "handed_over", "closed"]})


@router.get("/requests/{request_id}", response_class=HTMLResponse)
def request_detail(request: Request, request_id: int, user: str = Depends(current_user)) -> Response:
    parts = _parts(request.app)

    def load(db: Database) -> tuple[records.Request, list[dict[str, Any]], bool]:
        req = records.get(db, request_id)
        return req, records.turns(db, request_id), records.releasable(db, req)

    try:
        req, turns, releasable = _with_db(parts, load)
    except RequestNotFound as exc:
        raise HTTPException(404, f"no request {request_id}") from exc
    fields = list(parts.catalogs.fields("en", req.known))
    return TEMPLATES.TemplateResponse(request, "request.html", {
        "user": user, "csrf": csrf_token(request), "req": req, "turns": turns, "fields": fields,
        "chat_link": parts.links.link(req.id), "releasable": releasable})


@router.post("/requests/{request_id}/release")
def request_release(request: Request, request_id: int, csrf: str = Form(""),
                    user: str = Depends(current_user)) -> Response:
    if not check_csrf(request, csrf):
        raise HTTPException(400, "bad form")
    parts = _parts(request.app)
    try:
        _with_db(parts, lambda db: parts.desk.release(db, JobQueue(db, parts.settings.jobs), request_id, user))
    except RequestNotFound as exc:
        raise HTTPException(404, f"no request {request_id}") from exc
    except CannotRelease as exc:
        raise HTTPException(409, str(exc)) from exc
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


@router.post("/requests/{request_id}/state")
def request_state(request: Request, request_id: int, state: str = Form(...), csrf: str = Form(""),
                  user: str = Depends(current_user)) -> Response:
    if not check_csrf(request, csrf) or state not in ("handed_over", "closed"):
        raise HTTPException(400, "bad form")
    parts = _parts(request.app)

    def change(db: Database) -> None:
        with transaction(db):
            records.staff_set(db, request_id, state, user, time.time())

    try:
        _with_db(parts, change)
    except RequestNotFound as exc:
        raise HTTPException(404, f"no request {request_id}") from exc
    return RedirectResponse(f"/requests/{request_id}", status_code=303)
