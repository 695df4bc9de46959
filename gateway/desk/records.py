"""Reading and writing requests, turns and our sent Message-IDs (callers own the transaction)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from gateway.desk.errors import RequestNotFound
from gateway.desk.machine import Conversation, Kind, State
from gateway.extract.fields import Shipment, shipment_from_dict

NUMBER = re.compile(r"\bR-(\d{6,})\b")


@dataclass(frozen=True)
class Request:
    """One conversation row."""

    id: int
    number: str
    email_id: int | None
    kind: Kind
    state: State
    language: str
    customer: str
    customer_name: str | None
    subject: str | None
    known: Shipment
    confirmed: Shipment | None
    unsupported: dict[str, str]
    reasks: int
    attention: bool
    handover_reason: str | None
    outcome: str | None
    thread_refs: tuple[str, ...]
    prompted_at: float | None
    reminded_at: float | None
    created_at: float
    updated_at: float

    @property
    def conversation(self) -> Conversation:
        """The state machine's view of this request."""
        return Conversation(self.kind, self.state, self.known, self.unsupported, self.reasks)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Request:
        """Build from a `requests` row."""
        confirmed = shipment_from_dict(json.loads(row["confirmed"]))[0] if row["confirmed"] else None
        return cls(
            id=row["id"], number=row["number"], email_id=row["email_id"], kind=row["kind"], state=row["state"],
            language=row["language"], customer=row["customer"], customer_name=row["customer_name"],
            subject=row["subject"], known=shipment_from_dict(json.loads(row["known"]))[0], confirmed=confirmed,
            unsupported=json.loads(row["unsupported"]), reasks=row["reasks"], attention=bool(row["attention"]),
            handover_reason=row["handover_reason"], outcome=row["outcome"],
            thread_refs=tuple(row["thread_refs"].split()), prompted_at=row["prompted_at"],
            reminded_at=row["reminded_at"], created_at=row["created_at"], updated_at=row["updated_at"],
        )


def number_for(request_id: int) -> str:
    """The customer-facing request number."""
    return f"R-{request_id:06d}"


def create(db: Database, *, email_id: int | None, kind: Kind, language: str, customer: str,
           customer_name: str | None, subject: str | None, thread_refs: list[str], now: float) -> Request:
    """Insert a new request in `collecting` and give it its number."""
    cur = db.execute(
        "INSERT INTO requests (email_id, kind, language, customer, customer_name, subject, thread_refs, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [email_id, kind, language, customer, customer_name, subject, " ".join(thread_refs[-20:]), now, now],
    )
    request_id = int(cur.lastrowid or 0)
    db.execute("UPDATE requests SET number = ? WHERE id = ?", [number_for(request_id), request_id])
    return get(db, request_id)


def get(db: Database, request_id: int) -> Request:
    """One request by id; RequestNotFound when there is none."""
    rows = list(db.query("SELECT * FROM requests WHERE id = ?", [request_id]))
    if not rows:
        raise RequestNotFound(f"no request {request_id}")
    return Request.from_row(rows[0])


def by_email(db: Database, email_id: int) -> Request | None:
    """The request an email started or continued, if any (a rerun job finds its own work done)."""
    row = db.execute(
        "SELECT id FROM requests WHERE email_id = ? UNION SELECT request_id FROM turns WHERE email_id = ?",
        [email_id, email_id],
    ).fetchone()
    return get(db, row[0]) if row else None


def thread_of(db: Database, *, in_reply_to: str | None, refs: list[str], subject: str | None,
              sender: str | None) -> Request | None:
    """The request an incoming email continues: it replies to a message we sent, or names the request number
    in its subject and comes from the request's customer."""
    ids = [m for m in [in_reply_to, *reversed(refs)] if m]
    for message_id in ids:
        row = db.execute("SELECT request_id FROM request_messages WHERE message_id = ?", [message_id]).fetchone()
        if row:
            return get(db, row[0])
    if subject and sender:
        for match in NUMBER.finditer(subject):
            row = db.execute("SELECT id FROM requests WHERE number = ? AND customer = ?",
                             [f"R-{match.group(1)}", sender.lower()]).fetchone()
            if row:
                return get(db, row[0])
    return None


def save(db: Database, request: Request, conv: Conversation, *, now: float, attention: bool = False,
         handover_reason: str | None = None, confirmed: Shipment | None = None, outcome: str | None = None,
         prompted: bool = False, language: str | None = None, thread_ref: str | None = None) -> Request:
    """Store the conversation's new state and bookkeeping."""
    refs = list(request.thread_refs)
    if thread_ref and thread_ref not in refs:
        refs.append(thread_ref)
    db.execute(
        "UPDATE requests SET state = ?, known = ?, unsupported = ?, reasks = ?, attention = MAX(attention, ?), "
        "handover_reason = COALESCE(?, handover_reason), confirmed = COALESCE(?, confirmed), "
        "outcome = COALESCE(?, outcome), prompted_at = CASE WHEN ? THEN ? ELSE prompted_at END, "
        "language = COALESCE(?, language), thread_refs = ?, updated_at = ? WHERE id = ?",
        [conv.state, _json(conv.known), json.dumps(dict(conv.unsupported), ensure_ascii=False), conv.reasks,
         int(attention), handover_reason, _json(confirmed) if confirmed else None, outcome, int(prompted), now,
         language, " ".join(refs[-20:]), now, request.id],
    )
    return get(db, request.id)


def _json(shipment: Shipment) -> str:
    return json.dumps({k: v for k, v in shipment.as_dict().items() if v is not None}, ensure_ascii=False)


def add_turn(db: Database, request_id: int, *, who: str, channel: str, text: str, now: float,
             intent: str | None = None, fields: Shipment | None = None, email_id: int | None = None) -> int:
    """Append one message to the conversation."""
    cur = db.execute(
        "INSERT INTO turns (request_id, at, who, channel, text, intent, fields, email_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [request_id, now, who, channel, text, intent, _json(fields) if fields and fields.known() else None, email_id],
    )
    return int(cur.lastrowid or 0)


def turns(db: Database, request_id: int, after: int = 0) -> list[dict[str, Any]]:
    """The conversation's messages in order (optionally only those after a turn id)."""
    rows = list(db.query("SELECT * FROM turns WHERE request_id = ? AND id > ? ORDER BY id", [request_id, after]))
    for row in rows:
        row["fields"] = json.loads(row["fields"]) if row["fields"] else {}
    return rows


def remember_message(db: Database, request_id: int, message_id: str, purpose: str, now: float) -> None:
    """Record a Message-ID we sent (without angle brackets) so replies to it find the request."""
    db.execute("INSERT OR IGNORE INTO request_messages (message_id, request_id, purpose, created_at) "
               "VALUES (?, ?, ?, ?)", [message_id.strip("<>"), request_id, purpose, now])


def mark_reminded(db: Database, request_id: int, now: float) -> None:
    """Note that the quiet customer was reminded."""
    db.execute("UPDATE requests SET reminded_at = ?, updated_at = ? WHERE id = ?", [now, now, request_id])


def listing(db: Database, *, state: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Requests for the staff page, newest first, with their turn count."""
    where, args = ("WHERE r.state = ?", [state]) if state else ("", [])
    return list(db.query(
        "SELECT r.*, (SELECT COUNT(*) FROM turns t WHERE t.request_id = r.id) AS turn_count FROM requests r "
        f"{where} ORDER BY r.attention DESC, r.id DESC LIMIT ?", [*args, limit]))


def releasable(db: Database, request: Request) -> bool:
    """Held for staff before the desk or staff ever answered it (an uncertain label, see Desk.on_email)."""
    return request.state == "handed_over" and not db.execute(
        "SELECT 1 FROM turns WHERE request_id = ? AND who IN ('bot', 'staff')", [request.id]).fetchone()


def staff_release(db: Database, request_id: int, who: str, now: float) -> Request:
    """Staff let the desk answer a held request: collecting again, no longer flagged; kept as a staff turn."""
    db.execute("UPDATE requests SET state = 'collecting', attention = 0, handover_reason = NULL, updated_at = ? "
               "WHERE id = ?", [now, request_id])
    add_turn(db, request_id, who="staff", channel="email", text=f"{who}: let the desk answer", intent="release",
             now=now)
    return get(db, request_id)


def staff_set(db: Database, request_id: int, state: str, who: str, now: float) -> Request:
    """Staff take a request over or close it: the desk stops answering; the step is kept as a staff turn."""
    if state not in ("handed_over", "closed"):
        raise ValueError(f"staff can only hand over or close a request, not set {state!r}")
    get(db, request_id)  # RequestNotFound
    db.execute("UPDATE requests SET state = ?, attention = 0, handover_reason = COALESCE(handover_reason, ?), "
               "updated_at = ? WHERE id = ?", [state, f"taken over by {who}", now, request_id])
    add_turn(db, request_id, who="staff", channel="email", text=f"{who}: {state}", intent=state, now=now)
    return get(db, request_id)
