"""The request state machine (pure): collecting → confirming → quoted | booked | handed_over | closed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from gateway.desk.turns import Understanding
from gateway.extract.fields import Shipment

State = Literal["collecting", "confirming", "quoted", "booked", "handed_over", "closed"]
STATES: tuple[State, ...] = ("collecting", "confirming", "quoted", "booked", "handed_over", "closed")
OPEN: tuple[State, ...] = ("collecting", "confirming")
Action = Literal["ask_missing", "ask_place", "ask_confirm", "ask_change", "quote", "book", "handover", "none"]
Kind = Literal["quote", "order"]
Missing = Callable[[Shipment, Mapping[str, str]], list[str]]


@dataclass(frozen=True)
class Policy:
    """The knobs of the conversation: the re-ask cap and whether a complete first email is confirmed first."""

    max_reasks: int = 3
    confirm_complete: bool = False


@dataclass(frozen=True)
class Conversation:
    """Where one request stands."""

    kind: Kind
    state: State = "collecting"
    known: Shipment = field(default_factory=Shipment)
    unsupported: Mapping[str, str] = field(default_factory=dict)
    reasks: int = 0


@dataclass(frozen=True)
class Step:
    """The request after a turn, and what the bot does about it."""

    conversation: Conversation
    action: Action
    missing: tuple[str, ...] = ()
    reask: bool = False
    reason: str | None = None  # why it was handed over
    attention: bool = False  # staff should look (a question, or a turn after the request was settled)


def _unsupported(old: Mapping[str, str], new: Mapping[str, str], known: Shipment) -> dict[str, str]:
    """Places still unplaced: earlier ones the customer has not replaced, plus this turn's."""
    kept = {f: n for f, n in old.items() if getattr(known, f, None) is None}
    return {**kept, **{f: n for f, n in new.items() if getattr(known, f, None) is None}}


def _prompt(conv: Conversation, missing: Missing, policy: Policy, *, first: bool) -> Step:
    """What to ask (or do) next for a shipment in the collecting phase."""
    if conv.unsupported:
        return Step(conv, "ask_place", tuple(missing(conv.known, conv.unsupported)))
    gaps = tuple(missing(conv.known, conv.unsupported))
    if gaps:
        return Step(conv, "ask_missing", gaps)
    if first and not policy.confirm_complete:
        return _settle(conv)
    return Step(_replace(conv, state="confirming"), "ask_confirm")


def _settle(conv: Conversation) -> Step:
    if conv.kind == "order":
        return Step(_replace(conv, state="booked"), "book")
    return Step(_replace(conv, state="quoted"), "quote")


def _replace(conv: Conversation, **changes: object) -> Conversation:
    values = {"kind": conv.kind, "state": conv.state, "known": conv.known, "unsupported": conv.unsupported,
              "reasks": conv.reasks, **changes}
    return Conversation(**values)  # type: ignore[arg-type]


def _reask(step: Step, policy: Policy, why: str) -> Step:
    """The same question again, or a hand-over once the cap is reached."""
    conv = step.conversation
    if conv.reasks >= policy.max_reasks:
        return Step(_replace(conv, state="handed_over"), "handover", step.missing, reason=why)
    return Step(_replace(conv, reasks=conv.reasks + 1), step.action, step.missing, reask=True)


def start(kind: Kind, found: Shipment, unsupported: Mapping[str, str], missing: Missing,
          policy: Policy) -> Step:
    """The first step of a new request from what its first email gave."""
    conv = Conversation(kind, "collecting", found, _unsupported({}, unsupported, found))
    return _prompt(conv, missing, policy, first=True)


def advance(conv: Conversation, turn: Understanding, unsupported: Mapping[str, str], missing: Missing,
            policy: Policy) -> Step:
    """The step after one customer turn."""
    if conv.state not in OPEN:
        return Step(conv, "none", attention=True)
    if turn.intent == "provide":
        known = conv.known.merged(turn.fields)
        places = _unsupported(conv.unsupported, unsupported, known)
        progressed = known != conv.known or places != conv.unsupported
        step = _prompt(_replace(conv, state="collecting", known=known, unsupported=places), missing, policy,
                       first=False)
        return step if progressed else _reask(step, policy, "the customer repeated details without a change")
    if conv.state == "confirming":
        if turn.intent == "yes":
            return _settle(conv)
        current = Step(conv, "ask_confirm")
        if turn.intent == "no":
            return _reask(Step(_replace(conv, state="collecting"), "ask_change"), policy,
                          "the customer rejected the details and did not say what to change")
    else:
        current = _prompt(conv, missing, policy, first=False)
        if current.action == "ask_confirm":  # after a "no": nothing missing, waiting for the change
            current = Step(conv, "ask_change")
    why = {"question": "the customer asked a question", "no": "the customer said no",
           "yes": "the customer said yes while details were still missing"}.get(
        turn.intent, "the customer's answers were not understood")
    step = _reask(current, policy, why)
    if turn.intent == "question":
        return Step(step.conversation, step.action, step.missing, step.reask, step.reason, attention=True)
    return step
