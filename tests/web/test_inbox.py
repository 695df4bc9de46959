"""The inbox page: login required, lists stored emails, escapes hostile content."""

from __future__ import annotations

from tests.web.conftest import WebWorld


def mail(subject: str, sender: str = "Kim <kim@example.kr>", mid: str = "1@x") -> bytes:
    return (f"From: {sender}\r\nSubject: {subject}\r\nMessage-ID: <{mid}>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n").encode()


def test_pages_need_login(web: WebWorld) -> None:
    for path in ("/inbox", "/inbox/1", "/"):
        r = web.client.get(path, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login") or r.headers["location"] == "/inbox"
    assert web.client.get("/inbox", follow_redirects=False).headers["location"] == "/login?next=/inbox"


def test_wrong_password_is_refused(web: WebWorld) -> None:
    page = web.client.get("/login")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = web.client.post("/login", data={"username": "admin", "password": "nope", "csrf": csrf})
    assert r.status_code == 401 and "Wrong username or password" in r.text
    assert web.client.get("/inbox", follow_redirects=False).status_code == 303


def test_login_without_csrf_token_is_refused(web: WebWorld) -> None:
    from tests.web.conftest import PASSWORD

    r = web.client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 401


def test_repeated_failures_lock_the_username(web: WebWorld) -> None:
    from tests.web.conftest import PASSWORD

    page = web.client.get("/login")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    for _ in range(5):
        web.client.post("/login", data={"username": "admin", "password": "bad", "csrf": csrf})
    r = web.client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf})
    assert r.status_code == 401 and "Too many failed attempts" in r.text


def test_inbox_lists_emails_with_sender_subject_status(web: WebWorld) -> None:
    web.ingestor.ingest(mail("부산-LA 40HC 견적 요청", mid="a@x"), "t:1")
    web.ingestor.ingest(mail("Rate request SHA-LAX", sender="Jane <jane@acme.com>", mid="b@x"), "t:2")
    web.login()
    r = web.client.get("/inbox")
    assert r.status_code == 200
    assert "부산-LA 40HC 견적 요청" in r.text and "jane@acme.com" in r.text and "2 emails" in r.text
    assert r.text.count('data-email-id="') == 2
    assert "received" in r.text


def test_hostile_subject_is_escaped(web: WebWorld) -> None:
    web.ingestor.ingest(mail("<script>alert(1)</script><img src=x onerror=alert(2)>"), "t:1")
    web.login()
    html = web.client.get("/inbox").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


def test_email_detail_and_404(web: WebWorld) -> None:
    r = web.ingestor.ingest(mail("Detail me"), "t:1")
    web.login()
    assert "Detail me" in web.client.get(f"/inbox/{r.email_id}").text
    assert web.client.get("/inbox/9999").status_code == 404


def test_logout_ends_the_session(web: WebWorld) -> None:
    web.login()
    page = web.client.get("/inbox")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    web.client.post("/logout", data={"csrf": csrf})
    assert web.client.get("/inbox", follow_redirects=False).status_code == 303


def test_open_redirect_after_login_is_refused(web: WebWorld) -> None:
    from tests.web.conftest import PASSWORD

    page = web.client.get("/login?next=https://evil.example/")
    assert 'value="/inbox"' in page.text
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = web.client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": csrf,
                                        "next": "//evil.example/"}, follow_redirects=False)
    assert r.headers["location"] == "/inbox"


def test_healthz_and_metrics_are_open(web: WebWorld) -> None:
    assert web.client.get("/healthz").json()["ok"] is True
    text = web.client.get("/metrics").text
    assert "busybee_emails_ingested" in text and "busybee_parse_failures" in text


def test_inbox_shows_label_confidence_model_and_review_flag(web: WebWorld) -> None:
    from gateway.classify.job import store_prediction
    from gateway.classify.model import Prediction

    sure = web.ingestor.ingest(mail("Rate request BKK-NRT", mid="c1@x"), "t:1")
    unsure = web.ingestor.ingest(mail("hmm", mid="c2@x"), "t:2")
    db = web.ingestor.db
    db.execute("UPDATE emails SET status = 'parsed'")
    scores = {"quote": 0.97, "order": 0.01, "inquiry": 0.01, "spam": 0.005, "other": 0.005}
    store_prediction(db, sure.email_id or 0, Prediction("quote", 0.97, scores, "2026.11.25-s0"), 0.6, 1.0)
    store_prediction(db, unsure.email_id or 0, Prediction("other", 0.41, scores, "2026.11.25-s0"), 0.6, 1.0)
    web.login()
    page = web.client.get("/inbox").text
    row = page.split(f'data-email-id="{sure.email_id}"', 1)[1].split("</tr>", 1)[0]
    assert "quote" in row and "97%" in row and "review" not in row and "classified" in row
    row = page.split(f'data-email-id="{unsure.email_id}"', 1)[1].split("</tr>", 1)[0]
    assert "other" in row and "41%" in row and "review" in row
    detail = web.client.get(f"/inbox/{sure.email_id}").text
    assert "model 2026.11.25-s0" in detail
