"""A throwaway mosquitto running the gateway's GENERATED config, password file and ACL, owned by a Python object.

The broker runs in the foreground as a child process (stdio to a file); as root the generated config names
the current user (`user root`), otherwise mosquitto 2.x drops to `mosquitto` and cannot write its files.
"""

from __future__ import annotations

import getpass
import os
import signal
import subprocess
import time
from pathlib import Path

from gateway.cameras.broker import BrokerPlan, render_config, write_broker_files
from tests.services.dovecot import free_port, make_cert, wait_port


class Mosquitto:
    """One broker under `root`, on 127.0.0.1 and a fixed port across restarts."""

    def __init__(self, root: Path, binary: str = "mosquitto", port: int | None = None) -> None:
        self.root = root
        self.binary = binary
        self.port = port or free_port()
        self.tls_port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> str:
        """The broker's log so far."""
        path = self.root / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def configure(self, plan: BrokerPlan, *, max_packet_bytes: int = 262_144, tls: bool = False) -> None:
        """Write the generated files for `plan` (standalone, loopback, as the current user; optional TLS listener)."""
        cert = key = None
        if tls:
            cert, key = make_cert(self.root)
            self.tls_port = self.tls_port or free_port()
        text = render_config(self.root, port=self.port, bind="127.0.0.1", max_packet_bytes=max_packet_bytes,
                             standalone=True, run_as=getpass.getuser() if os.getuid() == 0 else None,
                             tls_port=self.tls_port if tls else None, certfile=cert, keyfile=key)
        write_broker_files(self.root, plan, config_text=text)

    def start(self) -> None:
        """Start the broker and wait for its port."""
        out = open(self.root / "mosquitto.stdio", "ab")  # noqa: SIM115 - the child owns it
        self.proc = subprocess.Popen([self.binary, "-c", str(self.root / "mosquitto.conf")], stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=subprocess.STDOUT)
        out.close()
        try:
            wait_port(self.port, 10)
        except TimeoutError:
            raise RuntimeError(f"mosquitto did not start:\n{self.log}\n"
                               f"{(self.root / 'mosquitto.stdio').read_text(errors='replace')}") from None

    def reload(self) -> None:
        """SIGHUP: mosquitto re-reads the password file and ACL."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)

    def stop(self) -> None:
        """Stop the broker (SIGTERM, then SIGKILL)."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def restart(self, down_seconds: float = 0.5) -> None:
        """Stop, stay down for a moment, start again on the same port."""
        self.stop()
        time.sleep(down_seconds)
        self.start()
