"""The audit trail: quotes and bookings keep everything they were made from; numbers are gap-free per day."""

from __future__ import annotations

import re
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlite_utils import Database

from gateway.db import connect, transaction
from gateway.db.migrations import migrate
from gateway.extract.fields import Shipment
from gateway.quote.pricing import price
from gateway.quote.ratecard import RateCard
from gateway.quote.store import list_quotes, load_booking, load_quote, quote_by_key, save_booking, save_quote
from gateway.store import MIGRATIONS

DAY = date(2026, 11, 25)


def fresh_db(path: Path) -> Database:
    db = connect(path / "busybee.db", synchronous="normal")
    migrate(db, MIGRATIONS)
    return db


def test_quote_round_trips_with_its_basis_and_card(tmp_path: Path, card: RateCard) -> None:
    db = fresh_db(tmp_path)
    shipment = Shipment(origin="Busan", destination="Tokyo", mode="sea", weight_kg=2500, volume_cbm=1.8,
                        commodity="부품")
    q = save_quote(db, price(shipment, card, 2000, today=DAY), email_id=None, language="ko")
    assert q.number == "Q-20261125-0001"
    back = load_quote(db, q.number)
    assert back == q  # lines, total, basis, shipment, rate card version and hash, dates
    assert back is not None and back.total == Decimal("111.38") and back.basis.revenue_tons == Decimal("2.5")
    assert back.ratecard_sha256 == card.sha256
    assert [r["number"] for r in list_quotes(db)] == ["Q-20261125-0001"]


def test_numbers_restart_each_day_and_use_the_prefix(tmp_path: Path, card: RateCard) -> None:
    db = fresh_db(tmp_path)
    s = Shipment(mode="sea", containers="1x20GP")
    numbers = [save_quote(db, price(s, card, 500, today=d), email_id=None, prefix=p).number
               for d, p in ((DAY, "Q"), (DAY, "Q"), (date(2026, 11, 26), "Q"), (DAY, "QT"))]
    assert numbers == ["Q-20261125-0001", "Q-20261125-0002", "Q-20261126-0001", "QT-20261125-0003"]


def test_rolled_back_quote_gives_its_number_back(tmp_path: Path, card: RateCard) -> None:
    db = fresh_db(tmp_path)
    q = price(Shipment(mode="sea", containers="1x20GP"), card, 500, today=DAY)
    with pytest.raises(RuntimeError), transaction(db):
        save_quote(db, q, email_id=None)
        raise RuntimeError("the email could not be queued")
    assert save_quote(db, q, email_id=None).number == "Q-20261125-0001"


def test_same_key_is_the_same_quote(tmp_path: Path, card: RateCard) -> None:
    db = fresh_db(tmp_path)
    q = price(Shipment(mode="sea", containers="1x20GP"), card, 500, today=DAY)
    first = save_quote(db, q, email_id=None, key="req:1")
    again = save_quote(db, q, email_id=None, key="req:1")
    assert first.number == again.number == "Q-20261125-0001"
    assert quote_by_key(db, "req:1") == first
    assert save_quote(db, q, email_id=None, key="req:2").number == "Q-20261125-0002"


def test_concurrent_writers_get_unique_gap_free_numbers(tmp_path: Path, card: RateCard) -> None:
    fresh_db(tmp_path).close()
    q = price(Shipment(mode="sea", containers="1x20GP"), card, 500, today=DAY)
    got: list[str] = []
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        db = connect(tmp_path / "busybee.db", synchronous="normal")
        try:
            for _ in range(n):
                got.append(save_quote(db, q, email_id=None).number or "")
                got.append(save_booking(db, q.shipment, email_id=None, day=DAY)[0])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(25,)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    quotes = sorted(n for n in got if n.startswith("Q-"))
    bookings = sorted(n for n in got if n.startswith("B-"))
    assert quotes == [f"Q-20261125-{i:04d}" for i in range(1, 151)]
    assert bookings == [f"B-20261125-{i:04d}" for i in range(1, 151)]


def test_booking_keeps_its_fields(tmp_path: Path) -> None:
    db = fresh_db(tmp_path)
    s = Shipment(origin="Bangkok", destination="Busan", mode="sea", containers="2x40HC", commodity="rice",
                 ready_date="2026-12-03", incoterm="FOB", packages=40)
    number, created = save_booking(db, s, email_id=None, day=DAY, key="order:7", language="th")
    assert created and re.fullmatch(r"B-20261125-0001", number)
    assert save_booking(db, s, email_id=None, day=DAY, key="order:7") == (number, False)
    row = load_booking(db, number)
    assert row is not None and row["shipment"] == s
    assert (row["origin"], row["containers"], row["incoterm"], row["packages"]) == ("Bangkok", "2x40HC", "FOB", 40)
