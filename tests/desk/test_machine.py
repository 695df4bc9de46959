"""The request state machine: ask for what is missing, confirm before it counts, cap the re-asks, settle."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.desk.machine import Conversation, Policy, advance, start
from gateway.desk.turns import Understanding
from gateway.extract.fields import Shipment

POLICY = Policy(max_reasks=3)
FULL = Shipment(origin="Busan", destination="Los Angeles", containers="2x40HC", ready_date="2026-12-04")
READY = FULL.merged(Shipment(weight_kg=12000.0))


def missing(s: Shipment, unsupported: Mapping[str, str]) -> list[str]:
    needed = ["origin", "destination", "ready_date", "weight_kg"]
    return [f for f in needed if getattr(s, f) is None and f not in unsupported]


def turn(intent: str, **fields: object) -> Understanding:
    return Understanding(intent, fields=Shipment(**fields))  # type: ignore[arg-type]


def test_a_request_without_a_weight_asks_for_it() -> None:
    step = start("quote", FULL, {}, missing, POLICY)
    assert step.action == "ask_missing" and step.missing == ("weight_kg",)
    assert step.conversation.state == "collecting"


def test_the_weight_then_yes_settles_the_quote() -> None:
    conv = start("quote", FULL, {}, missing, POLICY).conversation
    step = advance(conv, turn("provide", weight_kg=1200.0), {}, missing, POLICY)
    assert step.action == "ask_confirm" and step.conversation.state == "confirming"
    assert step.conversation.known.weight_kg == 1200.0 and not step.reask
    done = advance(step.conversation, turn("yes"), {}, missing, POLICY)
    assert done.action == "quote" and done.conversation.state == "quoted"


def test_an_order_is_booked_not_quoted() -> None:
    conv = Conversation("order", "confirming", READY)
    assert advance(conv, turn("yes"), {}, missing, POLICY).conversation.state == "booked"


def test_a_complete_first_email_goes_straight_to_the_quote_unless_confirmation_is_configured() -> None:
    full = Shipment(**{**FULL.as_dict(), "weight_kg": 100.0})
    assert start("quote", full, {}, missing, POLICY).action == "quote"
    assert start("quote", full, {}, missing, Policy(confirm_complete=True)).action == "ask_confirm"


def test_no_then_a_correction_asks_for_confirmation_again_with_the_new_value() -> None:
    conv = Conversation("quote", "confirming", READY)
    step = advance(conv, turn("no"), {}, missing, POLICY)
    assert step.action == "ask_change" and step.conversation.state == "collecting"
    step = advance(step.conversation, turn("provide", containers="3x40HC"), {}, missing, POLICY)
    assert step.action == "ask_confirm" and step.conversation.known.containers == "3x40HC"
    assert step.conversation.known.origin == "Busan"  # nothing known is lost


def test_a_correction_while_confirming_needs_no_separate_no() -> None:
    conv = Conversation("quote", "confirming", READY)
    step = advance(conv, turn("provide", containers="3x40HC"), {}, missing, POLICY)
    assert step.action == "ask_confirm" and step.conversation.reasks == 0


def test_unclear_answers_are_asked_again_then_handed_over() -> None:
    conv = Conversation("quote", "confirming", READY)
    for n in range(1, 4):
        step = advance(conv, turn("unclear"), {}, missing, POLICY)
        assert step.action == "ask_confirm" and step.reask and step.conversation.reasks == n
        conv = step.conversation
    step = advance(conv, turn("other"), {}, missing, POLICY)
    assert step.action == "handover" and step.conversation.state == "handed_over" and step.reason


def test_the_cap_is_configurable() -> None:
    step = advance(Conversation("quote", "confirming", READY), turn("unclear"), {}, missing, Policy(max_reasks=0))
    assert step.action == "handover"


def test_a_question_is_flagged_for_staff_and_the_prompt_repeated() -> None:
    conv = start("quote", FULL, {}, missing, POLICY).conversation
    step = advance(conv, turn("question"), {}, missing, POLICY)
    assert step.attention and step.action == "ask_missing" and step.missing == ("weight_kg",)


def test_yes_while_details_are_missing_asks_for_them_again() -> None:
    conv = start("quote", FULL, {}, missing, POLICY).conversation
    step = advance(conv, turn("yes"), {}, missing, POLICY)
    assert step.action == "ask_missing" and step.reask


def test_an_unsupported_city_is_asked_for_and_cleared_by_a_known_one() -> None:
    first = Shipment(origin="Busan", ready_date="2026-12-04", weight_kg=500.0)
    step = start("quote", first, {"destination": "Atlantis"}, missing, POLICY)
    assert step.action == "ask_place" and step.conversation.unsupported == {"destination": "Atlantis"}
    assert "destination" not in step.missing
    step = advance(step.conversation, turn("provide", destination="Los Angeles"), {}, missing, POLICY)
    assert step.action == "ask_confirm" and not step.conversation.unsupported


def test_repeating_the_same_details_counts_as_a_reask() -> None:
    conv = Conversation("quote", "confirming", READY)
    step = advance(conv, turn("provide", origin="Busan"), {}, missing, POLICY)
    assert step.reask and step.conversation.reasks == 1


def test_a_settled_request_takes_no_more_steps_but_flags_staff() -> None:
    conv = Conversation("quote", "quoted", FULL)
    step = advance(conv, turn("provide", containers="5x40HC"), {}, missing, POLICY)
    assert step.action == "none" and step.attention and step.conversation.known == FULL
