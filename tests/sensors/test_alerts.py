"""The alert book: open, update, close, never a duplicate, notify inside the transaction."""

from __future__ import annotations

import threading

import pytest

from gateway.config import Settings
from gateway.sensors.alerts import Alert, AlertBook
from gateway.store import open_db


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_raise_opens_then_updates_without_duplicates(settings: Settings) -> None:
    clock = Clock()
    book = AlertBook(open_db(settings), clock)
    first = book.raise_("env:uno:temp", "temperature", "warning", "12.0 °C above 8.0 °C", {"value": 12.0})
    for i in range(20):
        clock.t += 10
        again = book.raise_("env:uno:temp", "temperature", "warning", f"{12 + i} °C", {"value": 12 + i})
    assert again.id == first.id
    assert again.updates == 20 and again.detail == {"value": 31} and again.updated_at == clock.t
    assert again.opened_at == first.opened_at
    assert [a.id for a in book.open_alerts()] == [first.id]
    assert len(book.history(100)) == 1


def test_clear_closes_and_a_new_raise_opens_a_new_alert(settings: Settings) -> None:
    clock = Clock()
    book = AlertBook(open_db(settings), clock)
    a = book.raise_("board:uno:silent", "board_silent", "critical", "no line for 120 s")
    clock.t += 60
    closed = book.clear("board:uno:silent")
    assert closed is not None and closed.id == a.id and closed.state == "closed" and closed.closed_at == clock.t
    assert book.clear("board:uno:silent") is None
    assert book.open_alerts() == []
    b = book.raise_("board:uno:silent", "board_silent", "critical", "no line for 120 s")
    assert b.id != a.id
    assert [h.id for h in book.history(10)] == [b.id, a.id]


def test_open_alerts_most_severe_first(settings: Settings) -> None:
    book = AlertBook(open_db(settings), Clock())
    book.raise_("a", "x", "info", "a")
    book.raise_("b", "x", "critical", "b")
    book.raise_("c", "x", "warning", "c")
    assert [a.key for a in book.open_alerts()] == ["b", "c", "a"]
    with pytest.raises(ValueError):
        book.raise_("d", "x", "apocalyptic", "d")


def test_notify_on_open_escalation_and_close_only(settings: Settings) -> None:
    events: list[tuple[str, str, str]] = []

    def notify(alert: Alert, event: str) -> None:
        events.append((alert.key, event, alert.severity))

    book = AlertBook(open_db(settings), Clock(), notify=notify)
    book.raise_("k", "temperature", "warning", "m")
    book.raise_("k", "temperature", "warning", "m2")
    book.raise_("k", "temperature", "critical", "m3")
    book.raise_("k", "temperature", "warning", "m4")
    book.clear("k")
    assert events == [("k", "opened", "warning"), ("k", "escalated", "critical"), ("k", "closed", "warning")]


def test_failing_notify_rolls_back_the_change(settings: Settings) -> None:
    def notify(alert: Alert, event: str) -> None:
        raise RuntimeError("queue full")

    book = AlertBook(open_db(settings), Clock(), notify=notify)
    with pytest.raises(RuntimeError):
        book.raise_("k", "x", "warning", "m")
    assert book.history() == []


def test_concurrent_raisers_share_one_open_alert(settings: Settings) -> None:
    open_db(settings).close()
    ids: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        book = AlertBook(open_db(settings, migrate_schema=False))
        try:
            for _ in range(25):
                ids.append(book.raise_("cam:dock1:offline", "camera_offline", "warning", "dock1 offline").id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(ids)) == 1
    history = AlertBook(open_db(settings)).history()
    assert len(history) == 1 and history[0].updates == 99
