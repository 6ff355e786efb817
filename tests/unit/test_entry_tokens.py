"""Entry tokens: signed, compact enough for a version-5 QR code, and refused after any change."""

import base64
import stat
from dataclasses import dataclass

import pytest
import qrcode
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from boxoffice.entry_tokens import (
    TOKEN_ERROR_CODES,
    TOKEN_LENGTH,
    TokenClaims,
    TokenError,
    load_or_create_signing_key,
    load_public_key,
    new_token_nonce,
    public_key_pem,
    sign_token,
    verify_token,
)
from boxoffice.errors import BoxOfficeError
from boxoffice.i18n import catalog
from boxoffice.site_keys import SiteKeyError

PRIVATE = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = PRIVATE.public_key()
OTHER_SITE = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))


@dataclass(frozen=True)
class T:
    id: int | None
    showtime_id: int
    seat_id: int
    token_nonce: str | None


TICKET = T(1234567, 45678, 23456, "0a1b2c3d")
TOKEN = sign_token(PRIVATE, TICKET)


def _refused_code(text: str) -> str:
    with pytest.raises(TokenError) as caught:
        verify_token(PUBLIC, text)
    return caught.value.code


def _qr(text: str) -> tuple[int, int]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return code.version, code.modules_count


def test_a_signed_token_gives_back_its_claims():
    assert verify_token(PUBLIC, TOKEN) == TokenClaims(1234567, 45678, 23456, "0a1b2c3d")
    assert verify_token(PUBLIC, TOKEN + "\r\n") == verify_token(PUBLIC, "  " + TOKEN)  # a scanner's Enter


def test_token_is_194_digits_starting_with_its_version():
    assert len(TOKEN) == TOKEN_LENGTH == 194
    assert TOKEN.isascii() and TOKEN.isdigit() and TOKEN[0] == "1"


@pytest.mark.parametrize("ids", [(0, 0, 0), (2**32 - 1, 2**32 - 1, 2**32 - 1), (1, 2, 3)])
def test_ids_round_trip_at_the_bounds(ids):
    token = sign_token(PRIVATE, T(*ids, new_token_nonce()))
    assert len(token) == 194
    claims = verify_token(PUBLIC, token)
    assert (claims.ticket_id, claims.showtime_id, claims.seat_id) == ids


@pytest.mark.parametrize("ticket", [T(None, 1, 1, "00000000"), T(2**32, 1, 1, "00000000"), T(1, -1, 1, "00000000"),
                                    T(1, 1, 1, None), T(1, 1, 1, "abc"), T(1, 1, 1, "0011223344"), T(1, 1, 1, "zz")])
def test_tickets_that_cannot_be_signed_are_refused(ticket):
    with pytest.raises(ValueError):
        sign_token(PRIVATE, ticket)


def test_tokens_of_a_ticket_differ_by_nonce():
    again = sign_token(PRIVATE, T(TICKET.id, TICKET.showtime_id, TICKET.seat_id, "ffffffff"))
    assert again != TOKEN and verify_token(PUBLIC, again).nonce == "ffffffff"
    assert len(new_token_nonce()) == 8 and new_token_nonce() != new_token_nonce()


def test_changing_any_one_digit_of_a_token_makes_it_refused():
    for position in range(len(TOKEN)):
        for digit in "0123456789":
            if digit != TOKEN[position]:
                altered = TOKEN[:position] + digit + TOKEN[position + 1:]
                expected = {"token_version"} if position == 0 else {"token_signature", "token_malformed"}
                assert _refused_code(altered) in expected, position


@given(st.data())
def test_changing_any_one_character_of_a_token_to_anything_makes_it_refused(data):
    position = data.draw(st.integers(0, len(TOKEN) - 1))
    char = data.draw(st.characters().filter(lambda c: c != TOKEN[position]))
    altered = TOKEN[:position] + char + TOKEN[position + 1:]
    assert _refused_code(altered) in TOKEN_ERROR_CODES


@given(st.integers(0, len(TOKEN) - 1), st.text(min_size=1, max_size=3))
def test_inserted_or_deleted_characters_make_a_token_refused(position, extra):
    for altered in (TOKEN[:position] + TOKEN[position + 1:], TOKEN[:position] + extra + TOKEN[position:]):
        if altered.strip() != TOKEN:
            assert _refused_code(altered) in TOKEN_ERROR_CODES


@given(st.one_of(st.text(max_size=300), st.from_regex(r"\A1[0-9]{193}\Z"), st.from_regex(r"\A[0-9]{150,250}\Z")))
def test_random_text_is_refused_with_a_token_code_and_never_crashes(text):
    assert _refused_code(text) in TOKEN_ERROR_CODES


def test_a_token_of_another_site_is_a_bad_signature():
    assert _refused_code(sign_token(OTHER_SITE, TICKET)) == "token_signature"


def test_unknown_version_and_wrong_shapes():
    assert _refused_code("2" + TOKEN[1:]) == "token_version"
    assert _refused_code("9" * 194) == "token_version"
    assert _refused_code("1" + "9" * 193) == "token_malformed"  # above the largest 80-byte number
    assert _refused_code(TOKEN[:-1]) == "token_malformed"
    assert _refused_code("1234567890") == "token_malformed"  # a pickup code is not a token
    assert _refused_code("") == "token_malformed"
    assert _refused_code(None) == "token_malformed"  # type: ignore[arg-type]
    full_width = "".join(chr(0xFF10 + int(d)) for d in TOKEN)
    assert _refused_code(full_width) == "token_malformed"


def test_token_errors_are_box_office_errors_with_words_in_both_languages():
    assert issubclass(TokenError, BoxOfficeError)
    codes = (*TOKEN_ERROR_CODES, "token_revoked", "token_unknown", "pickup_code_check", "pickup_code_exhausted")
    for language in ("zh", "en"):
        assert [code for code in codes if f"error.{code}" not in catalog(language)] == []
    assert "请核对取票码" in catalog("zh")["error.pickup_code_check"]


def _base45(data: bytes) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += [alphabet[n % 45], alphabet[n // 45 % 45], alphabet[n // 2025]]
    if len(data) % 2:
        out += [alphabet[data[-1] % 45], alphabet[data[-1] // 45]]
    return "".join(out)


def test_decimal_makes_the_smallest_qr_code_of_the_encodings_considered():
    raw = b"\x01" + int(TOKEN[1:]).to_bytes(80, "big")  # the same 81 bytes in each encoding
    sizes = {
        "decimal": _qr(TOKEN),
        "base45": _qr(_base45(raw)),
        "base32": _qr(base64.b32encode(raw).decode().rstrip("=")),
        "base64url": _qr(base64.urlsafe_b64encode(raw).decode().rstrip("=")),
    }
    assert sizes["decimal"] == (5, 37)
    assert sizes["decimal"] <= min(sizes.values())
    assert sizes["base32"] == (6, 41) and sizes["base64url"] == (7, 45)


def test_signing_key_is_created_owner_only_reused_and_its_public_half_verifies(tmp_path):
    keys = tmp_path / "keys"
    key = load_or_create_signing_key(keys)
    path = keys / "entry-signing-key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    again = load_or_create_signing_key(keys, create=False)
    token = sign_token(key, TICKET)
    door = load_public_key(public_key_pem(again))
    assert verify_token(door, token) == verify_token(door, sign_token(again, TICKET))
    assert public_key_pem(key) == public_key_pem(key.public_key())
    assert "PRIVATE" not in public_key_pem(key)


def test_missing_or_foreign_signing_keys_are_refused(tmp_path):
    with pytest.raises(SiteKeyError, match="not found"):
        load_or_create_signing_key(tmp_path / "none", create=False)
    (tmp_path / "ed448").mkdir(mode=0o700)
    foreign = tmp_path / "ed448" / "entry-signing-key.pem"
    foreign.write_bytes(Ed448PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    foreign.chmod(0o600)
    with pytest.raises(SiteKeyError, match="not an Ed25519 key"):
        load_or_create_signing_key(tmp_path / "ed448")
    foreign.write_bytes(b"garbage")
    with pytest.raises(SiteKeyError, match="not an unencrypted PEM"):
        load_or_create_signing_key(tmp_path / "ed448")
    with pytest.raises(ValueError):
        load_public_key("not a key")
    with pytest.raises(ValueError):
        load_public_key(Ed448PrivateKey.generate().public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def test_a_printed_token_scans_back_to_the_same_text():
    import zxingcpp
    from PIL import ImageOps

    from printing.render import qr_image

    for dots, size in ((576, 6), (384, 5)):  # 80 mm and 58 mm rolls, module sizes as tickets print
        picture = ImageOps.expand(qr_image(TOKEN, size, dots).convert("L"), border=40, fill=255)
        decoded = [r.text for r in zxingcpp.read_barcodes(picture) if r.format == zxingcpp.BarcodeFormat.QRCode]
        assert decoded == [TOKEN]
        assert verify_token(PUBLIC, decoded[0]).ticket_id == TICKET.id
