"""The chat's view of a request (pure over the store): history, state, and a customer message through the desk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from gateway.desk import records
from gateway.desk.machine import OPEN
from gateway.desk.service import Desk
from gateway.jobs import JobQueue

MAX_MESSAGE_CHARS = 4000


@dataclass(frozen=True)
class Snapshot:
    """What the chat page shows: the request's turns after a point, and whether yes/no buttons make sense."""

    number: str
    language: str
    state: str
    turns: list[dict[str, Any]]

    @property
    def confirming(self) -> bool:
        """Show the yes/no buttons."""
        return self.state == "confirming"

    @property
    def open(self) -> bool:
        """The desk still answers here."""
        return self.state in OPEN

    def events(self) -> list[dict[str, Any]]:
        """The WebSocket messages for this snapshot: one per turn, then the state."""
        out: list[dict[str, Any]] = [
            {"type": "turn", "id": t["id"], "who": t["who"], "channel": t["channel"], "text": t["text"],
             "intent": t["intent"]} for t in self.turns]
        out.append({"type": "state", "state": self.state, "confirming": self.confirming, "open": self.open})
        return out


def snapshot(db: Database, request_id: int, after: int = 0) -> Snapshot:
    """The request's turns after turn id `after`, with its current state."""
    request = records.get(db, request_id)
    return Snapshot(request.number, request.language, request.state, records.turns(db, request_id, after))


def say(desk: Desk, db: Database, queue: JobQueue, request_id: int, text: str) -> None:
    """One customer message typed in the chat, handed to the desk (which records both sides)."""
    text = text.strip()[:MAX_MESSAGE_CHARS]
    if text:
        desk.on_chat(db, queue, request_id, text)
