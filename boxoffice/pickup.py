"""Finding what a customer presents at pickup: a typed pickup code or a scanned entry token.

The core of pickup only: turn the text into an order or a ticket, or refuse it with a coded error the kiosk
shows in the customer's language. What comes next (showing the order, printing, marking tickets picked up,
locking the input after repeated wrong codes) builds on these two functions.

Cheap refusals come first: a code whose check digit is wrong is refused before the store is asked anything, and a
token is checked against its signature before any query, so garbage typed or scanned costs no lookup.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import bindparam, select
from sqlmodel import Session

from boxoffice.entry_tokens import TokenClaims, verify_token
from boxoffice.errors import BoxOfficeError
from boxoffice.pickup_codes import code_digest, has_valid_check_digit, normalize
from db.models import RevokedToken, SaleOrder, Ticket

_order = SaleOrder.__table__  # type: ignore[attr-defined]
_ticket = Ticket.__table__  # type: ignore[attr-defined]
_revoked = RevokedToken.__table__  # type: ignore[attr-defined]

_BY_DIGEST = select(_order.c.id).where(_order.c.pickup_code_digest == bindparam("p_digest"))
_TICKET_STATE = (
    select(_ticket.c.token_nonce, _revoked.c.reason.label("revoked_reason"))
    .select_from(_ticket.outerjoin(_revoked, _revoked.c.ticket_id == _ticket.c.id))
    .where(_ticket.c.id == bindparam("p_ticket"))
)


def find_order_by_code(session: Session, *, code_text: str, key: bytes) -> int | None:
    """The id of the order whose pickup code this is, or None when no order has it.

    ``code_text`` is what was typed: spaces, dashes and full-width digits are fine. The order is returned
    whatever its state (refunded, showtime over): saying why nothing can be picked up is the caller's part.

    Raises:
        BoxOfficeError: ``pickup_code_check`` (``reason``: ``format`` or ``check_digit``) when the text is not 10
            digits or its check digit is wrong, before any query.
    """
    digits = normalize(code_text)
    if digits is None:
        raise BoxOfficeError("pickup_code_check", "a pickup code is 10 digits", reason="format")
    if not has_valid_check_digit(digits):
        raise BoxOfficeError("pickup_code_check", "the pickup code's check digit is wrong", reason="check_digit")
    return session.connection().execute(_BY_DIGEST, {"p_digest": code_digest(digits, key)}).scalar()


def read_entry_token(session: Session, *, text: str, public_key: Ed25519PublicKey) -> TokenClaims:
    """The claims of a scanned entry token that is genuine and still valid.

    The signature is checked first (no query for an altered or forged token), then the store: the ticket must
    exist, must not be revoked, and the token must be the ticket's current one (a re-issued token replaces the
    old). Whether the ticket may be picked up or let in now (its showtime, its state) is the caller's part.

    Raises:
        BoxOfficeError: ``token_malformed``, ``token_version``, ``token_signature`` (as
            :class:`boxoffice.entry_tokens.TokenError`, a BoxOfficeError); ``token_unknown`` for a genuine
            token of a ticket this store does not have; ``token_revoked`` (``reason``: the revocation reason, or
            ``replaced``) for a refunded, exchanged or replaced ticket.
    """
    claims = verify_token(public_key, text)
    state = session.connection().execute(_TICKET_STATE, {"p_ticket": claims.ticket_id}).first()
    if state is None:
        raise BoxOfficeError("token_unknown", "no such ticket in this store", ticket_id=claims.ticket_id)
    if state.revoked_reason is not None:
        raise BoxOfficeError("token_revoked", "this ticket's token was revoked", ticket_id=claims.ticket_id,
                             reason=state.revoked_reason)
    if state.token_nonce != claims.nonce:
        raise BoxOfficeError("token_revoked", "this ticket has a newer token", ticket_id=claims.ticket_id,
                             reason="replaced")
    return claims
