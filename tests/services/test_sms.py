"""The SMS outbox in a real store: sealed in the sale's transaction, sent through real gateways (a log file, a
local HTTP server), retried with back-off on a fixed clock, sent once however many senders race."""

from __future__ import annotations

import json
import re
import socket
import stat
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from boxoffice.i18n import catalog
from boxoffice.pickup_codes import format_code
from boxoffice.sms import (
    HttpGateway,
    LogFileGateway,
    SmsError,
    gateway_from_config,
    open_body,
    pickup_sms_text,
    queue_pickup_sms,
    recent_messages,
    retry_after,
    send_due,
)
from boxoffice.sms_sender import SmsSender
from db.engine import make_engine, transaction
from db.models import AuditEntry, SmsMessage
from kiosk.config import SmsConfig
from tests.support.sales import sell
from tests.support.stores import stored_bytes

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEY = bytes(range(32))
PHONE = "13812345678"
REPO = Path(__file__).resolve().parents[2]


class Gateway:
    """A real local HTTP server on 127.0.0.1 that records each JSON body and answers with the next status."""

    def __init__(self, statuses: list[int] | None = None, delay_s: float = 0.0) -> None:
        self.statuses = list(statuses or [])
        self.received: list[dict] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(delay_s)
                with gateway._lock:
                    gateway.received.append(json.loads(body))
                    gateway.headers.append(dict(self.headers))
                    status = gateway.statuses.pop(0) if gateway.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_gateway():
    servers: list[Gateway] = []

    def start(statuses: list[int] | None = None, delay_s: float = 0.0) -> Gateway:
        servers.append(Gateway(statuses, delay_s))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _messages(store) -> list[SmsMessage]:
    with transaction(store, write=False) as session:
        return list(session.exec(select(SmsMessage).order_by(SmsMessage.id)).all())


def _audit(store, action: str) -> list[AuditEntry]:
    with transaction(store, write=False) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


def _raw_store_bytes(store) -> bytes:
    return stored_bytes(store)  # SQLite: the file, -wal, -shm; PostgreSQL: every row


# --- queueing ----------------------------------------------------------------------------------------------


def test_a_sale_with_a_phone_queues_one_sealed_message_the_store_file_does_not_reveal(demo_store, now):
    sold = sell(demo_store, now=now, zone=SHANGHAI, key=KEY, phone=PHONE)
    code = sold.result.pickup_code
    assert code is not None and sold.message_id is not None
    [message] = _messages(demo_store)
    assert (message.order_id, message.kind, message.status, message.attempts) == (
        sold.result.order_id, "pickup_code", "queued", 0)
    assert (message.phone, message.phone_masked, message.next_attempt_at) == (PHONE, "138****5678", now)
    text = open_body(message.body_sealed, phone=PHONE, key=KEY)
    assert format_code(code) in text and "1号厅" in text and "共1张" in text and text.startswith("【星光影城】")
    raw = _raw_store_bytes(demo_store)
    assert PHONE.encode() in raw  # the check does look at the stored data
    for secret in (code, format_code(code), "取票码"):
        assert secret.encode() not in raw


def test_no_message_without_a_phone_and_one_message_per_order(demo_store, now):
    from boxoffice.sms import queue_order_pickup_sms

    assert sell(demo_store, now=now, zone=SHANGHAI, key=KEY, phone=None).message_id is None
    sold = sell(demo_store, now=now, zone=SHANGHAI, key=KEY, phone=PHONE, index=1)
    with transaction(demo_store) as session:
        again = queue_order_pickup_sms(session, order_id=sold.result.order_id, code=sold.result.pickup_code,
                                       template="{code}", site_name="x", zone=SHANGHAI, key=KEY, now=now)
        without_code = queue_order_pickup_sms(session, order_id=sold.result.order_id, code=None, template="{code}",
                                              site_name="x", zone=SHANGHAI, key=KEY, now=now)
    assert (again, without_code) == (sold.message_id, None)
    assert len(_messages(demo_store)) == 1


def test_a_broken_template_still_sends_the_code():
    values = {"site": "星光影城", "code": "1234567890", "film": "满江红", "time": "12月4日 19:30", "hall": "1号厅",
              "count": 2}
    assert pickup_sms_text("{code} {unknown}", **values) == "123 456 7890 {unknown}"
    text = pickup_sms_text("取票码 {code", **values)  # a stray brace: the default text
    assert "123 456 7890" in text and "满江红" in text


def test_a_body_sealed_for_another_number_or_key_does_not_open():
    from boxoffice.sms import seal_body

    sealed = seal_body("取票码 123", phone=PHONE, key=KEY)
    assert open_body(sealed, phone=PHONE, key=KEY) == "取票码 123"
    for phone, key in ((PHONE, bytes(32)), ("13900000000", KEY)):
        with pytest.raises(SmsError) as caught:
            open_body(sealed, phone=phone, key=key)
        assert caught.value.code == "sms_body_unreadable"


# --- gateways ----------------------------------------------------------------------------------------------


def test_log_gateway_delivers_and_the_outbox_erases_text_and_number(demo_store, now, tmp_path):
    sold = sell(demo_store, now=now, zone=SHANGHAI, key=KEY, phone=PHONE)
    log_file = tmp_path / "sms" / "outbox.log"
    gateway = LogFileGateway(log_file, clock=lambda: now)
    report = send_due(demo_store, gateway, now=now, key=KEY, max_attempts=6, terminal_id="counter-1")
    assert (report.sent, report.retrying, report.failed, str(report)) == (1, 0, 0, "1 sent, 0 to retry, 0 failed")
    [line] = log_file.read_text(encoding="utf-8").splitlines()
    stamp, phone, text = line.split("\t")
    assert (stamp, phone) == ("2026-12-04T02:00:00Z", PHONE) and format_code(sold.result.pickup_code) in text
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    [message] = _messages(demo_store)
    assert (message.status, message.body_sealed, message.phone, message.sent_at) == ("sent", None, None, now)
    assert message.phone_masked == "138****5678"
    [entry] = _audit(demo_store, "sms.sent")
    assert "138****5678" in entry.detail and PHONE not in entry.detail
    assert sold.result.pickup_code not in entry.detail and entry.terminal_id == "counter-1"
    assert send_due(demo_store, gateway, now=now + timedelta(hours=1), key=KEY, max_attempts=6).handled == 0


def test_http_gateway_posts_the_template_as_json_to_a_real_server(http_gateway):
    server = http_gateway()
    gateway = HttpGateway(server.url, '{"to": "{phone}", "msg": {"text": "{text}", "sign": "星光"}}',
                          {"X-Api-Key": "k-123"}, timeout_s=5)
    awkward = '取票码 123 456 7890，"引号" \\ 反斜杠\n换行'
    gateway.send(PHONE, awkward)
    assert server.received == [{"to": PHONE, "msg": {"text": awkward, "sign": "星光"}}]
    assert server.headers[0]["X-Api-Key"] == "k-123"
    assert server.headers[0]["Content-Type"].startswith("application/json")


def test_http_gateway_errors_say_why_briefly(http_gateway):
    refused = HttpGateway(http_gateway([503]).url, '{"to": "{phone}", "text": "{text}"}')
    with pytest.raises(SmsError) as caught:
        refused.send(PHONE, "x")
    assert (caught.value.code, caught.value.reason) == ("sms_gateway_refused", "HTTP 503 Service Unavailable")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SmsError) as caught:
        HttpGateway(f"http://127.0.0.1:{port}/", '{"t": "{text}"}', timeout_s=2).send(PHONE, "x")
    assert caught.value.code == "sms_gateway_unreachable"
    with pytest.raises(SmsError) as caught:
        HttpGateway("file:///etc/passwd", "{}")
    assert caught.value.code == "sms_gateway_url"
    with pytest.raises(SmsError) as caught:
        HttpGateway("http://127.0.0.1/", '{"text": {text}}').send(PHONE, "x")  # the value is not in a JSON string
    assert caught.value.code == "sms_gateway_template"


def test_gateway_from_config(tmp_path):
    log = gateway_from_config(SmsConfig(), tmp_path)
    assert isinstance(log, LogFileGateway) and log.path == tmp_path / "sms-outbox.log"
    http = gateway_from_config(SmsConfig(gateway="http", url="https://sms.example.com/send"), tmp_path)
    assert isinstance(http, HttpGateway) and http.url == "https://sms.example.com/send"


def test_every_sms_error_code_has_words_in_both_languages():
    codes = set()
    for name in ("sms.py", "sms_gateways.py"):
        codes |= set(re.findall(r"""SmsError\(\s*["']([a-z_]+)["']""", (REPO / "boxoffice" / name).read_text()))
    codes |= {"sms_interrupted"}
    assert len(codes) >= 6
    for language in ("zh", "en"):
        assert sorted(code for code in codes if f"error.{code}" not in catalog(language)) == []


# --- retries -----------------------------------------------------------------------------------------------


def test_a_gateway_answering_500_then_200_is_retried_after_the_backoff_and_sent_once(demo_store, now,
                                                                                        http_gateway):
    server = http_gateway([500, 200])
    gateway = HttpGateway(server.url, '{"to": "{phone}", "text": "{text}"}')
    sell(demo_store, now=now, zone=SHANGHAI, key=KEY, phone=PHONE)
    first = send_due(demo_store, gateway, now=now, key=KEY, max_attempts=6)
    assert (first.sent, first.retrying) == (0, 1)
    [message] = _messages(demo_store)
    assert (message.status, message.attempts, message.next_attempt_at) == ("queued", 1, now + timedelta(seconds=30))
    assert message.last_error == "sms_gateway_refused: HTTP 500 Internal Server Error"
    assert send_due(demo_store, gateway, now=now + timedelta(seconds=29), key=KEY, max_attempts=6).handled == 0
    later = send_due(demo_store, gateway, now=now + timedelta(seconds=30), key=KEY, max_attempts=6)
    assert later.sent == 1 and len(server.received) == 2
    [message] = _messages(demo_store)
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)
    assert [retry_after(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_a_message_fails_after_max_attempts(demo_store, now, http_gateway):
    server = http_gateway([500] * 10)
    gateway = HttpGateway(server.url, '{"to": "{phone}", "text": "{text}"}')
    sell(demo_store, now=now, zone=SHANGHAI, key=KEY, phone=PHONE)
    at = now
    for expected in ("queued", "queued", "failed"):
        report = send_due(demo_store, gateway, now=at, key=KEY, max_attempts=3)
        [message] = _messages(demo_store)
        assert message.status == expected and report.handled == 1
        at = message.next_attempt_at
    assert (report.failed, message.attempts, len(server.received)) == (1, 3, 3)
    assert send_due(demo_store, gateway, now=at + timedelta(days=1), key=KEY, max_attempts=3).handled == 0
    [entry] = _audit(demo_store, "sms.failed")
    assert "HTTP 500" in entry.detail and PHONE not in entry.detail
    [view] = _recent(demo_store)
    assert (view.status, view.phone_masked, view.attempts) == ("failed", "138****5678", 3)


def _recent(store):
    with transaction(store, write=False) as session:
        return recent_messages(session)


# --- several senders, dead senders -------------------------------------------------------------------------


def test_two_senders_racing_send_each_message_once(demo_store, now, http_gateway):
    server = http_gateway(delay_s=0.01)
    sold = sell(demo_store, now=now, zone=SHANGHAI, key=KEY, phone=PHONE)
    with transaction(demo_store) as session:
        for n in range(24):
            queue_pickup_sms(session, order_id=sold.result.order_id, phone=PHONE, code="", text=f"message {n}",
                             key=KEY, now=now)
    start = threading.Barrier(2)
    reports = []

    def terminal(name: str) -> None:
        engine = make_engine(str(demo_store.url))  # each terminal its own connections to the one store file
        gateway = HttpGateway(server.url, '{"to": "{phone}", "text": "{text}"}')
        start.wait()
        try:
            reports.append(send_due(engine, gateway, now=now, key=KEY, max_attempts=6, limit=100,
                                    terminal_id=name))
        finally:
            engine.dispose()

    threads = [threading.Thread(target=terminal, args=(f"counter-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    texts = [body["text"] for body in server.received]
    assert len(texts) == len(set(texts)) == 25
    assert sum(report.sent for report in reports) == 25
    assert {message.status for message in _messages(demo_store)} == {"sent"}


class _Crash(BaseException):
    """The sender's process dies in the middle of sending (not an error the sender could catch)."""


class CrashingGateway:
    def send(self, phone: str, text: str) -> None:
        raise _Crash


def test_a_message_left_sending_by_a_dead_sender_is_sent_again_after_five_minutes(demo_store, now, tmp_path):
    sell(demo_store, now=now, zone=SHANGHAI, key=KEY, phone=PHONE)
    with pytest.raises(_Crash):
        send_due(demo_store, CrashingGateway(), now=now, key=KEY, max_attempts=6)
    [message] = _messages(demo_store)
    assert (message.status, message.attempts) == ("sending", 1)
    gateway = LogFileGateway(tmp_path / "sms.log")
    early = send_due(demo_store, gateway, now=now + timedelta(minutes=4, seconds=59), key=KEY, max_attempts=6)
    assert (early.handled, early.recovered, _messages(demo_store)[0].status) == (0, 0, "sending")
    late = send_due(demo_store, gateway, now=now + timedelta(minutes=5), key=KEY, max_attempts=6)
    assert (late.recovered, late.sent) == (1, 1)
    [message] = _messages(demo_store)
    assert (message.status, message.attempts) == ("sent", 2)
    assert len((tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()) == 1


def test_a_dead_senders_message_on_its_last_attempt_is_given_up(demo_store, now, tmp_path):
    sell(demo_store, now=now, zone=SHANGHAI, key=KEY, phone=PHONE)
    with pytest.raises(_Crash):
        send_due(demo_store, CrashingGateway(), now=now, key=KEY, max_attempts=1)
    report = send_due(demo_store, LogFileGateway(tmp_path / "sms.log"), now=now + timedelta(minutes=5), key=KEY,
                      max_attempts=1)
    assert (report.recovered, report.sent, _messages(demo_store)[0].status) == (1, 0, "failed")
    assert "sms_interrupted" in _audit(demo_store, "sms.failed")[0].detail


def test_the_background_sender_sends_and_stops(demo_store, now, tmp_path):
    sell(demo_store, now=now, zone=SHANGHAI, key=KEY, phone=PHONE)
    log_file = tmp_path / "sms.log"
    sender = SmsSender(demo_store, LogFileGateway(log_file), key=KEY, max_attempts=6, terminal_id="counter-1",
                       clock=lambda: now, poll_s=0.05)
    sender.start()
    try:
        deadline = time.monotonic() + 10
        while not log_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        assert sender.stop()
    assert len(log_file.read_text(encoding="utf-8").splitlines()) == 1
    assert _messages(demo_store)[0].status == "sent"
