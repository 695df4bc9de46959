"""Secrets for mail logins: a command's output (password_command, token_command) or an OAuth2 refresh flow.

Errors (every one names the account's setting that failed):

    SecretError            a command failed, timed out or printed nothing
    └── TokenError         no XOAUTH2 access token could be obtained (command or token endpoint)
"""

from __future__ import annotations

import shlex
import subprocess
import threading
import time
from collections.abc import Callable

import httpx

from gateway.config import OAuth2Settings

# refresh this long before the provider's expiry, so a token never dies in the middle of a login
EXPIRY_MARGIN_SECONDS = 60.0
DEFAULT_LIFETIME_SECONDS = 3600.0


class SecretError(Exception):
    """A password or token could not be obtained."""


class TokenError(SecretError):
    """No XOAUTH2 access token could be obtained."""


def command_output(command: str, *, what: str, timeout: float = 30.0) -> str:
    """The first line a secret command prints on stdout; SecretError (naming `what`) when it fails."""
    try:
        done = subprocess.run(shlex.split(command), capture_output=True, timeout=timeout, check=False)
    except (OSError, ValueError) as exc:
        raise SecretError(f"{what} could not run: {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise SecretError(f"{what} did not finish within {timeout:g}s") from exc
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SecretError(f"{what} exited with status {done.returncode}" + (f": {err[-1]}" if err else ""))
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    if not lines or not lines[0].strip():
        raise SecretError(f"{what} printed nothing")
    return lines[0].strip()


class TokenSource:
    """Access tokens for one account, cached until shortly before they expire; thread-safe."""

    def __init__(
        self,
        settings: OAuth2Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 30.0,
    ) -> None:
        self.settings = settings
        self.transport = transport
        self.clock = clock
        self.timeout = timeout
        self._token: str | None = None
        self._valid_until = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        """A valid access token (cached, or fetched now)."""
        with self._lock:
            if self._token is None or self.clock() >= self._valid_until:
                self._token, lifetime = self._fetch()
                self._valid_until = self.clock() + max(lifetime - EXPIRY_MARGIN_SECONDS, 0.0)
            return self._token

    def invalidate(self) -> None:
        """Forget the cached token (the server refused it)."""
        with self._lock:
            self._token = None

    def _fetch(self) -> tuple[str, float]:
        s = self.settings
        if s.token_command:
            try:
                token = command_output(s.token_command, what="oauth2.token_command", timeout=self.timeout)
            except SecretError as exc:
                raise TokenError(str(exc)) from exc
            # a command is cheap to ask again; do not trust it for longer than a few minutes
            return token, 300.0 + EXPIRY_MARGIN_SECONDS
        return self._refresh()

    def _refresh(self) -> tuple[str, float]:
        s = self.settings
        assert s.token_url and s.client_id and s.refresh_token  # guaranteed by OAuth2Settings
        form = {"grant_type": "refresh_token", "refresh_token": s.refresh_token, "client_id": s.client_id}
        if s.client_secret:
            form["client_secret"] = s.client_secret
        if s.scope:
            form["scope"] = s.scope
        try:
            with httpx.Client(transport=self.transport, timeout=self.timeout) as client:
                resp = client.post(s.token_url, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise TokenError(f"oauth2.token_url {s.token_url} unreachable: {exc}") from exc
        try:
            doc = resp.json()
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            raise TokenError(f"oauth2.token_url answered HTTP {resp.status_code} without a JSON object")
        if resp.status_code != 200 or "error" in doc:
            reason = doc.get("error_description") or doc.get("error") or "no reason given"
            raise TokenError(f"oauth2.token_url refused the refresh token (HTTP {resp.status_code}): {reason}")
        token = doc.get("access_token")
        if not isinstance(token, str) or not token:
            raise TokenError("oauth2.token_url answered without an access_token")
        expires = doc.get("expires_in", DEFAULT_LIFETIME_SECONDS)
        try:
            lifetime = float(expires)
        except (TypeError, ValueError):
            lifetime = DEFAULT_LIFETIME_SECONDS
        return token, lifetime
