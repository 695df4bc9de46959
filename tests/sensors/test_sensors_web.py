"""The sensors page: login required, latest values, SVG charts with the band, the GPS track, alerts."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from gateway.config import Settings
from gateway.metrics import Metrics
from gateway.sensors.alerts import AlertBook
from gateway.sensors.charts import chart_svg, track_svg
from gateway.sensors.gps import Fix
from gateway.sensors.nmea import Env, Hello
from gateway.sensors.store import SensorStore
from gateway.store import open_db
from gateway.web.app import WebState, create_app
from gateway.web.users import add_user

PASSWORD = "correct horse battery"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    db = open_db(settings)
    add_user(db, "clerk", PASSWORD)
    state = WebState(settings, lambda: open_db(settings, migrate_schema=False), Metrics())
    with TestClient(create_app(state)) as c:
        yield c


def login(client: TestClient) -> None:
    csrf = client.get("/login").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303


def fill(settings: Settings, now: float) -> None:
    db = open_db(settings)
    store = SensorStore(db, gps_store_seconds=0)
    store.record("uno-42", "/dev/busybee-uno", [Hello("1.3.0", "uno-42")], 1, now - 7200)
    for i in range(120):  # two hours, one reading a minute, warming up past the band at the end
        ts = now - 7200 + i * 60
        temp = 5.0 + i * 0.05
        store.record("uno-42", "/dev/busybee-uno", [Env(i, temp, 60.0 - i * 0.1, "OK")], 1, ts)
        lat = 51.9 + i * 1e-4
        store.record("uno-42", "/dev/busybee-uno",
                     [Fix(datetime.fromtimestamp(ts, UTC), lat, 4.5 + i * 5e-5, 12.0, 45.0, 1, 8, 0.9, 3)], 1, ts)
    book = AlertBook(db)
    book.raise_("env:uno-42:temperature", "temperature", "warning", "temperature 10.9 °C above 8 °C for 58 min")
    book.raise_("board:uno-42:silent", "board_silent", "critical", "sensor board uno-42 silent for 130 s")
    book.clear("board:uno-42:silent")


def test_sensors_page_requires_login(client: TestClient) -> None:
    r = client.get("/sensors", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/sensors")
    assert client.get("/sensors/latest.json", follow_redirects=False).status_code == 303


def test_page_shows_latest_values_charts_track_and_alerts(client: TestClient, settings: Settings) -> None:
    now = time.time()
    fill(settings, now)
    login(client)
    r = client.get("/sensors?hours=6")
    assert r.status_code == 200 and r.headers["refresh"] == "60"
    html = r.text
    assert 'href="/sensors"' in html  # the nav link
    board = html.split('data-board="uno-42"', 1)[1]
    assert "10.9 °C" in board and "48 %" in board and "firmware 1.3.0" in board
    assert "51.911900, 4.505950" in board and "3D" in board and "8 satellites" in board
    charts = re.findall(r'<svg class="chart".*?</svg>', board, re.S)
    assert len(charts) == 2
    temp_chart = charts[0]
    assert '<rect class="band"' in temp_chart and 'class="avg"' in temp_chart and "°C · min / avg / max" in temp_chart
    avg = re.search(r'<polyline class="avg" points="([^"]+)"', temp_chart)
    assert avg is not None and len(avg.group(1).split()) > 50  # one point per bucket with data
    track = re.search(r'<polyline class="path" points="([^"]+)"', board)
    assert track is not None and len(track.group(1).split()) == 120
    assert "(120 fixes)" in board
    open_section = html.split('id="open-alerts"', 1)[1].split("</section>", 1)[0]
    assert "temperature 10.9 °C above 8 °C" in open_section and "silent" not in open_section
    history = html.split('id="alert-history"', 1)[1]
    assert "sensor board uno-42 silent for 130 s" in history and "closed" in history
    assert "<script" not in html.split('id="open-alerts"', 1)[1]  # nothing inline for the CSP to block


def test_latest_json(client: TestClient, settings: Settings) -> None:
    fill(settings, time.time())
    login(client)
    data = client.get("/sensors/latest.json").json()
    (board,) = data["boards"]
    assert board["reading"]["seq"] == 119 and board["fix"]["satellites"] == 8
    assert [a["kind"] for a in data["open_alerts"]] == ["temperature"]
    assert data["serial"] is None
    json.dumps(data)


def test_empty_page_explains_how_to_start(client: TestClient) -> None:
    login(client)
    html = client.get("/sensors").text
    assert "No sensor board has been seen yet" in html and "No open alert." in html
    assert "serial board not enabled" in html


def test_chart_breaks_the_line_over_a_hole_in_the_data() -> None:
    rows = [{"t": float(t), "tmin": 5.0, "tavg": 5.5, "tmax": 6.0} for t in [*range(0, 100, 10), *range(300, 400, 10)]]
    svg = chart_svg(rows, "t", 0, 400, unit="°C", title="t", band=(2, 8))
    assert svg.count('<polyline class="avg"') == 2 and svg.count('<polygon class="range"') == 2
    assert "no readings" in chart_svg([], "t", 0, 400, unit="°C", title="t")


def test_track_is_projected_in_metres_with_a_scale_bar() -> None:
    fixes = [{"lat": 51.9, "lon": 4.5}, {"lat": 51.9, "lon": 4.5 + 1000 / (111_320 * 0.6170)}]  # ~1 km east
    svg = track_svg(fixes, size=420)
    pts = re.search(r'class="path" points="([^"]+)"', svg)
    assert pts is not None
    (x0, y0), (x1, y1) = [tuple(map(float, p.split(","))) for p in pts.group(1).split()]
    assert y0 == y1 and x1 - x0 == pytest.approx(420 - 48, abs=1)  # east is right, the track fills the frame
    assert ">200 m<" in svg  # a quarter of the extent, rounded down to 1-2-5
    assert "no GPS fix" in track_svg([])
