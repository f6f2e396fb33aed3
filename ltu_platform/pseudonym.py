"""Pseudonymisation of CPR numbers with a keyed hash (domain.md, Data protection).

The key is configuration (``LTU_PSEUDO_KEY``), never code. HMAC-SHA256 keeps the mapping
stable across loads (so joins work) while nobody without the key can recompute it from a CPR
number, which a plain hash of a 10-digit number would not prevent.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable

import numpy as np

KEY_ENV = "LTU_PSEUDO_KEY"
PERSON_KEY_LENGTH = 20  # hex characters: 80 bits, collision-free at national scale


class MissingPseudonymisationKey(RuntimeError):
    pass


def pseudo_key(env: dict[str, str] | None = None) -> bytes:
    value = (os.environ if env is None else env).get(KEY_ENV)
    if not value:
        raise MissingPseudonymisationKey(
            f"{KEY_ENV} is not set: CPR numbers cannot be pseudonymised without the key "
            "(set it in the environment; `make` sets a demo key)."
        )
    return value.encode("utf-8")


def person_key(cpr: str, key: bytes | None = None) -> str:
    key = pseudo_key() if key is None else key
    # hmac.digest is the one-shot C path: ~10x faster than hmac.new(...).hexdigest() at national scale.
    return hmac.digest(key, cpr.encode("ascii"), "sha256").hex()[:PERSON_KEY_LENGTH]


def person_keys(cprs: Iterable[str], key: bytes | None = None) -> np.ndarray:
    """Vectorised over an array of CPR numbers (one HMAC each; ~1 µs per number)."""
    key = pseudo_key() if key is None else key
    return np.array([person_key(c, key) for c in cprs], dtype=object)
