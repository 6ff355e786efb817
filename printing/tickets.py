"""What a ticket, a receipt and a pickup slip say, and how they are laid out on 58 and 80 mm paper.

The caller (the print queue) fills :class:`TicketContent` / :class:`ReceiptContent` from the store (a kiosk fills
:class:`PickupSlipContent`, which carries the pickup code the store never holds in clear); this module
never sees a database row and never imports ``boxoffice``. Amounts arrive as integer fen and are formatted by
:func:`yuan` here. Times arrive already in the cinema's local time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from printing.document import (
    QR,
    Block,
    Columns,
    Cut,
    Document,
    Image,
    Rule,
    Text,
    display_width,
    fit,
)
from printing.spec import PrinterSpec

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PAYMENT_METHODS = {"cash": "现金 Cash", "card": "银行卡 Card", "mobile": "移动支付 Mobile",
                   "online": "网络购票 Online"}


def yuan(fen: int) -> str:
    """``4500`` → ``"￥45.00"``; ``-300`` → ``"-￥3.00"``.

    The full-width sign U+FFE5 is used because it is in GB2312 (A3A4), so every Chinese-market printer prints it
    in Chinese mode; U+00A5 exists only as a four-byte GB18030 code that many printers lack. It takes two cells.
    """
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}￥{whole:,}.{cents:02d}"


@dataclass(frozen=True)
class TicketContent:
    """Everything printed on one ticket."""

    cinema_zh: str
    cinema_en: str
    film_zh: str
    film_en: str
    hall: str
    """Hall name as shown to customers, e.g. ``3号厅 IMAX``."""
    starts_local: datetime
    row_label: str
    seat_number: int | str
    seat_label: str
    """The seat's short label from the seat plan (``5-12``, ``E12``), printed under the QR code."""
    ticket_type_zh: str
    ticket_type_en: str
    price_fen: int
    fee_fen: int
    order_reference: str
    ticket_number: str
    """E.g. ``1204-K7QH2MX9-01``."""
    sold_at_local: datetime
    terminal_name: str
    qr_payload: str
    """The entry token the door scanner reads."""
    reprint: int = 0
    """0 for the original; n for the n-th reprint, marked on paper."""


@dataclass(frozen=True)
class ReceiptContent:
    """A sale or refund receipt. Amounts in fen; for a refund they are the amounts paid back (positive)."""

    kind: str
    """``sale`` or ``refund``."""
    cinema: str
    order_reference: str
    items: tuple[tuple[str, int], ...]
    """(label, amount in fen), e.g. ``("流浪地球2 5排12座 成人", 4500)``."""
    fees_fen: int
    total_fen: int
    payments: tuple[tuple[str, int, str], ...]
    """(method ``cash``/``card``/``mobile`` or a label, amount in fen, masked reference such as
    ``**** 1234`` or ``""``)."""
    change_fen: int
    masked_phone: str | None
    """Already masked (``138****1234``), or None."""
    at_local: datetime
    terminal_name: str
    reprint: int = 0
    """0 for the first print; n for the n-th reprint (marked on paper)."""
    deductions: tuple[tuple[str, int], ...] = ()
    """For a refund: what was kept of ``items`` (label, amount in fen, positive), printed as minus lines before
    the refund total (``items`` minus ``deductions`` is ``total_fen``)."""


@dataclass(frozen=True)
class PickupSlipContent:
    """The slip a kiosk prints on its receipt printer when it took the money but could not print the tickets."""

    cinema_zh: str
    cinema_en: str
    order_reference: str
    film_zh: str
    film_en: str
    hall: str
    starts_local: datetime
    seats: tuple[tuple[str, int | str], ...]
    """(row label, seat number) of the tickets to collect at the counter."""
    pickup_code: str
    """The code as read out and typed: grouped, ``123 456 7890``."""
    at_local: datetime
    terminal_name: str


def _header(title: str, spec: PrinterSpec) -> Text:
    """A centred bold title, double width when it fits on one line."""
    wide = display_width(title) * 2 <= spec.chars_per_line
    return Text(title, align="center", bold=True, double_height=True, double_width=wide)


def _logo(spec: PrinterSpec) -> tuple[Block, ...]:
    return (Image(spec.logo),) if spec.logo else ()


def weekday_zh(moment: datetime) -> str:
    """``周六`` for a Saturday."""
    return WEEKDAYS_ZH[moment.weekday()]


def ticket_document(t: TicketContent, spec: PrinterSpec) -> Document:
    """One ticket, ending in a cut. Several tickets: add their documents (``doc1 + doc2``)."""
    width = spec.chars_per_line
    starts = t.starts_local
    when = f"{starts:%Y-%m-%d} {weekday_zh(starts)} {WEEKDAYS_EN[starts.weekday()]} {starts:%H:%M}"
    if display_width(when) > width:
        when = f"{starts:%m-%d} {weekday_zh(starts)} {starts:%H:%M}"
    reprint: tuple[Block, ...] = ()
    if t.reprint > 0:
        reprint = (_header(f"重打 REPRINT {t.reprint}", spec),)
    blocks: tuple[Block, ...] = (
        *_logo(spec),
        _header(t.cinema_zh, spec),
        Text(t.cinema_en, align="center"),
        *reprint,
        Rule(),
        Text(t.film_zh, align="center", bold=True, double_height=True),
        *((Text("\n".join(fit(t.film_en, width, 2)), align="center"),) if t.film_en.strip() else ()),
        Columns("影厅 Hall", t.hall),
        Text(when, align="center", bold=True, double_height=True),
        Rule(),
        _header(f"{t.row_label}排{t.seat_number}座", spec),
        Text(f"Row {t.row_label} Seat {t.seat_number}", align="center", bold=True),
        Rule(),
        Columns("票种 Type", f"{t.ticket_type_zh} {t.ticket_type_en}"),
        Columns("票价 Price", yuan(t.price_fen)),
        Columns("服务费 Service fee", yuan(t.fee_fen)),
        Rule(),
        QR(t.qr_payload, size=6 if spec.paper_mm == 80 else 5),
        Text(f"{t.ticket_number}  {t.seat_label}", align="center"),
        Columns("订单 Order", t.order_reference),
        Columns("售出 Sold", f"{t.sold_at_local:%Y-%m-%d %H:%M}"),
        Columns("终端 Terminal", t.terminal_name),
        *((Text(f"重打 REPRINT {t.reprint}", align="center", bold=True),) if t.reprint > 0 else ()),
        Cut(),
    )
    return Document(blocks)


def tickets_document(tickets: tuple[TicketContent, ...] | list[TicketContent], spec: PrinterSpec) -> Document:
    """Several tickets in one document (one job), each ending in its own cut."""
    return Document(tuple(block for t in tickets for block in ticket_document(t, spec).blocks))


def _method(method: str, reference: str) -> str:
    label = PAYMENT_METHODS.get(method, method)
    return f"{label} {reference}".strip()


def receipt_document(r: ReceiptContent, spec: PrinterSpec) -> Document:
    """A sale or refund receipt, ending in a cut."""
    refund = r.kind == "refund"
    blocks: list[Block] = [
        *_logo(spec),
        Text(r.cinema, align="center", bold=True, double_height=True),
        Text("退款凭证 REFUND RECEIPT" if refund else "销售小票 SALES RECEIPT", align="center", bold=True),
        *((_header(f"重打 REPRINT {r.reprint}", spec),) if r.reprint > 0 else ()),
        Rule(),
        Columns("订单 Order", r.order_reference),
        Columns("时间 Time", f"{r.at_local:%Y-%m-%d %H:%M}"),
        Columns("终端 Terminal", r.terminal_name),
        Rule(),
        *(Columns(label, yuan(amount)) for label, amount in r.items),
        *(Columns(label, yuan(-amount)) for label, amount in r.deductions if amount),
    ]
    if r.fees_fen:
        blocks.append(Columns("服务费 Fees", yuan(r.fees_fen)))
    blocks += [
        Rule(),
        Columns("退款合计 Refund total" if refund else "合计 Total", yuan(r.total_fen), bold=True),
        Text("退回 Refunded to" if refund else "付款 Paid"),
        *(Columns("  " + _method(method, ref), yuan(amount)) for method, amount, ref in r.payments),
    ]
    if r.change_fen:
        blocks.append(Columns("找零 Change", yuan(r.change_fen)))
    if r.masked_phone:
        blocks.append(Columns("手机 Phone", r.masked_phone))
    blocks += [Rule(), Text("谢谢惠顾 Thank you", align="center"), Cut()]
    return Document(tuple(blocks))


def pickup_slip_document(s: PickupSlipContent, spec: PrinterSpec) -> Document:
    """The pickup slip: collect at the counter (Chinese and English), the pickup code large, the order, film,
    time, hall and seats; ending in a cut. Fits 58 mm paper (the code in double size is 24 of its 32 cells)."""
    width = spec.chars_per_line
    starts = s.starts_local
    when = f"{starts:%Y-%m-%d} {weekday_zh(starts)} {WEEKDAYS_EN[starts.weekday()]} {starts:%H:%M}"
    if display_width(when) > width:
        when = f"{starts:%m-%d} {weekday_zh(starts)} {starts:%H:%M}"
    blocks: tuple[Block, ...] = (
        *_logo(spec),
        _header(s.cinema_zh, spec),
        Text(s.cinema_en, align="center"),
        Text("取票凭条 PICKUP SLIP", align="center", bold=True),
        Rule(),
        Text("本机未能出票，您的票已付款有效。", align="center"),
        Text("Your tickets are paid and valid, but could not be printed here.", align="center"),
        Text("请凭取票码到售票台取票", align="center", bold=True, double_height=True),
        Text("Please collect your tickets at the counter", align="center", bold=True),
        Rule("="),
        Text("取票码 Pickup code", align="center"),
        Text(s.pickup_code, align="center", bold=True, double_height=True, double_width=True),
        Rule("="),
        Text(s.film_zh, align="center", bold=True, double_height=True),
        *((Text("\n".join(fit(s.film_en, width, 2)), align="center"),) if s.film_en.strip() else ()),
        Text(when, align="center", bold=True),
        Columns("影厅 Hall", s.hall),
        Text(f"座位 Seats ({len(s.seats)})", bold=True),
        *(Columns(f"  {row}排{number}座", f"Row {row} Seat {number}") for row, number in s.seats),
        Rule(),
        Columns("订单 Order", s.order_reference),
        Columns("时间 Time", f"{s.at_local:%Y-%m-%d %H:%M}"),
        Columns("终端 Terminal", s.terminal_name),
        Rule(),
        Text("取票码请勿告知他人", align="center"),
        Text("Keep this code to yourself.", align="center"),
        Cut(),
    )
    return Document(blocks)
