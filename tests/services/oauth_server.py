"""A loopback OAuth2 provider: a refresh-token endpoint and the token-introspection endpoint dovecot asks."""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


class OAuthProvider:
    """Issues access tokens for refresh tokens and answers RFC 7662 introspection for dovecot."""

    def __init__(self, *, expires_in: int = 3600) -> None:
        self.expires_in = expires_in
        self.access: dict[str, str] = {}  # access token -> username
        self.refresh: dict[str, tuple[str, str]] = {}  # refresh token -> (client_id, username)
        self.token_requests: list[dict[str, str]] = []
        self.introspections = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="oauth", daemon=True)

    @property
    def url(self) -> str:
        """Base URL of the provider."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> OAuthProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def issue(self, username: str) -> str:
        """A fresh valid access token for `username`."""
        token = "at-" + secrets.token_urlsafe(24)
        with self._lock:
            self.access[token] = username
        return token

    def add_refresh_token(self, client_id: str, username: str) -> str:
        """A refresh token a client may exchange for access tokens."""
        token = "rt-" + secrets.token_urlsafe(24)
        with self._lock:
            self.refresh[token] = (client_id, username)
        return token

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.token_requests.append(form)
            grant = self.refresh.get(form.get("refresh_token", ""))
        if form.get("grant_type") != "refresh_token" or grant is None or grant[0] != form.get("client_id"):
            return 400, {"error": "invalid_grant", "error_description": "refresh token unknown or revoked"}
        return 200, {"access_token": self.issue(grant[1]), "token_type": "Bearer", "expires_in": self.expires_in}

    def _introspect(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.introspections += 1
            user = self.access.get(form.get("token", ""))
        if user is None:
            return 200, {"active": "false"}
        return 200, {"active": "true", "username": user, "exp": int(time.time()) + self.expires_in}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                if self.path.startswith("/token"):
                    status, doc = provider._token(form)
                elif self.path.startswith("/introspect"):
                    status, doc = provider._introspect(form)
                else:
                    status, doc = 404, {"error": "not_found"}
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
