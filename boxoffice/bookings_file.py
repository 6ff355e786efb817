"""Bookings files from online ticketing platforms: JSON text into checked, frozen records, or every problem named.

The format is described in ``docs/bookings.md``. This module only reads the file: each booking's fields are
checked for type, range and consistency (the seats' prices and fees must add up to what the customer paid, a
pickup code given by the platform must carry our check digit). Whether the hall, showtime, seats and ticket types
exist is the store's part (:mod:`boxoffice.bookings`). Problems are collected, not stopped at, and name the file,
the booking (its position from 1 and its id) and the field, like ``bookings.json: booking 3 (MY123):
seats[1].price_fen: expected a whole number of fen, got "45.00"``.

A file is read from an outside system, so anything may be in it: every value is checked before it is used, and
nothing but :class:`BookingsError` comes out of :func:`parse_bookings`. Messages never repeat a pickup code or a
phone number from the file (the command's output may end up in a log).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from boxoffice.errors import BoxOfficeError
from boxoffice.pickup_codes import has_valid_check_digit, normalize
from boxoffice.privacy import normalize_phone

TOP_KEYS = frozenset({"platform", "exported_at", "bookings"})
BOOKING_KEYS = frozenset({"booking_id", "hall", "starts_at", "seats", "phone", "paid_fen", "payment_reference",
                          "pickup_code"})
SEAT_KEYS = frozenset({"seat", "ticket_type", "price_fen", "fee_fen"})
MAX_SEATS = 50
"""Seats of one booking; platforms sell a handful, more is a broken export."""
MAX_FEN = 10_000_000
"""¥100,000: above this a price is not a ticket's (and would not fit the store's integers if unbounded)."""
_PLATFORM = re.compile(r"[a-z0-9][a-z0-9_-]{0,23}", re.ASCII)
_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})?", re.ASCII)
_MAX_TEXT = 64  # booking ids and payment references: the store's column width


class BookingsError(BoxOfficeError):
    """A bookings file that cannot be imported; ``problems`` names each problem (file, booking, field)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("bookings_invalid", "\n".join(problems), count=len(problems))
        self.problems = problems


@dataclass(frozen=True)
class BookedSeat:
    """One seat of a booking as the platform sold it."""

    label: str
    """The seat as the store names it (``F5``, ``5-12``), see :func:`boxoffice.seatplan.seat_label`."""
    ticket_type: str
    price_fen: int
    """What the customer paid for the ticket, in fen (not the price card's price)."""
    fee_fen: int = 0


@dataclass(frozen=True)
class BookingRecord:
    """One booking of the file, checked for form."""

    number: int
    """Position in the file, from 1."""
    booking_id: str
    hall: str
    starts_at: datetime
    """As written: naive (local time of the site) or with an offset."""
    seats: tuple[BookedSeat, ...]
    phone: str | None
    """Normalised 11-digit mainland mobile number."""
    paid_fen: int
    payment_reference: str
    pickup_code: str | None
    """10 plain digits with a valid check digit, or None: the importer issues a code."""

    @property
    def where(self) -> str:
        """How messages name it: ``booking 3 (MY123)``."""
        return f"booking {self.number} ({self.booking_id})"


@dataclass(frozen=True)
class BookingsFile:
    """A checked bookings file."""

    platform: str
    exported_at: datetime | None
    bookings: tuple[BookingRecord, ...]


def _quote(value: Any) -> str:
    """A value from the file, shown safely (JSON-escaped, so control characters cannot reach a terminal) and short."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        return "(a value)"
    text = text if len(text) <= 40 else text[:37] + "..."
    return text.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate cannot be printed


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {_quote(key)} given twice in one object")
        result[key] = value
    return result


class _Checker:
    """One read of one file; collects problems instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.source}: {where}: {message}")

    def keys(self, obj: dict[str, Any], allowed: frozenset[str], where: str) -> None:
        for key in sorted(set(obj) - allowed):
            self.problem(f"{where}{_quote(key)}", f"unknown field (expected {', '.join(sorted(allowed))})")

    def text(self, obj: dict[str, Any], key: str, where: str, *, required: bool = True,
             limit: int = _MAX_TEXT) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.problem(f"{where}{key}", "missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{where}{key}", f"expected text, got {_quote(value)}")
            return None
        if len(value) > limit or not value.isprintable():
            self.problem(f"{where}{key}", f"expected at most {limit} printable characters, got {_quote(value)}")
            return None
        return value.strip()

    def fen(self, obj: dict[str, Any], key: str, where: str, *, required: bool = True) -> int | None:
        value = obj.get(key, None if required else 0)
        if value is None:
            self.problem(f"{where}{key}", "missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FEN:
            self.problem(f"{where}{key}", f"expected a whole number of fen from 0 to {MAX_FEN}, got {_quote(value)}")
            return None
        return value

    def time(self, obj: dict[str, Any], key: str, where: str, *, required: bool = True) -> datetime | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.problem(f"{where}{key}", "missing")
            return None
        if isinstance(value, str) and _LOCAL_TIME.fullmatch(value):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                if 2000 <= moment.year <= 2999:  # far ends of the calendar overflow when converted to UTC
                    return moment
        self.problem(f"{where}{key}", f"expected a time like \"2026-12-05T19:30\", got {_quote(value)}")
        return None

    def file(self, data: Any) -> BookingsFile | None:
        if not isinstance(data, dict):
            self.problem("top level", "expected an object with platform and bookings")
            return None
        self.keys(data, TOP_KEYS, "")
        platform = data.get("platform")
        if platform is None:
            self.problem("platform", "missing")
        elif not isinstance(platform, str) or not _PLATFORM.fullmatch(platform):
            self.problem("platform", f"expected 1-24 lowercase letters, digits, - or _, got {_quote(platform)}")
            platform = None
        exported_at = self.time(data, "exported_at", "", required=False)
        raw_bookings = data.get("bookings")
        if not isinstance(raw_bookings, list):
            self.problem("bookings", "missing" if raw_bookings is None else "expected a list of bookings")
            return None
        bookings = [self.booking(raw, number) for number, raw in enumerate(raw_bookings, start=1)]
        records = [booking for booking in bookings if booking is not None]
        self.duplicates(records)
        if platform is None:
            return None
        return BookingsFile(platform, exported_at, tuple(records))

    def booking(self, raw: Any, number: int) -> BookingRecord | None:
        if not isinstance(raw, dict):
            self.problem(f"booking {number}", "expected an object")
            return None
        booking_id = self.text(raw, "booking_id", "")
        where = f"booking {number} ({booking_id})" if booking_id else f"booking {number}"
        before = len(self.problems)
        if booking_id is None:
            self.problem(where, "booking_id is needed: it is what makes importing the file twice harmless")
        self.keys(raw, BOOKING_KEYS, f"{where}: ")
        prefix = f"{where}: "
        hall = self.text(raw, "hall", prefix, limit=80)
        starts_at = self.time(raw, "starts_at", prefix)
        seats = self.seats(raw.get("seats"), prefix)
        phone = self.phone(raw.get("phone"), prefix)
        paid_fen = self.fen(raw, "paid_fen", prefix)
        reference = self.text(raw, "payment_reference", prefix)
        code = self.pickup_code(raw.get("pickup_code"), prefix)
        if raw.get("phone") is None and raw.get("pickup_code") is None:
            self.problem(where, "needs a phone (to send the pickup code the store issues) or the pickup_code")
        if seats is not None and paid_fen is not None:
            owed = sum(seat.price_fen + seat.fee_fen for seat in seats)
            if owed != paid_fen:
                self.problem(f"{prefix}paid_fen", f"{paid_fen} is not the seats' prices and fees ({owed})")
        if len(self.problems) > before:
            return None
        assert booking_id and hall and starts_at and seats and paid_fen is not None and reference
        return BookingRecord(number, booking_id, hall, starts_at, seats, phone, paid_fen, reference, code)

    def seats(self, raw: Any, prefix: str) -> tuple[BookedSeat, ...] | None:
        if raw is None:
            self.problem(f"{prefix}seats", "missing")
            return None
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_SEATS:
            self.problem(f"{prefix}seats", f"expected a list of 1 to {MAX_SEATS} seats")
            return None
        seats: list[BookedSeat] = []
        for index, item in enumerate(raw):
            where = f"{prefix}seats[{index}]"
            if not isinstance(item, dict):
                self.problem(where, "expected an object with seat, ticket_type and price_fen")
                continue
            self.keys(item, SEAT_KEYS, f"{where}.")
            label = self.text(item, "seat", f"{where}.", limit=8)
            ticket_type = self.text(item, "ticket_type", f"{where}.", limit=16)
            price = self.fen(item, "price_fen", f"{where}.")
            fee = self.fen(item, "fee_fen", f"{where}.", required=False)
            if label is not None and any(seat.label == label for seat in seats):
                self.problem(where, f"seat {_quote(label)} is listed twice")
            elif label and ticket_type and price is not None and fee is not None:
                seats.append(BookedSeat(label, ticket_type, price, fee))
        return tuple(seats) if len(seats) == len(raw) else None

    def phone(self, raw: Any, prefix: str) -> str | None:
        if raw is None:
            return None
        phone = normalize_phone(raw) if isinstance(raw, str) and len(raw) <= 32 else None
        if phone is None:
            self.problem(f"{prefix}phone", "not a mainland mobile number (11 digits starting with 1)")
        return phone

    def pickup_code(self, raw: Any, prefix: str) -> str | None:
        if raw is None:
            return None
        digits = normalize(raw) if isinstance(raw, str) else None
        if digits is None:
            self.problem(f"{prefix}pickup_code", "not a pickup code (10 digits)")
        elif not has_valid_check_digit(digits):
            self.problem(f"{prefix}pickup_code", "the check digit is wrong: not a pickup code of this store")
            return None
        return digits

    def duplicates(self, records: list[BookingRecord]) -> None:
        first: dict[str, BookingRecord] = {}
        codes: dict[str, BookingRecord] = {}
        for record in records:
            if record.booking_id in first:
                self.problem(record.where, f"booking_id given twice (first in booking {first[record.booking_id].number})")
            first.setdefault(record.booking_id, record)
            if record.pickup_code is not None:
                if record.pickup_code in codes:
                    self.problem(f"{record.where}: pickup_code",
                                 f"the same code as booking {codes[record.pickup_code].number}")
                codes.setdefault(record.pickup_code, record)


def parse_bookings(data: str | bytes, *, source: str = "bookings.json") -> BookingsFile:
    """Read a bookings file's JSON and check every booking's fields.

    Args:
        data: the file's content (UTF-8 bytes, or text).
        source: the file name used in messages.

    Raises:
        BookingsError: the file is not JSON, or any booking has a problem; every problem is listed, and nothing
            of the file may be imported.
    """
    checked, problems = check_bookings(data, source=source)
    if problems or checked is None:
        raise BookingsError(problems)
    return checked


def check_bookings(data: str | bytes, *, source: str = "bookings.json") -> tuple[BookingsFile | None, list[str]]:
    """Like :func:`parse_bookings`, but returns the bookings without problems beside the problems of the others.

    So that the store's checks (:func:`boxoffice.bookings.read_bookings`) can run on the good bookings and the
    person fixing the file sees every problem at once. The file is None when its top level is unusable.

    Raises:
        BookingsError: the file is not (usable) JSON.
    """
    checker = _Checker(source)
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        parsed = json.loads(text.lstrip("\ufeff"), object_pairs_hook=_no_duplicate_keys)
    except UnicodeDecodeError as exc:
        raise BookingsError([f"{source}: not UTF-8 text (byte {exc.start})"]) from None
    except json.JSONDecodeError as exc:
        raise BookingsError([f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"]) from None
    except (ValueError, RecursionError) as exc:  # a key twice, a number of thousands of digits, nesting too deep
        raise BookingsError([f"{source}: not usable JSON: {exc}"]) from None
    return checker.file(parsed), checker.problems
