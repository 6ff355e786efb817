"""Reads kiosk.toml once, at the edge, into frozen typed models.

Everything downstream receives these objects (or plain values taken from them); nothing reads the file again
and no widget looks up a global settings object. Unknown keys are refused so that a misspelt key is reported
instead of silently falling back to a default. Every problem is reported as ``file: dotted.key: what was
expected`` and never as a traceback.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

if TYPE_CHECKING:
    from printing.spec import PrinterSpec

DEFAULT_CONFIG = Path("kiosk.toml")


class ConfigError(Exception):
    """A config file could not be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class SiteConfig(_Section):
    name_zh: str = "星光影城"
    """The cinema's name in Simplified Chinese."""
    name_en: str = "Starlight Cinema"
    """The cinema's name in English."""
    timezone: str = "Asia/Shanghai"
    """IANA time zone used to show and interpret local times."""
    currency: Literal["CNY"] = "CNY"
    """Currency; prices are integer fen."""
    language: Literal["zh", "en"] = "zh"
    """Language terminals start in."""
    cleaning_minutes: int = Field(default=15, ge=0, le=240)
    """Minutes between one showtime's end and the next start in the same auditorium."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"an IANA time zone such as Asia/Shanghai, got {value!r}") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The site's time zone."""
        return ZoneInfo(self.timezone)


class TerminalConfig(_Section):
    id: str = Field(default="counter-1", min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    """Stable identifier of this terminal."""
    name: str = Field(default="Counter 1", min_length=1, max_length=40)
    """Display name of this terminal."""
    mode: Literal["counter", "kiosk", "door"] = "counter"
    """Mode opened by default."""


class DatabaseConfig(_Section):
    url: str = "sqlite:///boxoffice.db"
    """SQLAlchemy URL: ``sqlite:///PATH`` (relative to the config file), or ``postgresql+psycopg://USER@HOST/DB``
    for one PostgreSQL server shared by the terminals of several machines (psycopg 3 is the driver installed)."""

    @field_validator("url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if value.startswith("sqlite:///"):
            return value
        if value.startswith("postgresql+psycopg://") and len(value) > len("postgresql+psycopg://"):
            return value
        raise ValueError(f"a sqlite:///PATH or postgresql+psycopg://USER@HOST/DB URL, got {value!r}")


class HoldsConfig(_Section):
    counter_seconds: int = Field(default=600, ge=30, le=3600)
    """Seconds a counter hold lasts."""
    kiosk_seconds: int = Field(default=300, ge=30, le=3600)
    """Seconds a kiosk hold lasts."""

    def seconds_for(self, channel: str) -> int:
        """Hold time for a sales channel ("counter" or "kiosk")."""
        return self.kiosk_seconds if channel == "kiosk" else self.counter_seconds


class SeatingConfig(_Section):
    no_single_gaps: bool = True
    """Refuse selections that leave one empty seat stranded (a supervisor may override)."""
    counter_only_last: int = Field(default=10, ge=0, le=500)
    """The last this-many free seats of a showtime are sold only at the counter."""


class PrinterConfig(_Section):
    """One ``[[printers]]`` table: a ticket or receipt printer (see docs/printing.md)."""

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    """Name used by commands and the technician screen (letters, digits, ``_.-``)."""
    role: Literal["tickets", "receipts"] = "tickets"
    """What it prints."""
    connection: Literal["usb", "network", "serial", "file", "cups", "preview"] = "preview"
    """How bytes reach it."""
    usb_vendor: int | None = Field(default=None, ge=0, le=0xFFFF)
    """usb: vendor id (write 0x04b8 as 0x04b8 or 1208)."""
    usb_product: int | None = Field(default=None, ge=0, le=0xFFFF)
    """usb: product id."""
    host: str | None = None
    """network: host name or address."""
    port: int = Field(default=9100, ge=1, le=65535)
    """network: TCP port (raw printing is 9100)."""
    device: str | None = None
    """serial: device path such as /dev/ttyUSB0."""
    baud: int = Field(default=9600, ge=1200, le=921600)
    """serial: speed."""
    path: str | None = None
    """file: the file or device written to; preview: the folder for job files (relative to kiosk.toml)."""
    cups_queue: str | None = None
    """cups: the queue's name."""
    profile: str = "TM-T20II"
    """python-escpos printer profile."""
    paper_mm: Literal[58, 80] = 80
    """Paper width in millimetres."""
    chinese: Literal["gb18030", "image"] = "gb18030"
    """gb18030 for printers with a Chinese font, image to draw Chinese as pictures."""
    qr: Literal["native", "image"] = "native"
    """native: the printer draws the QR code; image: sent as a picture."""
    cut: Literal["full", "partial", "none"] = "full"
    """Cut after each ticket."""
    logo: str | None = None
    """Optional logo image printed at the top (relative to kiosk.toml)."""
    fallback: str | None = None
    """Name of the printer that takes this one's jobs when it is out of order."""
    drawer: bool = False
    """A cash drawer hangs on this printer: open it on cash sales."""
    status_timeout_s: float = Field(default=0.5, gt=0, le=10)
    """Seconds to wait for the printer to answer a status query."""

    @model_validator(mode="after")
    def _connection_settings(self) -> "PrinterConfig":
        needed = {"usb": ("usb_vendor", "usb_product"), "network": ("host",), "serial": ("device",),
                  "file": ("path",), "cups": ("cups_queue",), "preview": ()}[self.connection]
        missing = [key for key in needed if getattr(self, key) in (None, "")]
        if missing:
            raise ValueError(f"{' and '.join(missing)} for a {self.connection} printer")
        return self


class StaffConfig(_Section):
    max_pin_attempts: int = Field(default=5, ge=1, le=20)
    """Wrong PINs in a row before a lockout."""
    lockout_seconds: int = Field(default=300, ge=10, le=86400)
    """Length of a lockout in seconds."""


class SecurityConfig(_Section):
    keys_dir: str = Field(default="keys", min_length=1)
    """Folder of the site's secret key files (pickup-code key, ticket signing key), relative to kiosk.toml.

    Created with mode 0700 and its keys with 0600 on first use; never in the store, so a copy of the database
    cannot reveal pickup codes or sign tickets. The keys belong to the site: copy this folder to every terminal.
    """


class PickupConfig(_Section):
    max_wrong_codes: int = Field(default=5, ge=1, le=100)
    """Wrong codes (or scans) at one kiosk within ``window_seconds`` that lock its pickup input."""
    window_seconds: int = Field(default=60, ge=10, le=3600)
    """The window in which wrong codes are counted."""
    lockout_seconds: int = Field(default=60, ge=10, le=3600)
    """How long the pickup input stays locked (a countdown is shown)."""
    lock_counter: bool = False
    """Also lock the pickup input of counter terminals (staff type codes read out by customers)."""


class DoorConfig(_Section):
    opens_minutes_before: int = Field(default=30, ge=0, le=240)
    """Tickets are let in from this many minutes before the showtime starts…"""
    closes_minutes_after_start: int = Field(default=60, ge=0, le=600)
    """…until this many minutes after it started (late comers)."""
    auditoriums: tuple[str, ...] = ()
    """Names of the halls this door serves; empty: every hall."""


class SmsConfig(_Section):
    gateway: Literal["log", "http"] = "log"
    """``log``: messages are appended to ``log_path`` (no SMS leaves the machine); ``http``: POSTed to ``url``."""
    log_path: str = "sms-outbox.log"
    """For ``log``: the file messages are appended to, relative to kiosk.toml."""
    url: str | None = None
    """For ``http``: the gateway's URL; the body is JSON made from ``body_template``."""
    body_template: str = '{"to": "{phone}", "text": "{text}"}'
    """For ``http``: the JSON body; ``{phone}`` and ``{text}`` are replaced (JSON-escaped)."""
    headers: dict[str, str] = {}
    """For ``http``: extra request headers (an API key…)."""
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    max_attempts: int = Field(default=6, ge=1, le=100)
    """Attempts before a message is marked failed; the wait doubles from 30 s between attempts."""
    cancelled_template_zh: str = "【{site}】抱歉，您购买的 {film} {time} {hall} 场次已取消，{action}。"
    """The notice that a showtime was cancelled (placeholders: site, film, time, hall, count, action)."""
    template_zh: str = "【{site}】取票码 {code}，{film} {time} {hall}，共{count}张。请在影院自助机或柜台取票。"
    """The pickup-code message in Chinese (placeholders: site, code, film, time, hall, count)."""

    @model_validator(mode="after")
    def _http_needs_url(self) -> SmsConfig:
        if self.gateway == "http" and not self.url:
            raise ValueError("url for an http gateway")
        return self


KEY_NAME = r"((ctrl|shift|alt)\+)*([a-z0-9]|f([1-9]|1[0-9]|2[0-4])|[a-z]+(_[a-z]+)*)"
"""A Textual key name: ``s``, ``f12``, ``ctrl+f12``, ``escape``, ``left_square_bracket``."""


class KioskConfig(_Section):
    """``[kiosk]``: how a self-service kiosk treats its customers."""

    idle_seconds: int = Field(default=90, ge=15, le=3600)
    """Seconds without a touch or key before the kiosk asks "Are you still there?" (never during a payment)."""
    still_there_seconds: int = Field(default=20, ge=5, le=300)
    """Seconds the question counts down before the kiosk gives the seats back and starts again."""
    done_seconds: int = Field(default=30, ge=5, le=600)
    """Seconds the done screen stays after the tickets printed, before the attract screen comes back."""
    max_party: int = Field(default=8, ge=1, le=9)
    """The most tickets one customer may buy at a kiosk (1–9)."""
    posters_dir: str = Field(default="posters", min_length=1)
    """Folder of film posters, relative to kiosk.toml: ``<English title as a slug>.png`` (``ne-zha-2.png``) or
    ``<Chinese title>.png``; a film without one shows a title card."""
    service_sequence: str = Field(default="f12 f12 f12 s", min_length=1, max_length=120)
    """Keys (Textual names, separated by spaces) a technician types within 5 seconds, anywhere, to be asked for a
    technician's PIN and reach the service menu."""
    printer_check_seconds: float = Field(default=3.0, ge=0.5, le=60)
    """How often the kiosk asks its ticket printer how it is; out of paper or offline puts it out of service."""
    theme: Literal["default", "high_contrast"] = "default"
    """Colours each customer session starts with: ``default``, or ``high_contrast`` (white and yellow on black)."""
    large_text: bool = False
    """Start each customer session with large text (taller buttons, more room, bold words)."""

    @field_validator("service_sequence")
    @classmethod
    def _key_names(cls, value: str) -> str:
        keys = value.split()
        bad = [key for key in keys if not re.fullmatch(KEY_NAME, key)]
        if bad or not keys:
            raise ValueError(f"key names separated by spaces, such as 'f12 f12 f12 s'; not a key name: {bad[0]!r}"
                             if bad else "at least one key name")
        return " ".join(keys)

    @property
    def service_keys(self) -> tuple[str, ...]:
        """The service sequence as key names."""
        return tuple(self.service_sequence.split())


class PaymentTerminalConfig(_Section):
    """``[payment_terminal]``: the card / mobile payment terminal beside a kiosk (see docs/kiosk.md)."""

    kind: Literal["simulated"] = "simulated"
    """Which terminal: only ``simulated`` (driven by files, for demos and tests) in this release."""
    methods: tuple[Literal["card", "mobile"], ...] = ("card", "mobile")
    """Ways to pay offered to the customer: ``card`` and/or ``mobile`` (WeChat Pay / Alipay)."""
    folder: str = Field(default="payment-terminal", min_length=1)
    """simulated: the folder of its ``next`` answer file and journal, relative to kiosk.toml."""
    default: Literal["approve", "decline", "timeout", "wait"] = "approve"
    """simulated: the answer when no ``boxoffice terminal`` command gave one (``wait``: wait for a command)."""
    delay_seconds: float = Field(default=2.0, ge=0, le=120)
    """simulated: seconds before the default answer (the customer at the terminal)."""
    timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    """Seconds to wait for the terminal's answer; then the payment counts as timed out (nothing taken)."""

    @field_validator("methods")
    @classmethod
    def _some_method(cls, methods: tuple[str, ...]) -> tuple[str, ...]:
        if not methods or len(set(methods)) != len(methods):
            raise ValueError("at least one of card and mobile, each once")
        return methods


class RefundWindowConfig(_Section):
    """One ``[[refunds.windows]]`` table: the terms of a refund asked for while the showtime is this far off."""

    until_minutes_before: int = Field(ge=0, le=525_600)
    """The window applies while the showtime starts in this many minutes or more (and has not started)."""
    percent_fee: float = Field(default=0, ge=0, le=100)
    """Percent of what is refunded after the kept fees that is kept (0–100, at most two decimals: 7.5 is 7.5 %)."""
    fixed_fee_fen: int = Field(default=0, ge=0, le=1_000_000)
    """Fen kept per ticket after the percentage (never more than is left of the ticket)."""
    counter_only: bool = False
    """Only the counter may refund in this window (never a kiosk)."""
    supervisor: bool = False
    """A supervisor approves with their PIN and a reason is recorded."""

    @field_validator("percent_fee")
    @classmethod
    def _two_decimals(cls, value: float) -> float:
        exponent = Decimal(str(value)).as_tuple().exponent
        if not isinstance(exponent, int) or exponent < -2:
            raise ValueError(f"a percentage with at most two decimals, got {value!r}")
        return value


def _default_windows() -> tuple[RefundWindowConfig, ...]:
    return (
        RefundWindowConfig(until_minutes_before=1440),
        RefundWindowConfig(until_minutes_before=120, percent_fee=10, fixed_fee_fen=200),
        RefundWindowConfig(until_minutes_before=0, percent_fee=20, fixed_fee_fen=200, counter_only=True,
                           supervisor=True),
    )


class ExchangeConfig(_Section):
    """``[refunds.exchange]``: swapping tickets for seats of another (or the same) showtime."""

    enabled: bool = True
    """Exchanges are offered at all."""
    until_minutes_before: int = Field(default=120, ge=0, le=525_600)
    """Allowed while the OLD showtime starts in this many minutes or more."""
    films: Literal["same", "any"] = "same"
    """``same``: only to another showtime of the same film; ``any``: to any film."""
    max_days_ahead: int = Field(default=7, ge=0, le=366)
    """The new showtime starts at most this many days from now (and has not started)."""
    ticket_type_change: bool = True
    """The new tickets may be of another ticket type (adult to child…)."""
    refund_difference: bool = True
    """A cheaper exchange pays the difference back to the original payments; false: the difference is forgone."""
    fee_fen: int = Field(default=0, ge=0, le=1_000_000)
    """Fen charged per exchanged ticket (waived when the old showtime was cancelled)."""
    counter_only: bool = True
    """Only the counter exchanges (kiosks do not)."""


class RefundsConfig(_Section):
    """``[refunds]``: the refund and exchange policy (see boxoffice/refund_policy.py).

    Fees apply per ticket in a fixed order: the kept service fee first, then the window's percentage of the rest
    (rounded half up to the fen), then its fixed fee; nothing is ever refunded below zero.
    """

    keep_service_fee: bool = True
    """The per-ticket service fee is kept on a refund (a cancelled showtime refunds it anyway)."""
    cancelled_showtime: Literal["refund", "exchange"] = "refund"
    """A cancelled showtime's orders: refunded in full at once, or kept for a free exchange at the counter."""
    kiosk_self_refund: bool = True
    """Kiosks may refund by themselves: only unprinted, uncollected tickets paid electronically, in a free window."""
    windows: tuple[RefundWindowConfig, ...] = Field(default_factory=_default_windows)
    """The ``[[refunds.windows]]`` tables, farthest from the showtime first; none: no refunds (but cancellations)."""
    exchange: ExchangeConfig = ExchangeConfig()
    """The ``[refunds.exchange]`` table."""

    @field_validator("windows")
    @classmethod
    def _strictly_ordered(cls, windows: tuple[RefundWindowConfig, ...]) -> tuple[RefundWindowConfig, ...]:
        for index in range(1, len(windows)):
            before, after = windows[index - 1].until_minutes_before, windows[index].until_minutes_before
            if after >= before:
                raise ValueError(
                    f"until_minutes_before to decrease strictly from one window to the next, but "
                    f"windows[{index}] has {after} after windows[{index - 1}] with {before}")
        return windows


class Config(_Section):
    """The whole of kiosk.toml."""

    site: SiteConfig = SiteConfig()
    terminal: TerminalConfig = TerminalConfig()
    database: DatabaseConfig = DatabaseConfig()
    holds: HoldsConfig = HoldsConfig()
    seating: SeatingConfig = SeatingConfig()
    staff: StaffConfig = StaffConfig()
    security: SecurityConfig = SecurityConfig()
    pickup: PickupConfig = PickupConfig()
    door: DoorConfig = DoorConfig()
    sms: SmsConfig = SmsConfig()
    refunds: RefundsConfig = RefundsConfig()
    kiosk: KioskConfig = KioskConfig()
    payment_terminal: PaymentTerminalConfig = PaymentTerminalConfig()
    printers: tuple[PrinterConfig, ...] = ()
    """The ``[[printers]]`` tables; the first with role "tickets" prints tickets."""
    source: Path = Field(default=Path("kiosk.toml"), exclude=True)
    """Where this config was read from (not a key of the file)."""

    @field_validator("printers")
    @classmethod
    def _printer_names(cls, printers: tuple[PrinterConfig, ...]) -> tuple[PrinterConfig, ...]:
        names = [printer.name for printer in printers]
        doubled = sorted({name for name in names if names.count(name) > 1})
        if doubled:
            raise ValueError(f"each printer to have its own name; used twice: {', '.join(doubled)}")
        for printer in printers:
            if printer.fallback is not None and printer.fallback not in names:
                raise ValueError(f"the fallback of printer {printer.name!r} to be a configured printer, "
                                 f"got {printer.fallback!r}")
        return printers

    def resolve(self, path: str) -> Path:
        """A path from the config, taken relative to the config file's folder."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else (self.source.parent / candidate)

    def printer(self, name: str) -> "PrinterConfig":
        """The printer called ``name``.

        Raises:
            KeyError: no such printer.
        """
        for printer in self.printers:
            if printer.name == name:
                return printer
        raise KeyError(name)

    @property
    def database_url(self) -> str:
        """The database URL with a relative SQLite path resolved against the config's folder."""
        url = self.database.url
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            relative = url.removeprefix("sqlite:///")
            if relative and relative != ":memory:" and not Path(relative).is_absolute():
                return "sqlite:///" + str((self.source.parent / relative).resolve())
        return url


def _describe(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see the documented kiosk.toml)"
    if kind == "missing":
        return "required key is missing"
    value = error.get("input")
    shown = f", got {value!r}" if not isinstance(value, dict) else ", got a table"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number{shown}"
    if kind in ("string_type",):
        return f"expected a text string{shown}"
    if kind in ("bool_type", "bool_parsing"):
        return f"expected true or false{shown}"
    if kind == "model_type":
        return f"expected a table{shown}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(error.get("ctx", {}).values()), "")
        sign = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        return f"expected a number {sign} {bound}{shown}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"expected one of {expected}{shown}"
    if kind == "value_error":
        return "expected " + str(error.get("ctx", {}).get("error", error["msg"]))
    return f"{error['msg']}{shown}"


def parse_config(text: str, source: Path) -> Config:
    """Parse the text of a config file; raise ConfigError naming ``source`` (as given) and each bad key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{source}: not valid TOML: {exc}"]) from None
    try:
        return Config.model_validate({**raw, "source": source.absolute()})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
            key = key.lstrip(".") or "(top level)"
            if key == "source":
                key = "source (not a kiosk.toml key)"
            problems.append(f"{source}: {key}: {_describe(error)}")
        raise ConfigError(problems) from None


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate a config file (``./kiosk.toml`` when no path is given)."""
    source = Path(path) if path is not None else DEFAULT_CONFIG
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{source}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{source}: cannot be read: {exc}"]) from None
    return parse_config(text, source)


def printer_spec(config: Config, printer: PrinterConfig) -> "PrinterSpec":
    """The printing package's view of a configured printer, with paths resolved beside the config file."""
    from printing.spec import PrinterSpec

    values = printer.model_dump()
    for key in ("path", "logo"):
        if values[key]:
            values[key] = str(config.resolve(values[key]))
    return PrinterSpec(**values)
