"""Where SMS messages leave the site: a local log file by default, or an SMS provider's HTTP API.

Providers differ in URL, authentication and body, but most take a JSON POST; ``[sms]`` in kiosk.toml describes
it (``url``, ``body_template``, ``headers``) instead of this module knowing providers by name. The log file is
the working default: a site can sell, queue and "send" end to end with nothing leaving the machine, and a
technician can read what would have gone out.

A gateway raises :class:`SmsError` with a short reason when a message did not get through; the outbox
(:mod:`boxoffice.sms`) then retries it later. Only the standard library talks HTTP here (``urllib``): one POST
needs no extra dependency.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from boxoffice.errors import BoxOfficeError

_REASON_CHARS = 120


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SmsError(BoxOfficeError):
    """A message could not be delivered (or opened); ``reason`` says why in a few words, never the text.

    Codes: ``sms_gateway_refused`` (the gateway answered, not with 2xx), ``sms_gateway_unreachable`` (no
    answer), ``sms_gateway_url`` (not an http(s) URL), ``sms_gateway_template`` (the body is not JSON),
    ``sms_log_unwritable``, ``sms_body_unreadable`` (sealed under another key, or altered).
    """

    def __init__(self, code: str, reason: str) -> None:
        reason = reason[:_REASON_CHARS]
        super().__init__(code, f"SMS not sent: {reason}", reason=reason)
        self.reason = reason


class SmsGateway(Protocol):
    """Hands one text to one phone number, or raises :class:`SmsError`."""

    def send(self, phone: str, text: str) -> None: ...


class SmsSettings(Protocol):
    """The ``[sms]`` section of kiosk.toml as read here (``kiosk.config.SmsConfig``: the domain imports no
    UI)."""

    @property
    def gateway(self) -> str: ...
    @property
    def log_path(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def body_template(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def timeout_s(self) -> float: ...


class LogFileGateway:
    """Appends each message as one line (UTC time, number, text; tab-separated) to a file only its owner
    reads.

    The file holds full numbers and codes, like a real gateway's records: it is created with mode 0600.

    Args:
        path: the file; it and its folder are created when missing.
        clock: returns the current UTC time (for the line's timestamp).
    """

    def __init__(self, path: Path, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self.path = Path(path)
        self._clock = clock

    def send(self, phone: str, text: str) -> None:
        """Append the message; raises ``sms_log_unwritable`` when the file cannot be written."""
        flat = " ".join(text.splitlines())
        line = f"{self._clock().astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}\t{phone}\t{flat}\n".encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(descriptor, line)  # one write per line: several senders' lines do not interleave
            finally:
                os.close(descriptor)
        except OSError as exc:
            raise SmsError("sms_log_unwritable", f"{self.path}: {exc.strerror or exc}") from None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would arrive as a GET without its body: treat a redirect as a refusal instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _json_text(value: str) -> str:
    """``value`` as the inside of a JSON string (quotes, backslashes, control characters escaped)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


class HttpGateway:
    """POSTs each message as JSON to an SMS provider; any answer but 2xx, or none, is an :class:`SmsError`.

    Args:
        url: ``http://`` or ``https://`` address of the provider's send API.
        body_template: the JSON body with ``{phone}`` and ``{text}`` inside JSON strings, e.g.
            ``{"to": "{phone}", "text": "{text}"}``; the values are JSON-escaped. Other braces are left alone.
        headers: extra request headers (an API key); ``Content-Type`` is JSON unless given.
        timeout_s: how long to wait for the provider.

    Raises:
        SmsError: ``sms_gateway_url`` for another scheme (``file:`` and the like are never opened).
    """

    def __init__(self, url: str, body_template: str, headers: Mapping[str, str] | None = None,
                 timeout_s: float = 5.0) -> None:
        if not url.lower().startswith(("http://", "https://")):
            raise SmsError("sms_gateway_url", url)
        self.url = url
        self._template = body_template
        self._headers = {"Content-Type": "application/json; charset=utf-8", **dict(headers or {})}
        self._timeout_s = timeout_s
        self._opener = urllib.request.build_opener(_NoRedirect)

    def body(self, phone: str, text: str) -> bytes:
        """The request body for one message.

        Raises:
            SmsError: ``sms_gateway_template`` when the filled template is not JSON.
        """
        body = self._template.replace("{phone}", _json_text(phone)).replace("{text}", _json_text(text))
        try:
            json.loads(body)
        except ValueError as exc:
            raise SmsError("sms_gateway_template", str(exc)) from None
        return body.encode("utf-8")

    def send(self, phone: str, text: str) -> None:
        """POST the message; returns when the provider answered 2xx."""
        request = urllib.request.Request(self.url, data=self.body(phone, text), headers=self._headers,
                                         method="POST")
        try:
            with self._opener.open(request, timeout=self._timeout_s) as response:
                status = response.status
                response.read(4096)  # let the connection finish cleanly; what it says is not needed
        except urllib.error.HTTPError as exc:
            exc.close()
            raise SmsError("sms_gateway_refused", f"HTTP {exc.code} {exc.reason}".strip()) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            raise SmsError("sms_gateway_unreachable",
                           getattr(reason, "strerror", None) or str(reason)) from None
        except (TimeoutError, OSError) as exc:
            raise SmsError("sms_gateway_unreachable", str(exc) or type(exc).__name__) from None
        if not 200 <= status < 300:
            raise SmsError("sms_gateway_refused", f"HTTP {status}")


def gateway_from_config(settings: SmsSettings, config_dir: Path) -> SmsGateway:
    """The gateway ``[sms]`` describes; a relative ``log_path`` is taken from kiosk.toml's folder."""
    if settings.gateway == "http":
        if not settings.url:
            raise SmsError("sms_gateway_url", "no url configured")
        return HttpGateway(settings.url, settings.body_template, settings.headers, settings.timeout_s)
    path = Path(settings.log_path).expanduser()
    return LogFileGateway(path if path.is_absolute() else Path(config_dir) / path)
