"""The one definition of the camera wire format: MQTT topics and the JSON payloads of status and commands.

    busybee/<gw>/cam/<cam>/frame         JPEG bytes (QoS 0/1, not retained)
    busybee/<gw>/cam/<cam>/status        JSON `Status`, retained; echoes the last command applied (`ack`)
    busybee/<gw>/cam/<cam>/availability  `online` / `offline`, retained, the camera's last will
    busybee/<gw>/cam/<cam>/cmd           JSON `Command` to the camera (QoS 1, not retained)
    busybee/<gw>/sensors/<board>/state   JSON latest temperature/humidity (published for Home Assistant)
    busybee/<gw>/sensors/<board>/gps     JSON latest GPS fix (Home Assistant device_tracker attributes)
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gateway.cameras.errors import CommandError, FrameRejected

ROOT = "busybee"
ID_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"
CAMERA_ID = re.compile(ID_PATTERN)
KINDS = ("frame", "status", "availability", "cmd")
AVAILABILITY = ("online", "offline")
MAX_STATUS_BYTES = 4096
# the OV2640 frame sizes the ESP32 camera driver knows (esp_camera.h framesize_t)
RESOLUTIONS = ("96X96", "QQVGA", "QCIF", "HQVGA", "240X240", "QVGA", "CIF", "HVGA", "VGA", "SVGA", "XGA", "HD",
               "SXGA", "UXGA")
COMMANDS = ("fps", "quality", "resolution", "snap")
FPS_RANGE = (1, 30)
QUALITY_RANGE = (10, 63)  # esp_camera JPEG quality: lower is better; under 10 frames get too big for MQTT


def valid_camera_id(cam: str) -> bool:
    """Whether `cam` can be a camera id (and therefore a broker username and a topic level)."""
    return bool(CAMERA_ID.match(cam))


@dataclass(frozen=True)
class Topics:
    """Topic names of one gateway."""

    gateway: str

    @property
    def base(self) -> str:
        """Prefix of every topic of this gateway."""
        return f"{ROOT}/{self.gateway}"

    def camera(self, cam: str, kind: str) -> str:
        """`busybee/<gw>/cam/<cam>/<kind>`."""
        if kind not in KINDS:
            raise ValueError(f"unknown camera topic kind {kind!r}")
        return f"{self.base}/cam/{cam}/{kind}"

    def frame(self, cam: str) -> str:
        """Where camera `cam` publishes JPEG frames."""
        return self.camera(cam, "frame")

    def status(self, cam: str) -> str:
        """Where camera `cam` publishes its retained status."""
        return self.camera(cam, "status")

    def availability(self, cam: str) -> str:
        """Where camera `cam` publishes online/offline (its last will)."""
        return self.camera(cam, "availability")

    def cmd(self, cam: str) -> str:
        """Where the gateway sends commands to camera `cam`."""
        return self.camera(cam, "cmd")

    def subscriptions(self) -> list[str]:
        """What the gateway subscribes to for every camera."""
        return [f"{self.base}/cam/+/{kind}" for kind in ("frame", "status", "availability")]

    def parse(self, topic: str) -> tuple[str, str] | None:
        """(camera id, kind) of a camera topic of this gateway; None for anything else."""
        parts = topic.split("/")
        if len(parts) != 5 or parts[0] != ROOT or parts[1] != self.gateway or parts[2] != "cam":
            return None
        if parts[4] not in KINDS or not valid_camera_id(parts[3]):
            return None
        return parts[3], parts[4]

    def sensor_state(self, board: str) -> str:
        """Latest temperature/humidity of a sensor board (for Home Assistant)."""
        return f"{self.base}/sensors/{board}/state"

    def sensor_gps(self, board: str) -> str:
        """Latest GPS fix of a sensor board (for Home Assistant's device_tracker)."""
        return f"{self.base}/sensors/{board}/gps"

    def gateway_availability(self) -> str:
        """The gateway's own online/offline (its last will), used by Home Assistant entities."""
        return f"{self.base}/availability"


class Status(BaseModel):
    """A camera's retained status: its current settings, health, and the id of the last command applied."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    fw: str | None = Field(default=None, max_length=64)
    fps: int | None = Field(default=None, ge=0, le=60)
    quality: int | None = Field(default=None, ge=0, le=63)
    resolution: str | None = Field(default=None, max_length=16)
    rssi: int | None = Field(default=None, ge=-127, le=0)
    uptime_s: int | None = Field(default=None, ge=0)
    frames_sent: int | None = Field(default=None, ge=0)
    frames_dropped: int | None = Field(default=None, ge=0)
    heap_free: int | None = Field(default=None, ge=0)
    ack: str | None = Field(default=None, max_length=64)
    error: str | None = Field(default=None, max_length=200)


def parse_status(payload: bytes) -> Status:
    """Validate a status payload; FrameRejected("bad_status") for anything else."""
    if len(payload) > MAX_STATUS_BYTES:
        raise FrameRejected("bad_status", f"status of {len(payload)} bytes (limit {MAX_STATUS_BYTES})")
    try:
        data = json.loads(payload.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return Status.model_validate(data)
    except (UnicodeDecodeError, ValueError, ValidationError) as exc:
        raise FrameRejected("bad_status", f"status is not valid: {str(exc)[:120]}") from None


def parse_availability(payload: bytes) -> Literal["online", "offline"]:
    """`online` or `offline`; FrameRejected("bad_availability") for anything else."""
    text = payload.strip().decode("ascii", errors="replace").lower()
    if text == "online":
        return "online"
    if text == "offline":
        return "offline"
    raise FrameRejected("bad_availability", f"availability must be online or offline, not {text[:20]!r}")


class Command(BaseModel):
    """A command to a camera: `fps` (int), `quality` (int), `resolution` (frame size name) or `snap`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12], pattern=r"^[A-Za-z0-9_-]{1,64}$")
    cmd: Literal["fps", "quality", "resolution", "snap"]
    value: int | str | None = None

    @model_validator(mode="after")
    def _value_fits(self) -> Command:
        if self.cmd == "snap":
            if self.value is not None:
                raise ValueError("snap takes no value")
        elif self.cmd == "resolution":
            if not isinstance(self.value, str) or self.value.upper() not in RESOLUTIONS:
                raise ValueError(f"resolution must be one of {', '.join(RESOLUTIONS)}")
            object.__setattr__(self, "value", self.value.upper())
        else:
            low, high = FPS_RANGE if self.cmd == "fps" else QUALITY_RANGE
            if isinstance(self.value, bool) or not isinstance(self.value, int) or not low <= self.value <= high:
                raise ValueError(f"{self.cmd} must be an integer from {low} to {high}")
        return self

    def payload(self) -> bytes:
        """The JSON bytes published on the cmd topic."""
        return json.dumps(self.model_dump(exclude_none=True), separators=(",", ":")).encode()


def make_command(cmd: str, value: Any = None) -> Command:
    """Build and validate a command from loose input (a form or the CLI); CommandError when invalid."""
    if cmd not in COMMANDS:
        raise CommandError(f"unknown command {cmd!r}: use one of {', '.join(COMMANDS)}")
    if cmd in ("fps", "quality") and isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise CommandError(f"{cmd} needs an integer, not {value!r}") from None
    if cmd == "snap" and value in ("", None):
        value = None
    try:
        return Command(cmd=cmd, value=value)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise CommandError(f"invalid {cmd} command: {exc.errors()[0]['msg'].removeprefix('Value error, ')}") from None
