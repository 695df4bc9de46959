"""A loopback OpenAI-compatible chat-completions server: good JSON, schema violations, garbage, slow answers.

The real `openai` client talks to it unmodified (POST {base}/chat/completions); it records every request.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Behaviour = Literal["json", "garbage", "slow", "error"]


class OpenAIServer:
    """Answers chat completions with `content` (a dict is sent as JSON text) the way `behaviour` says."""

    def __init__(self) -> None:
        self.behaviour: Behaviour = "json"
        self.content: Any = {}
        self.delay_seconds = 5.0
        self.usage = (120, 40)  # prompt, completion tokens reported per answer
        self.requests: list[dict[str, Any]] = []
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="openai", daemon=True)

    @property
    def base_url(self) -> str:
        """What an OpenAI client takes as base_url."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> OpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def prompts(self) -> list[str]:
        """The user messages received, in order."""
        with self._lock:
            return [m["content"] for r in self.requests for m in r.get("messages", []) if m.get("role") == "user"]

    def _answer(self, body: dict[str, Any]) -> tuple[int, bytes]:
        if self.behaviour == "error":
            return 500, json.dumps({"error": {"message": "model crashed", "type": "server_error"}}).encode()
        if self.behaviour == "slow":
            self._release.wait(self.delay_seconds)
        if self.behaviour == "garbage":
            content = "Sure! Here are the fields you asked for: origin is Busan :)"
        else:
            content = self.content if isinstance(self.content, str) else json.dumps(self.content)
        prompt, completion = self.usage
        reply = {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "test"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        }
        return 200, json.dumps(reply).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self.send_error(404)
                    return
                with server._lock:
                    server.requests.append(body)
                status, payload = server._answer(body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        return Handler
