"""A throwaway dovecot from a world-traversable temp dir: IMAP + STARTTLS + IMAPS, Maildir delivery helpers.

Works as root (login as dovenull, mail as dovecot, Maildirs chowned to it) and as a normal user
(every service as you, no chroot). Optional oauth2 passdb pointing at a loopback introspection URL.
"""

from __future__ import annotations

import os
import pwd
import re
import signal
import socket
import subprocess
import time
import uuid
from contextlib import suppress
from pathlib import Path

USERS = {"alice": "alicepw", "bob": "bobpw"}
# what dovecot 2.3 advertises after login, minus IDLE and MOVE (for the fallback tests)
BASE_CAPABILITY = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS "
    "THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS "
    "LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH "
    "LIST-STATUS BINARY SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE"
)


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, seconds: float = 10.0) -> None:
    """Block until something accepts on 127.0.0.1:port."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"port {port} did not open within {seconds}s") from None
            time.sleep(0.05)


def make_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1 (it is its own CA for the tests)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    if not cert.exists():
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=60,
        )
        cert.chmod(0o644)
        key.chmod(0o644)
    return cert, key


class Dovecot:
    """One dovecot instance: config, process, Maildirs and log, all under `root` (chmod 711)."""

    def __init__(
        self,
        root: Path,
        binary: str = "dovecot",
        *,
        idle: bool = True,
        move: bool = True,
        introspection_url: str | None = None,
    ) -> None:
        self.root = root
        self.binary = binary
        self.idle = idle
        self.move = move
        self.introspection_url = introspection_url
        self.port = free_port()
        self.sport = free_port()
        self.host = "127.0.0.1"
        self.log = root / "dovecot.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.as_root = os.geteuid() == 0
        self.cert, self.key = make_cert(root)
        self._seq = 0
        self.instance = f"busybee-test-{root.name}"

    # -- configuration ---------------------------------------------------------------------------

    def _identity(self) -> dict[str, str]:
        if self.as_root:
            uid = pwd.getpwnam("dovecot").pw_uid
            return {"login": "dovenull", "internal": "dovecot", "group": "dovecot", "mail": "dovecot",
                    "first_uid": str(uid), "chroot": ""}
        me = pwd.getpwuid(os.geteuid())
        import grp

        group = grp.getgrgid(os.getegid()).gr_name
        return {"login": me.pw_name, "internal": me.pw_name, "group": group, "mail": me.pw_name,
                "first_uid": str(me.pw_uid), "chroot": "chroot ="}

    def write_config(self) -> Path:
        """Write dovecot.conf, the users file and (if asked) the oauth2 passdb file."""
        d = self.root
        ident = self._identity()
        (d / "run").mkdir(exist_ok=True)
        (d / "state").mkdir(exist_ok=True)
        users = d / "users"
        users.write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in USERS.items()))
        users.chmod(0o644)
        mechanisms = "plain login"
        passdbs = f"""
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%n {users}
}}"""
        if self.introspection_url:
            mechanisms += " xoauth2 oauthbearer"
            oauth = d / "dovecot-oauth2.conf.ext"
            oauth.write_text(
                f"introspection_mode = post\nintrospection_url = {self.introspection_url}\n"
                "force_introspection = yes\nusername_attribute = username\n"
                "active_attribute = active\nactive_value = true\n"
            )
            oauth.chmod(0o644)
            passdbs += f"""
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {oauth}
}}"""
        offered = BASE_CAPABILITY + (" IDLE" if self.idle else "") + (" MOVE" if self.move else "")
        capability = "" if self.idle and self.move else f"imap_capability = {offered}\n"
        conf = d / "dovecot.conf"
        conf.write_text(f"""# generated by tests/services/dovecot.py
base_dir = {d}/run
state_dir = {d}/state
instance_name = {self.instance}
log_path = {self.log}
info_log_path = {self.log}
protocols = imap
listen = 127.0.0.1
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
auth_failure_delay = 0
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
default_login_user = {ident['login']}
default_internal_user = {ident['internal']}
default_internal_group = {ident['group']}
mail_uid = {ident['mail']}
mail_gid = {ident['group']}
first_valid_uid = {ident['first_uid']}
mail_location = maildir:{d}/mail/%n/Maildir
mailbox_idle_check_interval = 1 secs
imap_logout_format = in=%i out=%o fetch_body_count=%{{fetch_body_count}} fetch_body_bytes=%{{fetch_body_bytes}}
{capability}{passdbs}
userdb {{
  driver = static
  args = home={d}/mail/%n
}}
service imap-login {{
  {ident['chroot']}
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.sport}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
""")
        for user in USERS:
            self.maildir(user)
        return conf

    # -- process ---------------------------------------------------------------------------------

    def start(self) -> Dovecot:
        """Start `dovecot -F` and wait until both ports accept."""
        conf = self.write_config()
        stdio = (self.root / "dovecot.stdio").open("ab")
        self.proc = subprocess.Popen([self.binary, "-F", "-c", str(conf)], stdin=subprocess.DEVNULL,
                                     stdout=stdio, stderr=stdio)
        stdio.close()
        try:
            wait_port(self.port)
            wait_port(self.sport)
        except TimeoutError as exc:
            self.stop()
            raise RuntimeError(f"dovecot did not start: {self.log_text()[-2000:]}") from exc
        return self

    def stop(self) -> None:
        """End the master and every process of this instance (only ours), as fast as a crash would."""
        if self.proc is not None:
            # SIGTERM makes the master linger ~1 s per test, and dovecot 2.3 -F leaves its imap/log/stats
            # children running after the master exits anyway: kill the master, then end the children
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None
        for pid in self._leftovers():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while self._leftovers() and time.monotonic() < deadline:
            time.sleep(0.02)
        for pid in self._leftovers():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def _leftovers(self) -> list[int]:
        """PIDs of processes of this instance (their title starts with our unique instance name)."""
        prefix = f"dovecot-{self.instance}/".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if (entry / "cmdline").read_bytes().startswith(prefix):
                    found.append(int(entry.name))
            except OSError:
                continue
        return found

    def restart(self) -> None:
        """Stop and start again on the same ports."""
        self.stop()
        self.start()

    # -- mail ------------------------------------------------------------------------------------

    def maildir(self, user: str, folder: str = "INBOX") -> Path:
        """The Maildir (created, owned by the mail user) of `user`'s `folder` (Maildir++ layout)."""
        base = self.root / "mail" / user / "Maildir"
        path = base if folder == "INBOX" else base / f".{folder}"
        for sub in ("cur", "new", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        if self.as_root:
            uid = pwd.getpwnam("dovecot").pw_uid
            for p in (self.root / "mail", self.root / "mail" / user, base, path,
                      path / "cur", path / "new", path / "tmp"):
                os.chown(p, uid, uid)
        return path

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX", *, seen: bool = False) -> Path:
        """Drop one message into the Maildir the way an MDA does (tmp/ then rename into new/ or cur/)."""
        md = self.maildir(user, folder)
        self._seq += 1
        name = f"{time.time_ns()}.M{self._seq}P{os.getpid()}_{uuid.uuid4().hex[:8]}.busybee"
        tmp = md / "tmp" / name
        tmp.write_bytes(raw)
        if self.as_root:
            uid = pwd.getpwnam("dovecot").pw_uid
            os.chown(tmp, uid, uid)
        dest = md / "cur" / f"{name}:2,S" if seen else md / "new" / name
        tmp.rename(dest)
        return dest

    def log_text(self) -> str:
        """Everything dovecot logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def fetch_body_count(self) -> int:
        """Message bodies sent by the server, summed over the sessions that have ended (from the log)."""
        return sum(int(n) for n in re.findall(r"fetch_body_count=(\d+)", self.log_text()))

    def account_toml(self, name: str = "sales", user: str = "alice", *, security: str = "tls",
                     folders: tuple[str, ...] = ("INBOX",), **extra: object) -> str:
        """A [[mail.imap]] table for this server (TOML), trusting its certificate."""
        port = {"tls": self.sport}.get(security, self.port)
        lines = [
            "[[mail.imap]]", f'name = "{name}"', 'host = "127.0.0.1"', f"port = {port}",
            f'security = "{security}"', f'ca_file = "{self.cert}"', f'username = "{user}"',
            "folders = [" + ", ".join(f'"{f}"' for f in folders) + "]",
        ]
        if security == "plain":
            lines.append("allow_plain = true")
        if "password" not in extra and "password_command" not in extra and extra.get("auth") != "xoauth2":
            lines.append(f'password = "{USERS[user]}"')
        oauth = extra.pop("oauth2", None)
        for key, value in extra.items():
            lines.append(f"{key} = {_toml(value)}")
        if isinstance(oauth, dict):
            lines.append("[mail.imap.oauth2]")
            lines.extend(f"{k} = {_toml(v)}" for k, v in oauth.items())
        return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'

