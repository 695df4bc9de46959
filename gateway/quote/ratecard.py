"""The rate card: a TOML file of prices per mode, validated once into a typed, immutable RateCard."""

from __future__ import annotations

import hashlib
import re
import tomllib
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from babel.numbers import UnknownCurrencyError, validate_currency
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gateway.extract.fields import CONTAINER_TYPES
from gateway.quote.errors import RateCardError

DEFAULT_RATECARD = "default_ratecard.toml"

Money = Annotated[Decimal, Field(ge=0, le=Decimal("100000000"), allow_inf_nan=False)]
Percent = Annotated[Decimal, Field(ge=0, le=500, allow_inf_nan=False)]
Factor = Annotated[Decimal, Field(ge=Decimal("0.5"), le=5, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Band(_Model):
    up_to_km: Annotated[Decimal, Field(gt=0, le=40_000)]


class SeaBand(_Band):
    """One distance band of ocean freight: FCL price per container type, LCL price per W/M."""

    fcl: dict[str, Money] = Field(default_factory=dict)
    lcl_per_wm: Money | None = None

    @field_validator("fcl")
    @classmethod
    def _known_types(cls, value: dict[str, Money]) -> dict[str, Money]:
        unknown = sorted(set(value) - set(CONTAINER_TYPES))
        if unknown:
            raise ValueError(f"unknown container type(s) {', '.join(unknown)}; known: {', '.join(CONTAINER_TYPES)}")
        return value


class AirBand(_Band):
    """One distance band of air freight: price per chargeable kg."""

    per_kg: Money


class _ModeRates(_Model):
    fuel_surcharge_pct: Percent = Decimal(0)
    hazardous_surcharge_pct: Percent = Decimal(0)
    minimum_charge: Money = Decimal(0)
    distance_factor: Factor = Decimal(1)


def _ascending(bands: list[Any]) -> list[Any]:
    limits = [b.up_to_km for b in bands]
    if limits != sorted(set(limits)):
        raise ValueError("bands must be listed with strictly increasing up_to_km")
    return bands


class SeaRates(_ModeRates):
    """Ocean freight (FCL and LCL) by distance band."""

    bands: list[SeaBand] = Field(min_length=1)

    @field_validator("bands")
    @classmethod
    def _ordered(cls, value: list[SeaBand]) -> list[SeaBand]:
        return _ascending(value)


class AirRates(_ModeRates):
    """Air freight per chargeable kg by distance band; volumetric weight = cm³ / divisor."""

    bands: list[AirBand] = Field(min_length=1)
    volumetric_divisor: int = Field(default=6000, ge=1000, le=10000)

    @field_validator("bands")
    @classmethod
    def _ordered(cls, value: list[AirBand]) -> list[AirBand]:
        return _ascending(value)


class OverlandRates(_ModeRates):
    """Road or rail freight per km·tonne (volume counts as `kg_per_cbm` kg per CBM), or per container·km."""

    per_km_tonne: Money
    kg_per_cbm: Annotated[Decimal, Field(ge=0, le=2000)] = Decimal(333)
    per_container_km: dict[str, Money] = Field(default_factory=dict)

    @field_validator("per_container_km")
    @classmethod
    def _known_types(cls, value: dict[str, Money]) -> dict[str, Money]:
        return SeaBand._known_types(value)


class RateCard(_Model):
    """Validated prices; `sha256` identifies the exact file a quote was priced from."""

    version: str = Field(min_length=1, max_length=64)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    validity_days: int = Field(ge=1, le=365)
    hazardous_patterns: list[str] = Field(default_factory=list)
    sea: SeaRates | None = None
    air: AirRates | None = None
    road: OverlandRates | None = None
    rail: OverlandRates | None = None
    sha256: str = Field(default="", exclude=True)

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        try:
            validate_currency(value)
        except UnknownCurrencyError as exc:
            raise ValueError(f"unknown currency code {value!r}") from exc
        return value

    @field_validator("hazardous_patterns")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _some_mode(self) -> RateCard:
        if not any((self.sea, self.air, self.road, self.rail)):
            raise ValueError("the rate card prices no mode: add a [sea], [air], [road] or [rail] table")
        return self

    def modes(self) -> list[str]:
        """The transport modes this card can price."""
        return [m for m in ("sea", "air", "road", "rail") if getattr(self, m) is not None]

    def is_hazardous(self, text: str | None) -> bool:
        """Whether a commodity description matches one of the card's dangerous-goods patterns."""
        return bool(text) and any(re.search(p, text or "") for p in self.hazardous_patterns)


def default_ratecard_path() -> Path:
    """The commented rate card shipped with BusyBee."""
    return Path(str(resources.files("gateway.quote").joinpath(DEFAULT_RATECARD)))


def parse_ratecard(data: bytes, source: str = "<rate card>") -> RateCard:
    """Validate TOML bytes into a RateCard; RateCardError names the file and every bad key."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RateCardError(f"{source}: not valid TOML: {exc}") from exc
    try:
        card = RateCard.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            lines.append(f"{key}: {msg}")
        raise RateCardError(f"{source}: invalid rate card:\n  " + "\n  ".join(lines)) from None
    return card.model_copy(update={"sha256": hashlib.sha256(data).hexdigest()})


def load_ratecard(path: Path | None = None) -> RateCard:
    """Read and validate a rate card file (the shipped default when `path` is None)."""
    path = path or default_ratecard_path()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RateCardError(f"cannot read rate card {path}: {exc.strerror or exc}") from exc
    return parse_ratecard(data, str(path))
