"""Random numbers with random access: a uniform for any (stream, person, year) tuple.

Register attributes that vary by year are functions of (person, year); drawing them from a
counter-based hash means any year can be evaluated on its own, in any order, and always
gives the same value, without materialising every person-year up front.
"""

from __future__ import annotations

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def hashed_uniform(seed: int, stream: int, *keys: np.ndarray) -> np.ndarray:
    """Uniform [0, 1) determined only by (seed, stream, keys)."""
    h = np.full(np.broadcast(*keys).shape, np.uint64(seed * 1_000_003 + stream), dtype=np.uint64)
    for key in keys:
        h = _splitmix64(h ^ np.asarray(key).astype(np.uint64))
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)
