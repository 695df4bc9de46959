"""The inbox page: stored emails with sender, subject, language, attachments, status and label."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlite_utils import Database

from gateway.web.auth import csrf_token, current_user

router = APIRouter()
PAGE_SIZE = 50


_CLASSIFICATION = (
    ", c.label AS label, c.confidence AS confidence, c.model_version AS model_version, c.needs_review AS needs_review"
)
_JOIN = " LEFT JOIN classifications c ON c.email_id = e.id"


def list_emails(db: Database, *, page: int = 1, status: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """One page of emails (newest first) with their attachment names, and the total count."""
    where, args = "", []
    if status:
        where, args = " WHERE e.status = ?", [status]
    total = db.execute(f"SELECT COUNT(*) FROM emails e{where}", args).fetchone()[0]
    rows = list(
        db.query(
            "SELECT e.id, e.received_at, e.from_addr, e.from_name, e.subject, e.language, e.status, e.error, "
            f"e.attachment_count{_CLASSIFICATION} FROM emails e{_JOIN}{where} ORDER BY e.id DESC LIMIT ? OFFSET ?",
            [*args, PAGE_SIZE, (page - 1) * PAGE_SIZE],
        )
    )
    ids = [r["id"] for r in rows]
    names: dict[int, list[str]] = {}
    if ids:
        marks = ",".join("?" * len(ids))
        for r in db.query(f"SELECT email_id, path FROM attachments WHERE email_id IN ({marks}) ORDER BY id", ids):
            names.setdefault(r["email_id"], []).append(r["path"])
    for r in rows:
        r["attachments"] = names.get(r["id"], [])
    return rows, int(total)


def get_email(db: Database, email_id: int) -> dict[str, Any] | None:
    """One email with its attachments and parse warnings."""
    rows = list(db.query(f"SELECT e.*{_CLASSIFICATION} FROM emails e{_JOIN} WHERE e.id = ?", [email_id]))
    if not rows:
        return None
    email = rows[0]
    email["warnings"] = json.loads(email.get("warnings") or "[]")
    email["attachments"] = list(db.query("SELECT * FROM attachments WHERE email_id = ? ORDER BY id", [email_id]))
    return email


@router.get("/")
def root() -> Response:
    return RedirectResponse("/inbox", status_code=303)


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, page: int = 1, status: str | None = None, user: str = Depends(current_user)) -> Response:
    state = request.app.state.busybee
    db = state.connect()
    try:
        emails, total = list_emails(db, page=max(page, 1), status=status or None)
        statuses = [r[0] for r in db.execute("SELECT DISTINCT status FROM emails ORDER BY status")]
    finally:
        db.close()
    pages = max(1, -(-total // PAGE_SIZE))
    return request.app.state.templates.TemplateResponse(
        request,
        "inbox.html",
        {"user": user, "emails": emails, "total": total, "page": max(page, 1), "pages": pages,
         "status": status, "statuses": statuses, "csrf": csrf_token(request)},
    )


@router.get("/inbox/{email_id}", response_class=HTMLResponse)
def email_detail(request: Request, email_id: int, user: str = Depends(current_user)) -> Response:
    state = request.app.state.busybee
    db = state.connect()
    try:
        email = get_email(db, email_id)
    finally:
        db.close()
    if email is None:
        raise HTTPException(404, f"no email {email_id}")
    return request.app.state.templates.TemplateResponse(
        request, "email.html", {"user": user, "email": email, "csrf": csrf_token(request)}
    )
