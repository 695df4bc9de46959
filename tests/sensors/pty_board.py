"""A sensor board on a real pseudo-terminal behind a stable symlink, which can be unplugged and replugged."""

from __future__ import annotations

import os
import tty
from pathlib import Path


class PtyBoard:
    """The master side of a pty; the gateway opens `link` (like a udev name) and gets the slave."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master: int | None = None
        self._slave: int | None = None
        self.plug()

    def plug(self) -> None:
        """A new pty under the same link (a replugged USB board gets a new ttyACM, the udev link follows)."""
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing before the gateway configures the port
        tmp = self.link.with_name(self.link.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(slave))
        os.replace(tmp, self.link)
        self.master, self._slave = master, slave

    def unplug(self) -> None:
        """The board disappears: the gateway's next read fails."""
        for fd in (self.master, self._slave):
            if fd is not None:
                os.close(fd)
        self.master = self._slave = None
        self.link.unlink(missing_ok=True)

    def write(self, data: bytes) -> None:
        """Send bytes as the board would (blocks while the gateway is not reading, like a full UART buffer)."""
        assert self.master is not None, "unplugged"
        view = memoryview(data)
        while view:
            n = os.write(self.master, view[:1024])
            view = view[n:]

    def close(self) -> None:
        """Release everything."""
        self.unplug()
