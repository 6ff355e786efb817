"""The refund and exchange policy as a value, with its versions in the store.

Customers are promised the rules they bought under, and staff must be able to show later which rules a decision
followed. So the policy of kiosk.toml's ``[refunds]`` section becomes a frozen :class:`RefundPolicy`, that value
has one canonical JSON text (:func:`to_json`: sorted keys, no spaces, integers and booleans only), and each
distinct text is stored once in ``refund_policy`` under its SHA-256 digest (:func:`register_policy`). An order
records the version it was sold under (``sale_order.refund_policy_id``), and :func:`policy_of_order` gives that
version back for :func:`boxoffice.refund_rules.decide_refund` and ``decide_exchange``, whatever kiosk.toml says
today.

The config section and this value have the same keys but one: the config's ``percent_fee`` (percent, up to two
decimals, readable by a technician) is ``percent_fee_bp`` here (basis points, an integer: 10 % is 1000), so that
the JSON and its digest never depend on how a float prints.

The pure part comes first; only :func:`register_policy` and :func:`policy_of_order` touch a session.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from boxoffice.errors import BoxOfficeError
from db.models import RefundPolicyVersion, SaleOrder

FORMAT = 1
"""The version of the JSON layout (not of the policy); :func:`from_json` refuses other layouts."""

BP_PER_PERCENT = 100
"""Basis points in one percent: a percentage fee of ``bp`` basis points keeps ``amount * bp / 10000``."""


def _whole(value: Any, name: str, low: int, high: int | None = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        upper = "" if high is None else f" and <= {high}"
        raise ValueError(f"{name} must be a whole number >= {low}{upper}, got {value!r}")


def _flag(value: Any, name: str) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be true or false, got {value!r}")


@dataclass(frozen=True)
class RefundWindow:
    """The terms of a refund asked for while the showtime starts in ``until_minutes_before`` minutes or more.

    Attributes:
        until_minutes_before: the window applies while ``starts_at - now >= until_minutes_before`` minutes (and
            the showtime has not started); the boundary itself is inside.
        percent_fee_bp: basis points (0–10000) kept of what is left after the kept fees.
        fixed_fee_fen: fen kept per ticket after the percentage (at most what is left).
        counter_only: only the counter refunds in this window.
        supervisor: a supervisor approves (PIN) and a reason is recorded.
    """

    until_minutes_before: int
    percent_fee_bp: int = 0
    fixed_fee_fen: int = 0
    counter_only: bool = False
    supervisor: bool = False

    def __post_init__(self) -> None:
        _whole(self.until_minutes_before, "until_minutes_before", 0)
        _whole(self.percent_fee_bp, "percent_fee_bp", 0, 100 * BP_PER_PERCENT)
        _whole(self.fixed_fee_fen, "fixed_fee_fen", 0)
        _flag(self.counter_only, "counter_only")
        _flag(self.supervisor, "supervisor")

    @property
    def is_free(self) -> bool:
        """No fee of the window's own, no supervisor, not counter-only: where a kiosk may refund by itself."""
        return not (self.percent_fee_bp or self.fixed_fee_fen or self.counter_only or self.supervisor)


@dataclass(frozen=True)
class ExchangePolicy:
    """The exchange rules (``[refunds.exchange]``); see kiosk.toml for each key."""

    enabled: bool = True
    until_minutes_before: int = 120
    films: str = "same"
    """``same`` (the same film only) or ``any``."""
    max_days_ahead: int = 7
    ticket_type_change: bool = True
    refund_difference: bool = True
    fee_fen: int = 0
    counter_only: bool = True

    def __post_init__(self) -> None:
        for name in ("enabled", "ticket_type_change", "refund_difference", "counter_only"):
            _flag(getattr(self, name), name)
        _whole(self.until_minutes_before, "until_minutes_before", 0)
        _whole(self.max_days_ahead, "max_days_ahead", 0)
        _whole(self.fee_fen, "fee_fen", 0)
        if self.films not in ("same", "any"):
            raise ValueError(f"films must be 'same' or 'any', got {self.films!r}")


def _default_windows() -> tuple[RefundWindow, ...]:
    # The same as kiosk.toml's shipped windows and kiosk.config's defaults (a test checks).
    return (
        RefundWindow(1440),
        RefundWindow(120, percent_fee_bp=1000, fixed_fee_fen=200),
        RefundWindow(0, percent_fee_bp=2000, fixed_fee_fen=200, counter_only=True, supervisor=True),
    )


@dataclass(frozen=True)
class RefundPolicy:
    """One version of the refund and exchange policy: what the decision functions read.

    Attributes:
        windows: farthest from the showtime first, ``until_minutes_before`` strictly decreasing.
        keep_service_fee: the per-ticket service fee is kept on a refund (not when the showtime was cancelled).
        kiosk_self_refund: kiosks may refund unprinted, uncollected tickets of electronically paid orders in a
            free window.
        exchange: the exchange rules.
    """

    windows: tuple[RefundWindow, ...] = field(default_factory=_default_windows)
    keep_service_fee: bool = True
    kiosk_self_refund: bool = True
    exchange: ExchangePolicy = ExchangePolicy()

    def __post_init__(self) -> None:
        _flag(self.keep_service_fee, "keep_service_fee")
        _flag(self.kiosk_self_refund, "kiosk_self_refund")
        if not isinstance(self.windows, tuple) or not all(isinstance(w, RefundWindow) for w in self.windows):
            raise TypeError("windows must be a tuple of RefundWindow")
        if not isinstance(self.exchange, ExchangePolicy):
            raise TypeError("exchange must be an ExchangePolicy")
        for before, after in zip(self.windows, self.windows[1:]):
            if after.until_minutes_before >= before.until_minutes_before:
                raise ValueError("windows must be ordered by strictly decreasing until_minutes_before")


def percent_to_bp(percent: float | str) -> int:
    """Basis points of a percentage with at most two decimals (``7.5`` → 750), exactly.

    Raises:
        ValueError: more than two decimals.
    """
    scaled = Decimal(str(percent)) * BP_PER_PERCENT
    if scaled != scaled.to_integral_value():
        raise ValueError(f"a percentage with at most two decimals, got {percent!r}")
    return int(scaled)


def policy_from_config(refunds: Any) -> RefundPolicy:
    """The policy of kiosk.toml's ``[refunds]`` section.

    Args:
        refunds: ``config.refunds`` (a ``kiosk.config.RefundsConfig``; anything with ``model_dump()``) or the
            mapping it dumps to. The domain does not import the UI package, so the section is read by its keys.
    """
    raw: Mapping[str, Any] = refunds.model_dump() if hasattr(refunds, "model_dump") else refunds
    windows = tuple(
        RefundWindow(
            until_minutes_before=window["until_minutes_before"],
            percent_fee_bp=percent_to_bp(window.get("percent_fee", 0)),
            fixed_fee_fen=window.get("fixed_fee_fen", 0),
            counter_only=window.get("counter_only", False),
            supervisor=window.get("supervisor", False),
        )
        for window in raw["windows"]
    )
    return RefundPolicy(
        windows=windows,
        keep_service_fee=raw["keep_service_fee"],
        kiosk_self_refund=raw["kiosk_self_refund"],
        exchange=ExchangePolicy(**dict(raw["exchange"])),
    )


# --- The canonical JSON: one text per policy, so one digest per policy. ------------------------------------


_WINDOW_KEYS = ("until_minutes_before", "percent_fee_bp", "fixed_fee_fen", "counter_only", "supervisor")
_EXCHANGE_KEYS = ("enabled", "until_minutes_before", "films", "max_days_ahead", "ticket_type_change",
                  "refund_difference", "fee_fen", "counter_only")
_TOP_KEYS = ("format", "windows", "keep_service_fee", "kiosk_self_refund", "exchange")


def to_json(policy: RefundPolicy) -> str:
    """The policy's canonical JSON: keys sorted, no spaces, ASCII, integers and booleans only.

    Equal policies give equal texts, and ``from_json(to_json(p)) == p``.
    """
    body = {
        "format": FORMAT,
        "windows": [{key: getattr(window, key) for key in _WINDOW_KEYS} for window in policy.windows],
        "keep_service_fee": policy.keep_service_fee,
        "kiosk_self_refund": policy.kiosk_self_refund,
        "exchange": {key: getattr(policy.exchange, key) for key in _EXCHANGE_KEYS},
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def policy_digest(policy: RefundPolicy) -> str:
    """SHA-256 (hex) of the policy's canonical JSON: the version's identity in the store."""
    return hashlib.sha256(to_json(policy).encode("ascii")).hexdigest()


def _table(value: Any, keys: tuple[str, ...], where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"{where} must be an object")
    if set(value) != set(keys):
        raise ValueError(f"{where} must have exactly the keys {', '.join(keys)}")
    return value


def from_json(text: str) -> RefundPolicy:
    """The policy a stored JSON text describes (the inverse of :func:`to_json`).

    Raises:
        BoxOfficeError: ``refund_policy_invalid`` when the text is not a policy of this layout (with ``problem``).
    """
    try:
        body = _table(json.loads(text), _TOP_KEYS, "the policy")
        if body["format"] != FORMAT or isinstance(body["format"], bool):
            raise ValueError(f"format must be {FORMAT}, got {body['format']!r}")
        if not isinstance(body["windows"], list):
            raise TypeError("windows must be a list")
        windows = tuple(RefundWindow(**_table(window, _WINDOW_KEYS, f"windows[{index}]"))
                        for index, window in enumerate(body["windows"]))
        exchange = ExchangePolicy(**_table(body["exchange"], _EXCHANGE_KEYS, "exchange"))
        return RefundPolicy(windows=windows, keep_service_fee=body["keep_service_fee"],
                            kiosk_self_refund=body["kiosk_self_refund"], exchange=exchange)
    except (ValueError, TypeError) as exc:  # json.JSONDecodeError is a ValueError
        raise BoxOfficeError("refund_policy_invalid", f"not a refund policy: {exc}", problem=str(exc)) from None


# --- The store: the only part of this module that touches a session. ----------------------------------------


_policy = RefundPolicyVersion.__table__  # type: ignore[attr-defined]
_order = SaleOrder.__table__  # type: ignore[attr-defined]
_INSERT_POLICY = {
    name: dialect_insert(_policy).on_conflict_do_nothing(index_elements=[_policy.c.digest])
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
"""Two terminals registering the same new policy at once store it once."""
_POLICY_ID = select(_policy.c.id).where(_policy.c.digest == bindparam("p_digest"))
_ORDER_POLICY = (
    select(_order.c.id, _policy.c.body)
    .select_from(_order.outerjoin(_policy, _policy.c.id == _order.c.refund_policy_id))
    .where(_order.c.id == bindparam("p_order"))
)


def register_policy(session: Session, policy: RefundPolicy, now: datetime) -> int:
    """The id of this policy's version in the store, stored first if it is not there yet.

    Call it once when a terminal starts (in a write transaction) and give the id to every sale it makes.

    Args:
        session: the caller's write transaction.
        policy: the policy now in force (:func:`policy_from_config` of ``config.refunds``).
        now: UTC-aware; recorded as ``created_at`` of a new version.
    """
    connection = session.connection()
    digest = policy_digest(policy)
    found = connection.execute(_POLICY_ID, {"p_digest": digest}).scalar()
    if found is None:
        connection.execute(_INSERT_POLICY[session.get_bind().dialect.name],
                           {"digest": digest, "body": to_json(policy), "created_at": now})
        found = connection.execute(_POLICY_ID, {"p_digest": digest}).scalar_one()
    return int(found)


def policy_of_order(session: Session, order_id: int) -> RefundPolicy | None:
    """The policy version the order was sold under, or None when it recorded none (sold before versions were).

    Raises:
        LookupError: no such order.
        BoxOfficeError: ``refund_policy_invalid`` when the stored version cannot be read.
    """
    row = session.connection().execute(_ORDER_POLICY, {"p_order": order_id}).first()
    if row is None:
        raise LookupError(f"no order {order_id}")
    return None if row.body is None else from_json(row.body)
