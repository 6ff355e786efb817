"""PIN hashing with scrypt (hashlib, no extra dependency): a copy of the store does not reveal PINs."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# 2**14 × 8 × 1 ≈ 16 MiB, ~40 ms: cheap at a sign-in, expensive for someone trying all 10^6 six-digit PINs.
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str) -> str:
    """A salted scrypt hash of ``pin`` in the form ``scrypt$N$r$p$salt$hash`` (hex)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when ``pin`` matches a hash made by :func:`hash_pin` (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate.hex(), digest)
