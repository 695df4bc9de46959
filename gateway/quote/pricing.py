"""Pricing (pure): a Shipment, a RateCard and a distance → a Quote with line items, total and its basis.

Money is `decimal.Decimal` throughout. Each line's amount is rounded half-up to the currency's minor unit
(Babel's CLDR data: USD 2 decimals, KRW and JPY 0) and the total is the sum of the rounded lines, so the
printed lines always add up to the printed total. Surcharges are a percentage of the freight after the
minimum charge was applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import get_currency_precision

from gateway.extract.fields import Shipment
from gateway.quote.errors import PricingError
from gateway.quote.ratecard import AirRates, OverlandRates, RateCard, SeaRates

KG_PER_TONNE = Decimal(1000)
CM3_PER_CBM = Decimal(1_000_000)
HALF_KG = Decimal("0.5")
THOUSANDTH = Decimal("0.001")


@dataclass(frozen=True)
class LineItem:
    """One priced line: `code` says what it is (for translation), `description` is the English text."""

    code: str  # freight_fcl | freight_lcl | freight_air | freight_road | freight_rail | minimum | fuel | hazardous
    description: str
    quantity: Decimal
    unit: str  # container | W/M | kg | km·t | % | lot
    unit_price: Decimal
    amount: Decimal
    detail: str = ""  # the container type for FCL lines

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (Decimals as strings)."""
        return {"code": self.code, "description": self.description, "quantity": str(self.quantity),
                "unit": self.unit, "unit_price": str(self.unit_price), "amount": str(self.amount),
                "detail": self.detail}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LineItem:
        """Inverse of `as_dict`."""
        return cls(data["code"], data["description"], Decimal(data["quantity"]), data["unit"],
                   Decimal(data["unit_price"]), Decimal(data["amount"]), data.get("detail", ""))


@dataclass(frozen=True)
class Basis:
    """What the price was computed from, kept with the quote for the audit trail."""

    mode: str
    distance_km: Decimal  # great circle
    rated_km: Decimal  # after the mode's distance factor
    band_up_to_km: Decimal | None = None
    chargeable_kg: Decimal | None = None  # air (volumetric 1:divisor) and road/rail
    revenue_tons: Decimal | None = None  # LCL W/M
    hazardous: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Quote:
    """A priced shipment; `number` is assigned when the quote is stored."""

    shipment: Shipment
    lines: tuple[LineItem, ...]
    total: Decimal
    currency: str
    issued_on: date
    valid_until: date
    basis: Basis
    ratecard_version: str
    ratecard_sha256: str
    number: str | None = field(default=None)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (the `busybee quote --json` shape)."""
        return {
            "number": self.number, "currency": self.currency, "total": str(self.total),
            "issued_on": self.issued_on.isoformat(), "valid_until": self.valid_until.isoformat(),
            "lines": [li.as_dict() for li in self.lines], "basis": self.basis.as_dict(),
            "shipment": self.shipment.as_dict(), "ratecard_version": self.ratecard_version,
            "ratecard_sha256": self.ratecard_sha256,
        }


def _money(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-get_currency_precision(currency)), rounding=ROUND_HALF_UP)


def _dec(value: float) -> Decimal:
    return Decimal(str(value))


def _band(bands: list[Any], rated_km: Decimal, mode: str) -> Any:
    for band in bands:
        if rated_km <= band.up_to_km:
            return band
    raise PricingError(f"{mode}: {rated_km} km is beyond the rate card's last band ({bands[-1].up_to_km} km)")


def _infer_mode(shipment: Shipment) -> str:
    if shipment.mode:
        return shipment.mode
    if shipment.containers:
        return "sea"
    raise PricingError("mode is missing (sea, air, road or rail)")


def price(shipment: Shipment, card: RateCard, distance_km: float, *, today: date,
          hazardous: bool | None = None) -> Quote:
    """Price `shipment` over `distance_km` (great circle) with `card`; PricingError when it cannot be priced.

    `hazardous` overrides the card's commodity patterns when the caller knows better.
    """
    mode = _infer_mode(shipment)
    rates = getattr(card, mode, None) if mode in ("sea", "air", "road", "rail") else None
    if rates is None:
        raise PricingError(f"the rate card has no {mode} rates (it prices {', '.join(card.modes())})")
    if not (0 <= distance_km < 40_000):
        raise PricingError(f"distance {distance_km} km is not a distance on Earth")
    gc_km = _dec(distance_km).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    rated_km = (gc_km * rates.distance_factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    haz = card.is_hazardous(shipment.commodity) if hazardous is None else hazardous
    cur = card.currency
    if isinstance(rates, SeaRates):
        freight, extra = _sea(shipment, rates, rated_km, cur)
    elif isinstance(rates, AirRates):
        freight, extra = _air(shipment, rates, rated_km, cur)
    else:
        freight, extra = _overland(shipment, rates, rated_km, cur, mode)
    basis = Basis(mode=mode, distance_km=gc_km, rated_km=rated_km, hazardous=haz, **extra)
    lines = list(freight)
    subtotal = sum((li.amount for li in lines), Decimal(0))
    minimum = _money(rates.minimum_charge, cur)
    if subtotal < minimum:
        lines.append(LineItem("minimum", f"Minimum charge {minimum} {cur}: adjustment", Decimal(1), "lot",
                              minimum - subtotal, minimum - subtotal))
        subtotal = minimum
    if rates.fuel_surcharge_pct:
        lines.append(LineItem("fuel", "Fuel surcharge", rates.fuel_surcharge_pct, "%", subtotal,
                              _money(subtotal * rates.fuel_surcharge_pct / 100, cur)))
    if haz and rates.hazardous_surcharge_pct:
        lines.append(LineItem("hazardous", "Dangerous goods surcharge", rates.hazardous_surcharge_pct, "%",
                              subtotal, _money(subtotal * rates.hazardous_surcharge_pct / 100, cur)))
    total = sum((li.amount for li in lines), Decimal(0))
    return Quote(shipment=shipment, lines=tuple(lines), total=total, currency=cur, issued_on=today,
                 valid_until=today + timedelta(days=card.validity_days), basis=basis,
                 ratecard_version=card.version, ratecard_sha256=card.sha256)


def revenue_tons(weight_kg: float | None, volume_cbm: float | None) -> Decimal:
    """W/M: the greater of CBM and tonnes (1 CBM = 1,000 kg), rounded up to 0.001."""
    if weight_kg is None and volume_cbm is None:
        raise PricingError("LCL needs the weight or the volume")
    tonnes = _dec(weight_kg or 0) / KG_PER_TONNE
    cbm = _dec(volume_cbm or 0)
    return max(tonnes, cbm).quantize(THOUSANDTH, rounding=ROUND_CEILING)


def air_chargeable_kg(weight_kg: float | None, volume_cbm: float | None, divisor: int = 6000) -> Decimal:
    """Chargeable kg: the greater of actual and volumetric (cm³ / divisor) weight, rounded up to 0.5 kg."""
    if weight_kg is None:
        raise PricingError("air freight needs the weight (kg)")
    volumetric = _dec(volume_cbm or 0) * CM3_PER_CBM / divisor
    chargeable = max(_dec(weight_kg), volumetric)
    return (chargeable / HALF_KG).to_integral_value(rounding=ROUND_CEILING) * HALF_KG


def _sea(shipment: Shipment, rates: SeaRates, rated_km: Decimal, cur: str) -> tuple[list[LineItem], dict[str, Any]]:
    band = _band(rates.bands, rated_km, "sea")
    basis: dict[str, Any] = {"band_up_to_km": band.up_to_km}
    containers = shipment.container_list()
    if containers:
        lines = []
        for count, ctype in containers:
            rate = band.fcl.get(ctype)
            if rate is None:
                raise PricingError(f"sea: the rate card has no {ctype} rate up to {band.up_to_km} km")
            lines.append(LineItem("freight_fcl", f"Ocean freight FCL {ctype}", Decimal(count), "container",
                                  rate, _money(rate * count, cur), detail=ctype))
        return lines, basis
    if band.lcl_per_wm is None:
        raise PricingError(f"sea: the rate card has no LCL rate up to {band.up_to_km} km")
    wm = revenue_tons(shipment.weight_kg, shipment.volume_cbm)
    basis["revenue_tons"] = wm
    return [LineItem("freight_lcl", "Ocean freight LCL", wm, "W/M", band.lcl_per_wm,
                     _money(wm * band.lcl_per_wm, cur))], basis


def _air(shipment: Shipment, rates: AirRates, rated_km: Decimal, cur: str) -> tuple[list[LineItem], dict[str, Any]]:
    band = _band(rates.bands, rated_km, "air")
    kg = air_chargeable_kg(shipment.weight_kg, shipment.volume_cbm, rates.volumetric_divisor)
    return ([LineItem("freight_air", "Air freight", kg, "kg", band.per_kg, _money(kg * band.per_kg, cur))],
            {"band_up_to_km": band.up_to_km, "chargeable_kg": kg})


def _overland(shipment: Shipment, rates: OverlandRates, rated_km: Decimal, cur: str,
              mode: str) -> tuple[list[LineItem], dict[str, Any]]:
    name = "Road freight" if mode == "road" else "Rail freight"
    if shipment.containers and rates.per_container_km:
        lines = []
        for count, ctype in shipment.container_list():
            rate = rates.per_container_km.get(ctype)
            if rate is None:
                raise PricingError(f"{mode}: the rate card has no {ctype} rate per container·km")
            each = _money(rate * rated_km, cur)
            lines.append(LineItem(f"freight_{mode}", f"{name} {ctype} {rated_km} km", Decimal(count), "container",
                                  each, each * count, detail=ctype))
        return lines, {}
    if shipment.weight_kg is None and shipment.volume_cbm is None:
        raise PricingError(f"{mode} freight needs the weight or the volume")
    kg = max(_dec(shipment.weight_kg or 0), _dec(shipment.volume_cbm or 0) * rates.kg_per_cbm)
    tonnes = (kg / KG_PER_TONNE).quantize(THOUSANDTH, rounding=ROUND_CEILING)
    km_t = rated_km * tonnes
    return ([LineItem(f"freight_{mode}", f"{name} {rated_km} km × {tonnes} t", km_t, "km·t", rates.per_km_tonne,
                      _money(km_t * rates.per_km_tonne, cur))],
            {"chargeable_kg": tonnes * KG_PER_TONNE})
