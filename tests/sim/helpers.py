"""Reading the simulator's landing files as text, for the sim tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd

from ltu_platform.contracts import load_contracts


def read_dataset(root: Path, dataset: str) -> pd.DataFrame:
    """All partitions of a landing dataset as text (no type coercion), with the partition."""
    return _read_dataset(root, dataset).copy()


@cache
def _read_dataset(root: Path, dataset: str) -> pd.DataFrame:
    contract = load_contracts()[dataset]
    frames = []
    for path in sorted((root / "landing" / contract.source / dataset).glob("*/*.csv")):
        f = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frames.append(f.assign(_partition=path.parent.name))
    return pd.concat(frames, ignore_index=True)


def manifest(root: Path) -> dict:
    return json.loads((root / "truth" / "manifest.json").read_text(encoding="utf-8"))


def decimal(series: pd.Series) -> pd.Series:
    return series.str.replace(",", ".", regex=False).astype(float)
