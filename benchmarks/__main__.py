"""``python -m benchmarks``: every benchmark of the product in one table, each against a baseline measured in
the same run on the same machine. Options: ``--quick`` (shorter runs), ``--only seatmap|sales|pg-sales|pickup|launch|printing``."""

from __future__ import annotations

import argparse
import os
import platform


def _machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    """Run the benchmarks and print one table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs (less stable numbers)")
    parser.add_argument("--only", choices=["seatmap", "sales", "pg-sales", "pickup", "launch", "printing"], help="run one benchmark")
    args = parser.parse_args()
    rows: list[tuple[str, str, str, str, str]] = []
    notes: list[str] = []
    raw_sales_per_second: float | None = None
    if args.only in (None, "seatmap"):
        from benchmarks import seatmap

        r = seatmap.measure(n_moves=60 if args.quick else 200)
        rows.append(("seat map: CPU per cursor move + repaint, 1,000 seats", f"{r['seatmap_ms_per_move']:.2f} ms",
                     "1,000 Static widgets", f"{r['baseline_ms_per_move']:.2f} ms", f"{r['ratio']:.1f}x faster"))
        rows.append(("seat map: move + composed frame", f"{r['seatmap_frame_ms_per_move']:.2f} ms",
                     "1,000 Static widgets", f"{r['baseline_frame_ms_per_move']:.2f} ms",
                     f"{r['frame_ratio']:.1f}x faster"))
    if args.only in (None, "sales"):
        from benchmarks import sales

        r = sales.measure(seconds=2.0 if args.quick else 4.0)
        rows.append((f"sales/s, {sales.PROCESSES} processes, our services (SQLite)",
                     f"{r['service_per_second']:.0f}/s", "raw sqlite3, same settings",
                     f"{r['raw_per_second']:.0f}/s", f"{r['ratio']:.2f}x of raw"))
        raw_sales_per_second = r["raw_per_second"]
    if args.only in (None, "pg-sales"):
        from benchmarks import pg_sales

        missing = pg_sales.binaries_missing()
        if missing:
            notes.append(f"sales/s on PostgreSQL skipped: {missing}")
        else:
            r = pg_sales.measure(seconds=2.0 if args.quick else 4.0, raw_per_second=raw_sales_per_second)
            rows.append((f"sales/s, {pg_sales.PROCESSES} processes, our services (PostgreSQL, fsync={r['fsync']})",
                         f"{r['per_second']:.0f}/s (median; " + ", ".join(f"{x:.0f}" for x in r["rates"]) + ")",
                         "raw sqlite3, 4 processes", f"{r['raw_per_second']:.0f}/s",
                         f"{r['ratio']:.2f}x of raw"))
    if args.only in (None, "pickup"):
        from benchmarks import pickup

        r = pickup.measure(lookups=2_000 if args.quick else pickup.LOOKUPS)
        rows.extend(pickup.table_rows(r))
        notes.extend(pickup.notes(r))
    if args.only in (None, "launch"):
        from benchmarks import launch

        rows.extend(launch.table_rows(launch.measure(runs=3 if args.quick else 5)))
    if args.only in (None, "printing"):
        from benchmarks import printing as printing_bench

        r = printing_bench.measure()
        rows.extend(printing_bench.table_rows(r))
    print(f"machine: {_machine()}")
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    header = ("benchmark", "ours", "baseline", "baseline value", "ratio")
    widths = [max(w, len(h)) for w, h in zip(widths, header)]
    for row in (header, *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)))
    for note in notes:
        print(f"note: {note}")


if __name__ == "__main__":
    main()
