"""The desk: turns an email or a chat message into the next step of its request, in one transaction."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, Protocol

from sqlite_utils import Database

from gateway.config import Settings
from gateway.db import transaction
from gateway.desk import records
from gateway.desk.errors import CannotRelease, CannotSettle
from gateway.desk.machine import OPEN, Kind, Policy, Step, advance, start
from gateway.desk.messages import CHAT_UI, Catalogs, Prompt, as_html
from gateway.desk.records import Request
from gateway.desk.turns import understand
from gateway.extract.fields import Shipment
from gateway.i18n import LANGUAGES, language_of
from gateway.jobs import JobQueue
from gateway.mail.language import detect_language

DESK_JOB = "desk"
REMIND_JOB = "desk_remind"
KINDS: tuple[Kind, ...] = ("quote", "order")


@dataclass(frozen=True)
class Reading:
    """What the extractor read in one customer message."""

    shipment: Shipment
    unsupported: dict[str, str]


class Reader(Protocol):
    """Shipment extraction as the desk needs it (gateway/extract behind it)."""

    def read(self, subject: str, body: str, attachments: list[str], sent_at: str | None) -> Reading:
        """The fields and unplaceable places in one message."""
        ...

    def missing(self, shipment: Shipment, unsupported: Mapping[str, str]) -> list[str]:
        """The fields this shipment still needs before it can be priced."""
        ...


class Backoffice(Protocol):
    """Pricing, bookings and the outbox as the desk needs them (gateway/quote behind it)."""

    def settle(self, db: Database, queue: JobQueue, request: Request, shipment: Shipment) -> tuple[str, str]:
        """Price and email the quote (or book the order) in the caller's transaction: (its number, Message-ID)."""
        ...

    def reply(self, db: Database, request: Request, subject: str, parent: str | None) -> EmailMessage:
        """A message to the request's original sender, threaded under `parent` (a Message-ID), without a body."""
        ...

    def queue(self, db: Database, queue: JobQueue, request: Request, message: EmailMessage, key: str, *,
              kind: str = "desk") -> str:
        """Queue `message` in the outbox (joining the transaction); returns its Message-ID."""
        ...


class ChatLinker(Protocol):
    """Makes the signed chat link of a request."""

    def link(self, request_id: int) -> str:
        """The URL a customer opens to chat about this request."""
        ...


@dataclass(frozen=True)
class BotTurn:
    """A message the bot said (shown in the chat, and emailed when the customer wrote by email)."""

    text: str
    action: str


class Desk:
    """The quote desk's workflow over the database, the extractor, the back office and the catalogs."""

    def __init__(self, settings: Settings, reader: Reader, backoffice: Backoffice, *,
                 links: ChatLinker | None = None, catalogs: Catalogs | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.reader = reader
        self.backoffice = backoffice
        self.links = links
        self.catalogs = catalogs or Catalogs()
        self.clock = clock
        self.policy = Policy(max_reasks=settings.desk.max_reasks, confirm_complete=settings.desk.confirm_complete)

    # -- entry points -------------------------------------------------------------------------------

    def on_email(self, db: Database, queue: JobQueue, email_id: int) -> Request | None:
        """A classified email: continue the request it replies to, start one for a quote/order, else nothing."""
        with transaction(db):
            if records.by_email(db, email_id) is not None:
                return None  # this job already ran to its commit
            rows = list(db.query(
                "SELECT e.*, c.label AS label, c.confidence AS confidence, c.needs_review AS needs_review "
                "FROM emails e LEFT JOIN classifications c ON c.email_id = e.id "
                "WHERE e.id = ?", [email_id]))
            if not rows:
                return None
            email = rows[0]
            if (email["from_addr"] or "").lower() == self.settings.smtp.from_addr.lower():
                return None  # our own mail seen again (a Bcc, a bounce copy): never a customer turn
            refs = (email["refs"] or "").split()
            request = records.thread_of(db, in_reply_to=email["in_reply_to"], refs=refs,
                                        subject=email["subject"], sender=email["from_addr"])
            atts = self._attachments(db, email_id)
            if request is not None:
                reading = self.reader.read("", email["body_new"] or "", atts, email["sent_at"])
                self._customer_turn(db, queue, request, email["body_new"] or "", reading, channel="email",
                                    email_id=email_id, message_id=email["message_id"])
                return records.get(db, request.id)
            if email["label"] not in KINDS or not email["from_addr"]:
                return None
            return self._start(db, queue, email, refs, atts)

    def on_chat(self, db: Database, queue: JobQueue, request_id: int, text: str) -> list[BotTurn]:
        """A message typed in the web chat; returns what the bot answers there."""
        with transaction(db):
            request = records.get(db, request_id)
            if request.state not in OPEN:  # kept for staff, who see the request flagged
                records.add_turn(db, request.id, who="customer", channel="chat", text=text, now=self.clock())
                records.save(db, request, request.conversation, now=self.clock(), attention=True)
                return [BotTurn(self.catalogs.gettext(request.language, CHAT_UI["closed"]), "closed")]
            now = datetime.fromtimestamp(self.clock(), UTC).isoformat()  # relative dates count from now
            reading = self.reader.read("", text, [], now)
            return self._customer_turn(db, queue, request, text, reading, channel="chat")

    def release(self, db: Database, queue: JobQueue, request_id: int, who: str) -> list[BotTurn]:
        """Staff decided a request held for its uncertain label is real: the desk answers it now, as it would
        have on arrival (asks for what is missing, or quotes/books a complete one)."""
        with transaction(db):
            request = records.get(db, request_id)
            if not records.releasable(db, request):
                raise CannotRelease(f"request {request.number} is {request.state} and the desk has already "
                                    "answered it or staff took it over; it cannot be handed to the desk")
            request = records.staff_release(db, request.id, who, self.clock())
            step = start(request.kind, request.known, request.unsupported, self.reader.missing, self.policy)
            return self._apply(db, queue, request, step, channel="email", parent=None)  # _email threads it

    def remind(self, db: Database, queue: JobQueue, request_id: int, prompted_at: float) -> bool:
        """Email a reminder if the customer has not answered the prompt made at `prompted_at`."""
        with transaction(db):
            request = records.get(db, request_id)
            if request.state not in OPEN or request.prompted_at != prompted_at or request.reminded_at:
                return False
            answered = db.execute("SELECT 1 FROM turns WHERE request_id = ? AND who = 'customer' AND at >= ?",
                                  [request_id, prompted_at]).fetchone()
            if answered:
                return False
            gaps = tuple(self.reader.missing(request.known, request.unsupported))
            prompt = self._prompt(request, "remind", missing=gaps)
            text = self.catalogs.render(request.language, prompt)
            self._email(db, queue, request, text, f"desk:{request.number}:remind:{int(prompted_at)}", "remind")
            records.add_turn(db, request.id, who="bot", channel="email", text=text, intent="remind",
                             now=self.clock())
            records.mark_reminded(db, request.id, self.clock())
            return True

    # -- steps --------------------------------------------------------------------------------------

    def _start(self, db: Database, queue: JobQueue, email: dict[str, Any], refs: list[str],
               atts: list[str]) -> Request:
        now = self.clock()
        text = email["body_new"] or ""
        lang = language_of(email["language"] if email["language"] in LANGUAGES else
                           detect_language(f"{email['subject'] or ''}\n{text}"))
        thread = [*refs, email["message_id"]] if email["message_id"] else refs
        request = records.create(db, email_id=email["id"], kind=email["label"], language=lang,
                                 customer=email["from_addr"].lower(), customer_name=email["from_name"],
                                 subject=email["subject"], thread_refs=thread, now=now)
        reading = self.reader.read(email["subject"] or "", text, atts, email["sent_at"])
        records.add_turn(db, request.id, who="customer", channel="email", text=text, now=now, intent="provide",
                         fields=reading.shipment, email_id=email["id"])
        if email["needs_review"]:
            # the model was unsure (spam just under its threshold falls back to its next label and lands here
            # too): staff decide, and nothing is sent to the sender
            held = replace(request.conversation, state="handed_over", known=reading.shipment,
                           unsupported=reading.unsupported)
            reason = (f"classified {email['label']} with confidence {email['confidence']:.2f}, below "
                      f"[classify] review_below: check it before answering")
            return records.save(db, request, held, now=now, attention=True, handover_reason=reason)
        step = start(request.kind, reading.shipment, reading.unsupported, self.reader.missing, self.policy)
        self._apply(db, queue, request, step, channel="email", parent=email["message_id"])
        return records.get(db, request.id)

    def _customer_turn(self, db: Database, queue: JobQueue, request: Request, text: str, reading: Reading, *,
                       channel: str, email_id: int | None = None, message_id: str | None = None) -> list[BotTurn]:
        now = self.clock()
        turn = understand(text, found=reading.shipment, known=request.known)
        lang = detect_language(text)
        records.add_turn(db, request.id, who="customer", channel=channel, text=text, now=now, intent=turn.intent,
                         fields=turn.fields, email_id=email_id)
        if lang in LANGUAGES and lang != request.language:
            request = records.save(db, request, request.conversation, now=now, language=lang)
        step = advance(request.conversation, turn, reading.unsupported, self.reader.missing, self.policy)
        return self._apply(db, queue, request, step, channel=channel, parent=message_id)

    def _apply(self, db: Database, queue: JobQueue, request: Request, step: Step, *, channel: str,
               parent: str | None) -> list[BotTurn]:
        now = self.clock()
        conv = step.conversation
        outcome = confirmed = None
        if step.action in ("quote", "book"):
            confirmed = conv.known
            try:
                outcome, message_id = self.backoffice.settle(db, queue, request, conv.known)
            except CannotSettle as exc:
                step = Step(replace(conv, state="handed_over"), "handover", reason=str(exc))
                conv = step.conversation
            else:
                records.remember_message(db, request.id, message_id, step.action, now)
        request = records.save(
            db, request, conv, now=now, attention=step.attention or step.action == "handover",
            handover_reason=step.reason, confirmed=confirmed, outcome=outcome,
            prompted=step.action.startswith("ask_"), thread_ref=parent)
        if step.action == "none":
            return []
        prompt = self._prompt(request, step.action, missing=step.missing, reask=step.reask,
                              question=step.attention and step.action != "none", outcome=outcome,
                              chat=channel == "email")
        text = self.catalogs.render(request.language, prompt, channel=channel)
        turns = [BotTurn(text, step.action)]
        if channel == "email" and step.action not in ("quote", "book"):
            key = f"desk:{request.number}:{step.action}:{self._bot_turns(db, request.id)}"
            self._email(db, queue, request, text, key, step.action, parent=parent)
        records.add_turn(db, request.id, who="bot", channel=channel, text=text, intent=step.action, now=now)
        if step.action.startswith("ask_") and self.settings.desk.reminder_hours > 0:
            queue.enqueue(REMIND_JOB, {"request_id": request.id, "prompted_at": request.prompted_at},
                          key=f"{REMIND_JOB}:{request.id}:{request.prompted_at!r}",
                          delay=self.settings.desk.reminder_hours * 3600)
        return turns

    # -- helpers ------------------------------------------------------------------------------------

    def _prompt(self, request: Request, action: str, *, missing: tuple[str, ...] = (), reask: bool = False,
                question: bool = False, outcome: str | None = None, chat: bool = True) -> Prompt:
        link = self.links.link(request.id) if chat and self.links and self.settings.desk.chat else None
        return Prompt(action, request.number, request.known, missing, request.unsupported, reask, question,
                      outcome, link, request.customer_name)

    def _email(self, db: Database, queue: JobQueue, request: Request, text: str, key: str, purpose: str,
               parent: str | None = None) -> None:
        subject = self.catalogs.subject(request.language, request.number, request.subject)
        message = self.backoffice.reply(db, request, subject, parent or (request.thread_refs or (None,))[-1])
        message.set_content(text)
        message.add_alternative(as_html(text, request.language), subtype="html")
        message["Content-Language"] = request.language  # after the body: set_content drops Content-* headers
        message_id = self.backoffice.queue(db, queue, request, message, key)
        records.remember_message(db, request.id, message_id, purpose, self.clock())

    @staticmethod
    def _bot_turns(db: Database, request_id: int) -> int:
        return int(db.execute("SELECT COUNT(*) FROM turns WHERE request_id = ? AND who = 'bot'",
                              [request_id]).fetchone()[0])

    @staticmethod
    def _attachments(db: Database, email_id: int) -> list[str]:
        return [r[0] for r in db.execute("SELECT text FROM attachments WHERE email_id = ? AND text IS NOT NULL "
                                         "ORDER BY id", [email_id])]
