"""Signed, expiring chat links: the token is the customer's only credential (itsdangerous, key in the data dir)."""

from __future__ import annotations

import time
from collections.abc import Callable

from itsdangerous import BadData, URLSafeTimedSerializer

from gateway.chat.errors import LinkInvalid
from gateway.config import Settings
from gateway.web.auth import secret_key

SALT = "busybee-chat-v1"


class ChatLinks:
    """Makes and checks the chat tokens of requests."""

    def __init__(self, secret: str, base_url: str, valid_hours: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt=SALT)
        self.base_url = base_url.rstrip("/")
        self.max_age = valid_hours * 3600
        self.clock = clock

    @classmethod
    def for_settings(cls, settings: Settings) -> ChatLinks:
        """Links signed with the gateway's web secret, pointing at [desk] public_base_url."""
        return cls(secret_key(settings.data_dir), settings.desk.public_base_url, settings.desk.chat_link_hours)

    def token(self, request_id: int) -> str:
        """A token naming one request."""
        return str(self.serializer.dumps({"r": request_id}))

    def link(self, request_id: int) -> str:
        """The URL a customer opens to chat about this request."""
        return f"{self.base_url}/chat/{self.token(request_id)}"

    def request_id(self, token: str) -> int:
        """The request a token names; LinkInvalid when forged, altered or older than the validity."""
        try:
            data, signed_at = self.serializer.loads(token, max_age=None, return_timestamp=True)
        except BadData as exc:
            raise LinkInvalid("this chat link is not valid") from exc
        if self.clock() - signed_at.timestamp() > self.max_age:
            raise LinkInvalid("this chat link has expired")
        request_id = data.get("r") if isinstance(data, dict) else None
        if not isinstance(request_id, int):
            raise LinkInvalid("this chat link names no request")
        return request_id
