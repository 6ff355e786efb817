"""The kiosk's service state machine: printer readings and the technician's flag in, in/out of service out."""

from __future__ import annotations

import pytest

from boxoffice.kiosk_service import KioskService, decide_service, printer_state
from printing import PrinterStatus

OK = PrinterStatus(True, "ok", "online, paper ok")
NEAR_END = PrinterStatus(True, "near_end", "online, paper near end")
PAPER_OUT = PrinterStatus(False, "out", "offline: paper out", "paper_out")
COVER = PrinterStatus(False, "ok", "offline: cover open", "cover_open")
UNREACHABLE = PrinterStatus(False, "unknown", "connection refused", "printer_unreachable")
SILENT = PrinterStatus(None, "unknown", "connected, but no status answer in time")


@pytest.mark.parametrize(("status", "state", "reason"), [
    (OK, "ok", None), (NEAR_END, "near_end", None), (PAPER_OUT, "paper_out", "printer_paper_out"),
    (COVER, "cover_open", "printer_cover_open"), (UNREACHABLE, "offline", "printer_offline"),
    (PrinterStatus(False, "ok", "offline", "printer_offline"), "offline", "printer_offline"),
])
def test_each_printer_reading_gives_a_state_and_a_reason_code(status, state, reason):
    service = KioskService(kiosk=True, printer_configured=True)
    service.printer_status(status)
    assert (service.printer_state, service.in_service, service.reason) == (state, reason is None, reason)


def test_out_of_paper_then_back_by_itself_when_the_printer_recovers():
    changes: list[tuple[bool, str | None]] = []
    service = KioskService(kiosk=True, printer_configured=True)
    service.on_change = lambda: changes.append((service.in_service, service.reason))
    assert service.printer_status(OK) and service.in_service
    assert service.printer_status(PAPER_OUT)
    assert not service.printer_status(PAPER_OUT)  # the same reading again changes nothing
    assert service.printer_status(OK)
    assert changes == [(True, None), (False, "printer_paper_out"), (True, None)]


def test_a_reading_that_cannot_tell_keeps_the_last_known_problem():
    service = KioskService(kiosk=True, printer_configured=True)
    service.printer_status(PAPER_OUT)
    assert not service.printer_status(SILENT)
    assert service.reason == "printer_paper_out"
    fresh = KioskService(kiosk=True, printer_configured=True)
    fresh.printer_status(SILENT)
    assert fresh.in_service and fresh.printer_state == "unknown"


def test_the_technician_outranks_the_printer_and_stays_out_until_put_back():
    service = KioskService(kiosk=True, printer_configured=True, taken_out=True)
    assert (service.in_service, service.reason) == (False, "taken_out_of_service")
    service.printer_status(PAPER_OUT)
    assert service.reason == "taken_out_of_service"
    service.set_taken_out(False)
    assert service.reason == "printer_paper_out"
    service.printer_status(OK)
    assert service.in_service


def test_no_ticket_printer_and_other_modes_stay_in_service():
    no_printer = KioskService(kiosk=True, printer_configured=False)
    assert not no_printer.printer_status(PAPER_OUT)
    assert no_printer.in_service and no_printer.printer_state == "none"
    counter = KioskService(kiosk=False, printer_configured=True)
    counter.printer_status(PAPER_OUT)
    assert counter.in_service and counter.printer_state == "paper_out"
    assert decide_service(taken_out=False, printer_problem="printer_failed").reason == "printer_offline"
    assert printer_state(None, configured=False) == "none" and printer_state(None) == "unknown"


def test_a_payment_in_progress_is_told_and_undone_by_the_context_manager():
    seen: list[bool] = []
    service = KioskService(kiosk=True, printer_configured=True)
    service.on_change = lambda: seen.append(service.payment_in_progress)
    with pytest.raises(RuntimeError), service.payment():
        assert service.payment_in_progress
        raise RuntimeError("declined")
    assert not service.payment_in_progress and seen == [True, False]
