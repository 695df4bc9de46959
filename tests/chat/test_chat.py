"""The chat page and its WebSocket carry the same conversation as the emails; the token is the only credential."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from gateway.chat.errors import LinkInvalid
from gateway.chat.links import ChatLinks
from tests.chat.conftest import login, token_for
from tests.desk.conftest import DeskWorld
from tests.desk.helpers import text_of
from tests.desk.test_desk import AIR_KO


def _until_state(ws, events: list[dict]) -> dict:  # type: ignore[no-untyped-def, type-arg]
    while True:
        event = ws.receive_json()
        events.append(event)
        if event["type"] == "state":
            return event  # type: ignore[no-any-return]


def test_the_chat_continues_the_email_conversation_to_a_quote(desk_world: DeskWorld, client: TestClient) -> None:
    desk_world.receive(AIR_KO, subject="항공 견적 요청")
    token = token_for(desk_world)
    page = client.get(f"/chat/{token}")
    assert page.status_code == 200
    assert "운송 요청 R-000001" in page.text and '<script src="/chat/static/chat.js">' in page.text
    assert "<script>" not in page.text  # the CSP forbids inline script
    assert client.get("/chat/static/chat.js").status_code == 200
    with client.websocket_connect(f"/chat/{token}/ws") as ws:
        events: list[dict] = []  # type: ignore[type-arg]
        state = _until_state(ws, events)
        turns = [e for e in events if e["type"] == "turn"]
        assert [t["who"] for t in turns] == ["customer", "bot"] and "총중량" in turns[1]["text"]
        assert state["state"] == "collecting" and not state["confirming"]
        ws.send_json({"text": "무게는 120 kg 입니다"})
        events = []
        state = _until_state(ws, events)
        assert state["confirming"]
        bot = [e for e in events if e["type"] == "turn" and e["who"] == "bot"][-1]
        assert "120 kg" in bot["text"] and "맞습니까" in bot["text"] and bot["channel"] == "chat"
        ws.send_json({"text": "네"})
        events = []
        state = _until_state(ws, events)
        assert state["state"] == "quoted" and not state["open"]
    req = desk_world.request()
    assert req.state == "quoted" and req.outcome
    quote = desk_world.sent()[-1]
    assert quote["To"] == "minsu@example.kr" and "330.00" in text_of(quote)
    assert len(desk_world.sent()) == 2  # the clarification and the quote: the chat itself sends no email


def test_an_email_reply_shows_up_in_an_open_chat(desk_world: DeskWorld, client: TestClient) -> None:
    desk_world.receive(AIR_KO, subject="항공 견적 요청")
    with client.websocket_connect(f"/chat/{token_for(desk_world)}/ws") as ws:
        _until_state(ws, [])
        ask = desk_world.sent()[-1]
        desk_world.receive("120kg", subject=f"Re: {ask['Subject']}", label="other", in_reply_to=ask["Message-ID"])
        events: list[dict] = []  # type: ignore[type-arg]
        state = _until_state(ws, events)
        assert state["confirming"] and [e["channel"] for e in events if e["type"] == "turn"] == ["email", "email"]


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), lambda t: "x" + t,
                                    lambda t: "not-a-token"])
def test_a_forged_token_opens_nothing(desk_world: DeskWorld, client: TestClient, mangle) -> None:  # type: ignore[no-untyped-def]
    desk_world.receive(AIR_KO, subject="항공 견적 요청")
    bad = mangle(token_for(desk_world))
    page = client.get(f"/chat/{bad}")
    assert page.status_code == 404 and "expired or is not valid" in page.text and "R-000001" not in page.text
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(f"/chat/{bad}/ws") as ws:
        ws.receive_json()
    assert closed.value.code == 4403


def test_a_link_expires(desk_world: DeskWorld) -> None:
    links = ChatLinks("secret", "https://gw.example/", 1.0)
    token = links.token(7)
    assert links.link(7) == f"https://gw.example/chat/{token}"
    assert links.request_id(token) == 7
    later = ChatLinks("secret", "https://gw.example", 1.0, clock=lambda: time.time() + 3601)
    with pytest.raises(LinkInvalid, match="expired"):
        later.request_id(token)
    with pytest.raises(LinkInvalid):
        ChatLinks("other secret", "https://gw.example", 1.0).request_id(token)


def test_staff_see_requests_and_hand_overs_after_login(desk_world: DeskWorld, client: TestClient) -> None:
    desk_world.receive(AIR_KO, subject="항공 견적 요청")
    for n in range(desk_world.settings.desk.max_reasks + 1):
        desk_world.receive(f"글쎄요 {n}", subject="Re: 항공 견적 요청 [R-000001]", label="other",
                           in_reply_to=desk_world.sent()[-1]["Message-ID"])
    assert client.get("/requests", follow_redirects=False).status_code == 303
    login(client)
    page = client.get("/requests")
    assert page.status_code == 200 and "R-000001" in page.text and "handed_over" in page.text
    assert "answers were not understood" in page.text
    detail = client.get("/requests/1")
    assert detail.status_code == 200 and "글쎄요 0" in detail.text and "Incheon" in detail.text
    assert client.get("/requests/99").status_code == 404


def test_staff_take_over_and_the_desk_stops_answering(desk_world: DeskWorld, client: TestClient) -> None:
    desk_world.receive(AIR_KO, subject="항공 견적 요청")
    login(client)
    page = client.get("/requests/1")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert client.post("/requests/1/state", data={"state": "closed", "csrf": "forged"}).status_code == 400
    r = client.post("/requests/1/state", data={"state": "handed_over", "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    req = desk_world.request()
    assert req.state == "handed_over" and req.handover_reason == "taken over by clerk"
    sent = len(desk_world.sent())
    ask = desk_world.sent()[-1]
    desk_world.receive("120kg", subject=f"Re: {ask['Subject']}", label="other", in_reply_to=ask["Message-ID"])
    assert len(desk_world.sent()) == sent and desk_world.request().attention  # staff's now, flagged
    client.post("/requests/1/state", data={"state": "closed", "csrf": csrf})
    assert desk_world.request().state == "closed"


def test_staff_let_the_desk_answer_a_request_held_for_its_uncertain_label(desk_world: DeskWorld,
                                                                          client: TestClient) -> None:
    desk_world.receive(AIR_KO, subject="항공 견적 요청", confidence=0.4)
    assert desk_world.request().state == "handed_over" and desk_world.sent() == []
    login(client)
    page = client.get("/requests/1")
    assert 'id="release"' in page.text and "confidence 0.40" in page.text
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert client.post("/requests/1/release", data={"csrf": "forged"}).status_code == 400
    r = client.post("/requests/1/release", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    req = desk_world.request()
    assert req.state == "collecting" and not req.attention and req.handover_reason is None
    assert len(desk_world.sent()) == 1 and "총중량" in text_of(desk_world.sent()[0])  # asks for the weight
    # once the desk has answered, there is nothing to release any more
    assert client.post("/requests/1/release", data={"csrf": csrf}).status_code == 409
    assert 'id="release"' not in client.get("/requests/1").text
    assert client.post("/requests/99/release", data={"csrf": csrf}).status_code == 404
