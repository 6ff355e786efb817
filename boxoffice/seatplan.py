"""Seat plans as text files a person can read, draw and review, and their parser.

A hall's plan is part of the site's configuration, kept as a validated text file (the format is described in
``docs/seatplan.md``): the file *is* the map, so a technician sees the hall while editing it and a reviewer sees
a change as a diff. This module only turns text into a frozen :class:`SeatPlan` or a :class:`SeatPlanError` that
lists every problem with its line and column; it never touches the store (``boxoffice.auditoriums`` imports a
plan into it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from boxoffice.errors import BoxOfficeError

SEAT_KINDS = ("standard", "premium", "wheelchair", "companion", "couple-left", "couple-right")
"""Every seat kind a plan can give a seat."""

SEAT_CHARS: dict[str, tuple[str, bool, bool]] = {
    "o": ("standard", False, False),
    "P": ("premium", False, False),
    "W": ("wheelchair", False, False),
    "C": ("companion", False, False),
    "(": ("couple-left", False, False),
    ")": ("couple-right", False, False),
    "X": ("standard", True, False),
    "H": ("standard", False, True),
}
"""Seat character → (kind, blocked, house)."""

GAP = "."
AISLES = ("|", " ")
DEFAULT_ZONES = ("standard", "premium")
PREMIUM_ZONE = "premium"
HEADER_KEYS = ("name", "name_en", "screen", "zones")
REQUIRED_KEYS = ("name", "name_en", "screen")
SCREEN_SIDES = ("top", "bottom")

_EXPECTED = "o P W C ( ) X H . | or space"
_HEADER_RE = re.compile(r"^([A-Za-z_]+)\s*:(.*)$")
_ROW_LABEL_RE = re.compile(r"^(?:[A-Z]{1,2}|[1-9][0-9]?)$")
_ZONE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,15}$")
_MAX_NAME = 40
_MAX_NAME_EN = 80


def seat_label(row_label: str, number: int) -> str:
    """How a seat is named in messages: ``F7`` for lettered rows, ``5-12`` for numbered rows."""
    return f"{row_label}-{number}" if row_label.isdigit() else f"{row_label}{number}"


@dataclass(frozen=True)
class PlanSeat:
    """One seat of a plan.

    Attributes:
        row_label: the row's label as written (``F`` or ``12``).
        number: the seat's number in its row, counting seats from 1 left to right as printed in the file.
        grid_row: 0-based row on the plan's grid, from the top of the file (cross aisles take a grid row).
        grid_col: 0-based column on the plan's grid, as the file lines up.
        kind: one of :data:`SEAT_KINDS`.
        zone: the price zone, e.g. ``standard``, ``premium`` or ``vip``.
        blocked: broken or otherwise not for sale.
        house: kept back for the cinema; sold only with a supervisor's approval.
    """

    row_label: str
    number: int
    grid_row: int
    grid_col: int
    kind: str = "standard"
    zone: str = "standard"
    blocked: bool = False
    house: bool = False

    @property
    def label(self) -> str:
        """The seat's name for people, see :func:`seat_label`."""
        return seat_label(self.row_label, self.number)


@dataclass(frozen=True)
class SeatPlan:
    """A parsed, valid seat plan.

    Attributes:
        name: the hall's name (Chinese), e.g. ``1号厅``.
        name_en: the hall's English name.
        screen_side: ``top`` or ``bottom``: where the screen is on the grid.
        grid_rows: rows of the grid (seat rows plus cross aisles).
        grid_cols: columns of the grid.
        seats: every seat, in file order (row by row, left to right).
        row_labels: the seat rows' labels from the top of the file down.
        zones: the price zones the plan declares; the first is the default zone of a row.
        aisle_cols: grid columns with no seat in any row that are marked as an aisle in at least one row.
        cross_aisle_rows: grid rows that are cross aisles.
        text: the plan's source text, kept so that the store can show and re-export it.
    """

    name: str
    name_en: str
    screen_side: str
    grid_rows: int
    grid_cols: int
    seats: tuple[PlanSeat, ...]
    row_labels: tuple[str, ...] = ()
    zones: tuple[str, ...] = DEFAULT_ZONES
    aisle_cols: tuple[int, ...] = ()
    cross_aisle_rows: tuple[int, ...] = ()
    text: str = field(default="", repr=False, compare=False)

    @property
    def seat_count(self) -> int:
        """How many seats the plan has, blocked and house seats included."""
        return len(self.seats)

    def row(self, row_label: str) -> tuple[PlanSeat, ...]:
        """The seats of one row, left to right."""
        return tuple(seat for seat in self.seats if seat.row_label == row_label)


@dataclass(frozen=True)
class PlanProblem:
    """One thing wrong with a plan, at a 1-based line and column of its source."""

    source: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.message}"


class SeatPlanError(BoxOfficeError):
    """A plan that cannot be used; ``problems`` lists every problem found, in order of position."""

    def __init__(self, problems: list[PlanProblem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda p: (p.line, p.column)))
        text = "\n".join(str(problem) for problem in self.problems)
        super().__init__("seatplan_invalid", text, problems=text, count=len(self.problems))


@dataclass
class _Row:
    label: str
    line: int
    column: int
    grid_row: int
    zone: str
    zone_column: int
    cells: list[tuple[int, str]]  # (0-based index in the line, character), seats, gaps and inner aisles


class _Parser:
    """One parse of one text; collects problems instead of stopping at the first."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines = text.splitlines()
        self.problems: list[PlanProblem] = []
        self.header: dict[str, tuple[str, int, int]] = {}
        self.rows: list[_Row] = []
        self.cross_aisles: list[int] = []
        self.screen_lines: list[tuple[int, int, int]] = []  # line, column, rows above it
        self.grid_row = 0

    def problem(self, line: int, column: int, message: str) -> None:
        self.problems.append(PlanProblem(self.source, line, column, message))

    def parse(self, text: str) -> SeatPlan:
        if not text.strip():
            self.problem(1, 1, "empty plan: expected header lines (name:, name_en:, screen:) and seat rows")
            raise SeatPlanError(self.problems)
        for number, raw in enumerate(self.lines, start=1):
            self.read_line(number, raw)
        zones = self.check_header()
        screen = self.header.get("screen", ("top", 0, 0))[0]
        self.check_screen_lines(screen)
        seats = self.build_seats(zones)
        if not self.rows:
            self.problem(len(self.lines), 1, "no seat rows: a row is a label such as 'A', then its seats")
        if self.problems:
            raise SeatPlanError(self.problems)
        return SeatPlan(
            name=self.header["name"][0],
            name_en=self.header["name_en"][0],
            screen_side=screen,
            grid_rows=self.grid_row,
            grid_cols=max((col for row in self.rows for col, _ in row.cells), default=-1) + 1 - self.origin,
            seats=tuple(seats),
            row_labels=tuple(row.label for row in self.rows),
            zones=zones,
            aisle_cols=self.aisle_cols(seats),
            cross_aisle_rows=tuple(self.cross_aisles),
            text=text,
        )

    def read_line(self, number: int, raw: str) -> None:
        if "\t" in raw:
            self.problem(number, raw.index("\t") + 1, "tab character: use spaces so that the columns line up")
            raw = raw.replace("\t", " ")
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            return
        indent = len(raw) - len(raw.lstrip())
        header = _HEADER_RE.match(raw)
        if header:
            value = header.group(2)
            value_column = raw.index(":") + 2 + len(value) - len(value.lstrip())
            self.read_header(number, header.group(1), value.strip(), value_column)
        elif stripped.startswith("="):
            self.screen_lines.append((number, indent + 1, len(self.rows)))
        elif set(stripped) == {"-"}:
            if not self.rows:
                self.problem(number, indent + 1, "cross aisle ('---') before the first seat row")
            self.cross_aisles.append(self.grid_row)
            self.grid_row += 1
        else:
            self.read_row(number, raw, indent)

    def read_header(self, number: int, key: str, value: str, value_column: int) -> None:
        if self.rows:
            self.problem(number, 1, f"header line '{key}:' after the first seat row: put the header above")
        elif key not in HEADER_KEYS:
            self.problem(number, 1, f"unknown header key '{key}' (expected one of {', '.join(HEADER_KEYS)})")
        elif key in self.header:
            self.problem(number, 1, f"header key '{key}' given twice (first on line {self.header[key][1]})")
        elif not value:
            self.problem(number, 1, f"header key '{key}' has no value")
        else:
            self.header[key] = (value, number, value_column)

    def read_row(self, number: int, raw: str, indent: int) -> None:
        body_end = raw.index("#") if "#" in raw else len(raw)
        zone, zone_column = "", 0
        if "@" in raw[:body_end]:
            at = raw.index("@")
            suffix = raw[at + 1 : body_end]
            zone, zone_column = suffix.strip(), at + 2 + len(suffix) - len(suffix.lstrip())
            if not zone:
                self.problem(number, at + 1, "missing zone name after '@'")
            body_end = at
        label_end = indent
        while label_end < body_end and raw[label_end] != " ":
            label_end += 1
        label = raw[indent:label_end]
        if not _ROW_LABEL_RE.match(label):
            message = f"row label '{label}' must be 1-2 capital letters (A, AA) or a number 1-99"
            self.problem(number, indent + 1, message)
        body = raw[:body_end].rstrip()
        cells = [(i, ch) for i, ch in enumerate(body) if i >= label_end]
        while cells and cells[0][1] == " ":
            cells.pop(0)
        row = _Row(label, number, indent + 1, self.grid_row, zone, zone_column, cells)
        self.rows.append(row)
        self.grid_row += 1
        self.check_row(row)

    def check_row(self, row: _Row) -> None:
        chars = dict(row.cells)
        seats = 0
        for index, ch in row.cells:
            column = index + 1
            if ch in SEAT_CHARS:
                seats += 1
            elif ch != GAP and ch not in AISLES:
                self.problem(row.line, column, f"unknown seat character '{ch}' (expected one of {_EXPECTED})")
            if ch == "(" and chars.get(index + 1) != ")":
                self.problem(row.line, column, "couple-left seat '(' must be followed directly by its ')'")
            if ch == ")" and chars.get(index - 1) != "(":
                self.problem(row.line, column, "couple-right seat ')' has no '(' directly before it")
            if ch == "C" and "W" not in (chars.get(index - 1), chars.get(index + 1)):
                self.problem(row.line, column, "companion seat 'C' must be directly beside a wheelchair 'W'")
        if seats == 0 and _ROW_LABEL_RE.match(row.label):
            self.problem(row.line, row.column, f"row '{row.label}' has no seats")
        for earlier in self.rows[:-1]:
            if earlier.label == row.label:
                self.problem(
                    row.line, row.column, f"duplicate row label '{row.label}' (first on line {earlier.line})"
                )
                break

    def check_header(self) -> tuple[str, ...]:
        for key in REQUIRED_KEYS:
            if key not in self.header:
                hint = " (screen: top or screen: bottom)" if key == "screen" else ""
                self.problem(1, 1, f"missing header key '{key}:'{hint}")
        if "screen" in self.header:
            value, line, column = self.header["screen"]
            if value not in SCREEN_SIDES:
                self.problem(line, column, f"screen must be 'top' or 'bottom', not '{value}'")
        for key, limit in (("name", _MAX_NAME), ("name_en", _MAX_NAME_EN)):
            if key in self.header and len(self.header[key][0]) > limit:
                value, line, column = self.header[key]
                self.problem(line, column, f"{key} is longer than {limit} characters")
        if "zones" not in self.header:
            return DEFAULT_ZONES
        value, line, column = self.header["zones"]
        zones: list[str] = []
        for zone in re.split(r"[\s,]+", value):
            if not _ZONE_RE.match(zone):
                self.problem(line, column, f"zone name '{zone}' must be lowercase letters, digits, - or _")
            elif zone in zones:
                self.problem(line, column, f"zone '{zone}' listed twice")
            else:
                zones.append(zone)
        return tuple(zones) or DEFAULT_ZONES

    def check_screen_lines(self, screen: str) -> None:
        for line, column, _ in self.screen_lines[1:]:
            self.problem(line, column, "more than one screen line")
        if not self.screen_lines:
            return
        line, column, rows_above = self.screen_lines[0]
        side = "top" if rows_above == 0 else "bottom" if rows_above == len(self.rows) else "between rows"
        if side == "between rows":
            self.problem(line, column, "screen line between seat rows: put it above or below all rows")
        elif side != screen and screen in SCREEN_SIDES:
            self.problem(line, column, f"screen line is at the {side} but the header says screen: {screen}")

    @property
    def origin(self) -> int:
        """The line index of grid column 0: the leftmost cell of any row, so the grid is the file's layout."""
        return min((row.cells[0][0] for row in self.rows if row.cells), default=0)

    def build_seats(self, zones: tuple[str, ...]) -> list[PlanSeat]:
        seats: list[PlanSeat] = []
        origin, premium_reported = self.origin, False
        for row in self.rows:
            if row.zone and row.zone not in zones:
                self.problem(
                    row.line, row.zone_column, f"unknown zone '{row.zone}' (zones: {', '.join(zones)})"
                )
            row_zone = row.zone or zones[0]
            number = 0
            for index, ch in row.cells:
                if ch not in SEAT_CHARS:
                    continue
                kind, blocked, house = SEAT_CHARS[ch]
                zone = row_zone
                if kind == "premium":
                    zone = PREMIUM_ZONE
                    if PREMIUM_ZONE not in zones and not premium_reported:  # once, not for every P
                        listed = ", ".join(zones)
                        self.problem(
                            row.line,
                            index + 1,
                            f"premium seat 'P' but zone 'premium' is not in zones: {listed}",
                        )
                        premium_reported = True
                number += 1
                seats.append(
                    PlanSeat(row.label, number, row.grid_row, index - origin, kind, zone, blocked, house)
                )
        return seats

    def aisle_cols(self, seats: list[PlanSeat]) -> tuple[int, ...]:
        seat_cols = {seat.grid_col for seat in seats}
        marked = {index - self.origin for row in self.rows for index, ch in row.cells if ch in AISLES}
        return tuple(sorted(marked - seat_cols))


def parse_seatplan(text: str, source: str = "<plan>") -> SeatPlan:
    """Parse a seat plan's text.

    Args:
        text: the plan, in the format of ``docs/seatplan.md``.
        source: the name used in problem messages, usually the file's name.

    Returns:
        The plan, with seats numbered and placed on the grid.

    Raises:
        SeatPlanError: the plan has problems; all of them are listed, each with its line and column.
    """
    return _Parser(text, source).parse(text)


def read_seatplan(path: Path) -> SeatPlan:
    """Read and parse a plan file (UTF-8); problems name the file."""
    return parse_seatplan(path.read_text(encoding="utf-8"), source=path.name)


def demo_seatplans() -> tuple[SeatPlan, ...]:
    """The demo cinema's halls, from the ``*.plan`` files shipped in ``boxoffice/demo``, in file-name order."""
    folder = resources.files("boxoffice") / "demo"
    entries = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".plan")), key=lambda e: e.name
    )
    return tuple(parse_seatplan(entry.read_text(encoding="utf-8"), source=entry.name) for entry in entries)
