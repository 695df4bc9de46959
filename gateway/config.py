"""Typed settings: one TOML file plus `BUSYBEE_*` environment overrides, validated once at start.

Errors: ConfigError (the only exception this module raises), always naming the key and the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ENV_PREFIX = "BUSYBEE_"
ENV_CONFIG = "BUSYBEE_CONFIG"
SYSTEM_CONFIG = Path("/etc/busybee/busybee.toml")
CONFIG_NAME = "busybee.toml"


class ConfigError(Exception):
    """The configuration cannot be found, read or validated."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GatewaySettings(_Section):
    """Identity and where state lives."""

    id: str = Field(default="gw1", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    data_dir: Path = Path("data")


class StoreSettings(_Section):
    """Database and raw-message store."""

    max_message_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    retention_days: int = Field(default=0, ge=0, description="0 keeps raw mail forever")
    synchronous: Literal["full", "normal"] = "full"


class LogSettings(_Section):
    """Structured logging to stdout."""

    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["json", "text"] = "json"


class WebSettings(_Section):
    """The LAN dashboard."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    session_hours: int = Field(default=12, ge=1)


class JobSettings(_Section):
    """The durable job queue and its workers."""

    workers: int = Field(default=2, ge=0, le=64)
    max_attempts: int = Field(default=6, ge=1)
    backoff_base_seconds: float = Field(default=5.0, gt=0)
    backoff_max_seconds: float = Field(default=3600.0, gt=0)
    lease_seconds: float = Field(default=300.0, gt=0)
    poll_seconds: float = Field(default=0.5, gt=0)
    keep_done_days: int = Field(default=30, ge=0)


class SpoolSettings(_Section):
    """A folder where dropped .eml files are ingested (the embedded default mail source)."""

    enabled: bool = True
    path: Path = Path("spool")
    poll_seconds: float = Field(default=2.0, gt=0)


class OAuth2Settings(_Section):
    """XOAUTH2 token source: a command that prints a token, or a refresh-token flow."""

    token_command: str | None = None
    token_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    refresh_token: str | None = None
    scope: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> OAuth2Settings:
        flow = (self.token_url, self.client_id, self.refresh_token)
        if self.token_command is None and not all(flow):
            raise ValueError("set token_command, or token_url + client_id + refresh_token")
        return self


class ImapAccount(_Section):
    """One IMAP mailbox to poll."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    host: str
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["tls", "starttls", "plain"] = "tls"
    allow_plain: bool = False
    ca_file: Path | None = None
    username: str
    password: str | None = None
    password_command: str | None = None
    auth: Literal["password", "xoauth2"] = "password"
    oauth2: OAuth2Settings | None = None
    folders: list[str] = Field(default_factory=lambda: ["INBOX"], min_length=1)
    after: Literal["seen", "move", "none"] = "seen"
    move_to: str | None = None
    idle: bool = True
    poll_seconds: float = Field(default=60.0, gt=0)
    timeout_seconds: float = Field(default=30.0, gt=0)
    batch_size: int = Field(default=20, ge=1, le=1000)

    @model_validator(mode="after")
    def _consistent(self) -> ImapAccount:
        if self.security == "plain" and not self.allow_plain:
            raise ValueError("security = 'plain' sends the password in clear: set allow_plain = true to accept")
        if self.security == "plain" and self.host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("security = 'plain' is only allowed to localhost")
        if self.after == "move" and not self.move_to:
            raise ValueError("after = 'move' needs move_to")
        if self.auth == "xoauth2" and self.oauth2 is None:
            raise ValueError("auth = 'xoauth2' needs an [oauth2] table")
        if self.auth == "password" and self.password is None and self.password_command is None:
            raise ValueError("auth = 'password' needs password or password_command")
        return self

    @property
    def effective_port(self) -> int:
        """The configured port or the standard one for the security mode."""
        if self.port is not None:
            return self.port
        return 993 if self.security == "tls" else 143


class MailSettings(_Section):
    """Mail sources."""

    spool: SpoolSettings = SpoolSettings()
    imap: list[ImapAccount] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> MailSettings:
        names = [a.name for a in self.imap]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate IMAP account name(s): {', '.join(dupes)}")
        return self


class SmtpSettings(_Section):
    """The outgoing mail server (quotes, clarifications, alert emails)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["tls", "starttls", "none"] = "starttls"
    ca_file: Path | None = None
    username: str | None = None
    password: str | None = None
    from_addr: str = "busybee@localhost"
    timeout_seconds: float = Field(default=30.0, gt=0)

    @property
    def effective_port(self) -> int:
        """The configured port or the standard one for the security mode."""
        if self.port is not None:
            return self.port
        return {"tls": 465, "starttls": 587, "none": 25}[self.security]


class LimitSettings(_Section):
    """Bounds on everything parsed from untrusted mail."""

    max_attachment_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    max_mime_parts: int = Field(default=200, ge=1)
    max_mime_depth: int = Field(default=20, ge=1)
    max_zip_depth: int = Field(default=3, ge=0)
    max_zip_files: int = Field(default=200, ge=1)
    max_zip_total_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    max_zip_ratio: float = Field(default=100.0, gt=1)
    max_text_chars: int = Field(default=200_000, ge=1000)
    extract_timeout_seconds: float = Field(default=20.0, gt=0)


class ClassifySettings(_Section):
    """The intent classifier: which model bundle serves, and when a label needs a human look."""

    bundle: Path | None = Field(default=None, description="bundle folder; unset = the shipped models/intent")
    review_below: float = Field(default=0.6, ge=0.0, le=1.0)
    threads: int = Field(default=1, ge=1, le=16)


class SerialPortSettings(_Section):
    """The sensor board's USB serial port (a stable udev name)."""

    enabled: bool = False
    port: str = "/dev/busybee-uno"
    baud: int = Field(default=9600, ge=300, le=4_000_000)
    reconnect_min_seconds: float = Field(default=1.0, gt=0)
    reconnect_max_seconds: float = Field(default=30.0, gt=0)


class EnvBandSettings(_Section):
    """The temperature/humidity band; outside it longer than the grace period raises an alert."""

    temp_min_c: float = 2.0
    temp_max_c: float = 30.0
    humidity_min: float = Field(default=20.0, ge=0, le=100)
    humidity_max: float = Field(default=80.0, ge=0, le=100)
    grace_seconds: float = Field(default=300.0, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> EnvBandSettings:
        if self.temp_min_c >= self.temp_max_c or self.humidity_min >= self.humidity_max:
            raise ValueError("each band needs min < max")
        return self


class SensorSettings(_Section):
    """Warehouse sensor boards: serial port, bands, silence and GPS timeouts, retention."""

    serial: SerialPortSettings = SerialPortSettings()
    env: EnvBandSettings = EnvBandSettings()
    silent_seconds: float = Field(default=120.0, gt=0)
    gps_lost_seconds: float = Field(default=60.0, gt=0)
    gps_store_seconds: float = Field(default=10.0, ge=0)
    retention_days: int = Field(default=7, ge=1)
    hourly_retention_days: int = Field(default=730, ge=0, description="0 keeps hourly summaries forever")


class AlertSettings(_Section):
    """Who is emailed when an alert opens, escalates or closes (through [smtp])."""

    email_to: list[str] = Field(default_factory=list)
    min_severity: Literal["info", "warning", "critical"] = "warning"
    email_on_close: bool = True

    @model_validator(mode="after")
    def _addresses(self) -> AlertSettings:
        bad = [a for a in self.email_to if not re.fullmatch(r"[^@\s<>,]+@[^@\s<>,]+", a)]
        if bad:
            raise ValueError(f"not an email address: {', '.join(bad)}")
        return self


class MqttSettings(_Section):
    """The gateway's connection to the MQTT broker (mosquitto on the gateway); off unless enabled."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    username: str = Field(default="gateway", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    password: str | None = None
    tls: bool = False
    ca_file: Path | None = None
    keepalive_seconds: int = Field(default=30, ge=5, le=3600)
    reconnect_min_seconds: float = Field(default=1.0, gt=0)
    reconnect_max_seconds: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _password_when_enabled(self) -> MqttSettings:
        if self.enabled and not self.password:
            raise ValueError("enabled = true needs the gateway's broker password (password = ...)")
        return self


class HomeAssistantSettings(_Section):
    """Home Assistant MQTT discovery for the sensors, GPS tracker and cameras."""

    enabled: bool = False
    prefix: str = Field(default="homeassistant", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    publish_seconds: float = Field(default=30.0, gt=0)
    broker_username: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    broker_password: str | None = None


class CameraSettings(_Section):
    """MQTT cameras: frame validation, the one disk budget for stored frames, offline detection."""

    frames_dir: Path = Field(default=Path("frames"), description="relative to data_dir")
    disk_budget_bytes: int = Field(default=1024**3, ge=1024 * 1024)
    min_free_bytes: int = Field(default=512 * 1024**2, ge=0)
    max_frame_bytes: int = Field(default=60_000, ge=1024, le=10 * 1024 * 1024)
    offline_after_seconds: float = Field(default=60.0, gt=0)
    store_every_seconds: float = Field(default=0.0, ge=0, description="0 stores every frame")
    homeassistant: HomeAssistantSettings = HomeAssistantSettings()


class QuoteSettings(_Section):
    """The quote desk's back office: rate card, numbering, who replies go to, sending retries."""

    ratecard: Path | None = Field(default=None, description="rate card TOML; unset = the shipped default")
    number_prefix: str = Field(default="Q", pattern=r"^[A-Z]{1,4}$")
    booking_prefix: str = Field(default="B", pattern=r"^[A-Z]{1,4}$")
    reply_to_honoured: bool = False
    staff_bcc: list[str] = Field(default_factory=list)
    send_max_attempts: int = Field(default=20, ge=1, le=100)

    @model_validator(mode="after")
    def _addresses(self) -> QuoteSettings:
        bad = [a for a in self.staff_bcc if not re.fullmatch(r"[^@\s<>,]+@[^@\s<>,]+", a)]
        if bad:
            raise ValueError(f"not an email address: {', '.join(bad)}")
        return self


class ExtractSettings(_Section):
    """Shipment-field extraction: the fields each shipment type needs before it can be priced ("a|b": either)."""

    required: list[str] = Field(default_factory=lambda: ["origin", "destination", "ready_date"])
    fcl: list[str] = Field(default_factory=lambda: ["containers"])
    lcl: list[str] = Field(default_factory=lambda: ["volume_cbm|weight_kg"])
    air: list[str] = Field(default_factory=lambda: ["weight_kg"])
    road: list[str] = Field(default_factory=lambda: ["weight_kg"])
    rail: list[str] = Field(default_factory=lambda: ["containers|weight_kg"])

    @model_validator(mode="after")
    def _known_fields(self) -> ExtractSettings:
        from gateway.extract.fields import FIELDS

        groups = [*self.required, *self.fcl, *self.lcl, *self.air, *self.road, *self.rail]
        bad = sorted({n for g in groups for n in g.split("|") if n not in FIELDS})
        if bad:
            raise ValueError(f"unknown shipment field(s): {', '.join(bad)}")
        return self


class LlmSettings(_Section):
    """An optional OpenAI-compatible LLM (OpenAI, Ollama, vLLM, llama.cpp) that fills shipment fields."""

    enabled: bool = False
    base_url: str = "http://127.0.0.1:11434/v1"
    model: str = "llama3.1:8b"
    api_key: str | None = None
    timeout_seconds: float = Field(default=20.0, gt=0)
    daily_token_budget: int = Field(default=200_000, ge=0, description="tokens per UTC day; 0 = no LLM calls")
    max_input_chars: int = Field(default=6000, ge=200)
    max_output_tokens: int = Field(default=400, ge=50)


class DeskSettings(_Section):
    """The quote desk's conversation: re-ask cap, reminders, chat links."""

    enabled: bool = True
    max_reasks: int = Field(default=3, ge=0, le=20, description="then the request is handed over to staff")
    reminder_hours: float = Field(default=48.0, ge=0, description="0 sends no reminders")
    confirm_complete: bool = False
    chat: bool = True
    chat_link_hours: float = Field(default=168.0, gt=0)
    public_base_url: str = Field(default="http://127.0.0.1:8080", pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


class Settings(_Section):
    """Everything the gateway reads from its configuration."""

    gateway: GatewaySettings = GatewaySettings()
    store: StoreSettings = StoreSettings()
    log: LogSettings = LogSettings()
    web: WebSettings = WebSettings()
    jobs: JobSettings = JobSettings()
    mail: MailSettings = MailSettings()
    smtp: SmtpSettings = SmtpSettings()
    limits: LimitSettings = LimitSettings()
    sensors: SensorSettings = SensorSettings()
    alerts: AlertSettings = AlertSettings()
    extract: ExtractSettings = ExtractSettings()
    llm: LlmSettings = LlmSettings()
    classify: ClassifySettings = ClassifySettings()
    mqtt: MqttSettings = MqttSettings()
    cameras: CameraSettings = CameraSettings()
    quote: QuoteSettings = QuoteSettings()
    desk: DeskSettings = DeskSettings()
    source: Path | None = Field(default=None, exclude=True, description="the file these came from")

    @property
    def data_dir(self) -> Path:
        """Absolute data directory."""
        return self.gateway.data_dir

    @property
    def db_path(self) -> Path:
        """The SQLite database file."""
        return self.data_dir / "busybee.db"

    @property
    def spool_dir(self) -> Path:
        """The spool folder watched for .eml files."""
        return self.mail.spool.path


def find_config(explicit: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Path:
    """Locate the config: --config, then $BUSYBEE_CONFIG, then ./busybee.toml, then /etc/busybee/busybee.toml."""
    env = os.environ if env is None else env
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file {path} (from --config) does not exist")
        return path
    if env.get(ENV_CONFIG):
        path = Path(env[ENV_CONFIG])
        if not path.is_file():
            raise ConfigError(f"config file {path} (from {ENV_CONFIG}) does not exist")
        return path
    for path in (Path.cwd() / CONFIG_NAME, SYSTEM_CONFIG):
        if path.is_file():
            return path
    raise ConfigError(
        f"no configuration found: pass --config, set {ENV_CONFIG}, or create ./{CONFIG_NAME} "
        f"(`busybee init` writes one)"
    )


def load_settings(path: Path, env: Mapping[str, str] | None = None) -> Settings:
    """Read, override from the environment, validate and resolve paths relative to the file."""
    env = os.environ if env is None else env
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    origins: dict[tuple[str, ...], str] = {}
    _apply_env(data, env, origins)
    settings = _validate(data, path, origins)
    return _resolve_paths(settings, path.resolve())


def _apply_env(data: dict[str, Any], env: Mapping[str, str], origins: dict[tuple[str, ...], str]) -> None:
    """Apply BUSYBEE_SECTION__KEY=value overrides (values parsed as TOML, else taken as strings)."""
    for name, raw in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or name == ENV_CONFIG:
            continue
        parts = [p.lower() for p in name[len(ENV_PREFIX):].split("__") if p]
        if not parts:
            continue
        target: Any = data
        for i, part in enumerate(parts[:-1]):
            if isinstance(target, list):
                target = _list_item(target, part, name)
                continue
            nxt = target.get(part)
            if nxt is None:
                nxt = [] if part == "imap" and i == 1 else {}
                target[part] = nxt
            target = nxt
        value = _parse_env_value(raw)
        if isinstance(target, list):
            raise ConfigError(f"environment variable {name}: names a list, not a key")
        target[parts[-1]] = value
        origins[tuple(parts)] = name


def _list_item(items: list[Any], index: str, name: str) -> Any:
    if not index.isdigit() or int(index) >= len(items):
        raise ConfigError(f"environment variable {name}: no list item {index!r} in the config file")
    return items[int(index)]


def _parse_env_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def _validate(data: dict[str, Any], path: Path, origins: dict[tuple[str, ...], str]) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(str(p) for p in err["loc"])
            key = ".".join(loc) or "(top level)"
            where = origins.get(tuple(p for p in loc if not p.isdigit()), str(path))
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            else:
                msg = err["msg"].removeprefix("Value error, ")
                if "input" in err and not isinstance(err["input"], dict | list):
                    msg += f" (got {err['input']!r})"
            lines.append(f"{where}: {key}: {msg}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None


def _resolve_paths(settings: Settings, path: Path) -> Settings:
    base = path.parent
    data_dir = (base / settings.gateway.data_dir).resolve()
    spool = (data_dir / settings.mail.spool.path).resolve()
    accounts = [
        a.model_copy(update={"ca_file": (base / a.ca_file).resolve()}) if a.ca_file else a
        for a in settings.mail.imap
    ]
    return settings.model_copy(
        update={
            "gateway": settings.gateway.model_copy(update={"data_dir": data_dir}),
            "mail": settings.mail.model_copy(
                update={"spool": settings.mail.spool.model_copy(update={"path": spool}), "imap": accounts}
            ),
            "source": path,
            "quote": settings.quote.model_copy(
                update={"ratecard": (base / settings.quote.ratecard).resolve() if settings.quote.ratecard else None}
            ),
            "classify": settings.classify.model_copy(
                update={"bundle": (base / settings.classify.bundle).resolve() if settings.classify.bundle else None}
            ),
        }
    )
