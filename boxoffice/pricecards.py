"""Ticket types and price cards from a TOML file, validated before anything is written.

Format (see docs/pricing.md)::

    [ticket_types.adult]
    name_zh = "成人"
    name_en = "Adult"

    [price_cards.standard]
    matinee_until = "17:00"
    service_fee_fen = 300
    prices = [
      { zone = "standard", type = "adult", amount_fen = 4500 },
      { zone = "standard", type = "adult", day = "weekend", amount_fen = 5500 },
    ]

A price row may be limited by ``day`` (weekday / weekend), ``period`` (matinee / evening) and ``format``; the
most specific matching row wins when a seat is priced.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from boxoffice.errors import BoxOfficeError
from db.models import Price, PriceCard, TicketType

_HHMM = re.compile(r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$")
DAY_KINDS = ("any", "weekday", "weekend")
PERIODS = ("any", "matinee", "evening")


class PriceFileError(BoxOfficeError):
    """A price file that cannot be used; ``problems`` names each bad key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("prices_invalid", "; ".join(problems), count=len(problems))
        self.problems = problems


@dataclass(frozen=True)
class PriceImportResult:
    """What an import wrote."""

    ticket_types: int
    price_cards: int
    prices: int


def import_price_cards(session: Session, text: str, *, source: str = "prices.toml") -> PriceImportResult:
    """Create or replace the ticket types and price cards described by a TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PriceFileError([f"{source}: not valid TOML: {exc}"]) from None
    problems: list[str] = []
    unknown = set(data) - {"ticket_types", "price_cards"}
    problems += [f"{source}: {key}: unknown table" for key in sorted(unknown)]
    types = data.get("ticket_types", {})
    cards = data.get("price_cards", {})
    for code, spec in types.items():
        _check_keys(problems, source, f"ticket_types.{code}", spec,
                    {"name_zh": str, "name_en": str},
                    {"needs_id_check": bool, "kiosk_allowed": bool, "sort_order": int})
    known_types = set(types) | {t.code for t in session.exec(select(TicketType)).all()}
    for name, spec in cards.items():
        key = f"price_cards.{name}"
        until = spec.get("matinee_until", "17:00") if isinstance(spec, dict) else "17:00"
        if not (isinstance(until, str) and _HHMM.match(until)):
            problems.append(f"{source}: {key}.matinee_until: expected a local time like \"17:00\", got {until!r}")
        _check_keys(problems, source, key, spec, {"prices": list},
                    {"description": str, "matinee_until": str, "service_fee_fen": int})
        for index, row in enumerate(spec.get("prices", []) if isinstance(spec, dict) else []):
            row_key = f"{key}.prices[{index}]"
            _check_keys(problems, source, row_key, row, {"zone": str, "type": str, "amount_fen": int},
                        {"day": str, "period": str, "format": str})
            if not isinstance(row, dict):
                continue
            if row.get("type") not in known_types:
                problems.append(f"{source}: {row_key}.type: unknown ticket type {row.get('type')!r}")
            if row.get("day", "any") not in DAY_KINDS:
                problems.append(f"{source}: {row_key}.day: expected one of {', '.join(DAY_KINDS)}")
            if row.get("period", "any") not in PERIODS:
                problems.append(f"{source}: {row_key}.period: expected one of {', '.join(PERIODS)}")
            if isinstance(row.get("amount_fen"), int) and row["amount_fen"] < 0:
                problems.append(f"{source}: {row_key}.amount_fen: expected a price of 0 fen or more")
    if problems:
        raise PriceFileError(problems)

    type_ids = {t.code: t for t in session.exec(select(TicketType)).all()}
    for code, spec in types.items():
        ticket_type = type_ids.get(code) or TicketType(code=code, name_zh="", name_en="")
        for field, value in spec.items():
            setattr(ticket_type, field, value)
        session.add(ticket_type)
        type_ids[code] = ticket_type
    session.flush()
    count = 0
    for name, spec in cards.items():
        card = session.exec(select(PriceCard).where(PriceCard.name == name)).first() or PriceCard(name=name)
        for field in ("description", "matinee_until", "service_fee_fen"):
            if field in spec:
                setattr(card, field, spec[field])
        session.add(card)
        session.flush()
        for old in session.exec(select(Price).where(Price.price_card_id == card.id)).all():
            session.delete(old)
        session.flush()
        for row in spec["prices"]:
            session.add(Price(
                price_card_id=card.id,  # type: ignore[arg-type]
                zone=row["zone"],
                ticket_type_id=type_ids[row["type"]].id,  # type: ignore[arg-type]
                day_kind=row.get("day", "any"),
                period=row.get("period", "any"),
                format=row.get("format", "any"),
                amount_fen=row["amount_fen"],
            ))
            count += 1
    session.flush()
    # every card, not just those in the file: the ticket types they are read with may have changed
    session.execute(update(PriceCard).values(revision=PriceCard.revision + 1))  # type: ignore[arg-type]
    return PriceImportResult(len(types), len(cards), count)


def _check_keys(
    problems: list[str], source: str, key: str, spec: Any, required: dict[str, type], optional: dict[str, type]
) -> None:
    if not isinstance(spec, dict):
        problems.append(f"{source}: {key}: expected a table")
        return
    for name, kind in required.items():
        if name not in spec:
            problems.append(f"{source}: {key}.{name}: required key is missing")
    for name, value in spec.items():
        kind = required.get(name) or optional.get(name)
        if kind is None:
            problems.append(f"{source}: {key}.{name}: unknown key")
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            problems.append(f"{source}: {key}.{name}: expected {kind.__name__}, got {value!r}")
