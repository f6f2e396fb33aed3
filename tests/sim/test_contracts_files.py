"""Every landing file of a clean run matches its data contract (docs/architecture.md, Landing zone)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ltu_platform.contracts import load_contracts
from ltu_sim.writer import partitions
from tests.sim.helpers import manifest, read_dataset

CONTRACTS = load_contracts()
PARSERS = {
    "integer": lambda s: s.astype("int64"),
    "decimal": lambda s: s.str.replace(",", ".", regex=False).astype(float),
    "date": lambda s: pd.to_datetime(s, format="%Y-%m-%d"),
    "timestamp": lambda s: pd.to_datetime(s, format="%Y-%m-%d %H:%M:%S"),
    "boolean": lambda s: s.map({"1": True, "0": False}).astype(bool),
    "string": lambda s: s,
    "cpr": lambda s: s,
}


@pytest.mark.parametrize("dataset", sorted(CONTRACTS))
def test_every_partition_written_with_contract_header(clean_run, dataset):
    contract = CONTRACTS[dataset]
    for part in partitions(contract):
        path = clean_run / "landing" / contract.relative_path(part)
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path  # UTF-8 with BOM
        header = raw[3:].split(b"\n", 1)[0].decode("utf-8")
        assert header.split(";") == contract.column_names, path


@pytest.mark.parametrize("dataset", sorted(CONTRACTS))
def test_values_parse_and_respect_the_contract(clean_run, dataset):
    contract = CONTRACTS[dataset]
    data = read_dataset(clean_run, dataset)
    assert len(data) > 0, dataset
    for col in contract.columns:
        values = data[col.name]
        present = values[values != ""]
        if not col.nullable:
            assert len(present) == len(values), f"{dataset}.{col.name} has nulls"
        parsed = PARSERS[col.type](present)  # raises on anything unparseable
        allowed = col.allowed_values()
        if allowed is not None:
            bad = set(present) - set(allowed)
            assert not bad, f"{dataset}.{col.name}: codes {sorted(bad)[:5]} not allowed"
        if col.min is not None:
            assert (parsed >= col.min).all(), f"{dataset}.{col.name} below min"
        if col.max is not None:
            assert (parsed <= col.max).all(), f"{dataset}.{col.name} above max"
        if col.type == "decimal":
            assert present.str.fullmatch(r"-?\d+,\d{2}").all(), f"{dataset}.{col.name}: not 2-decimal comma"
    assert not data.duplicated(contract.primary_key).any(), f"{dataset}: duplicate primary key"
    # The partition is the month (or year) of the partition column.
    part_values = data[contract.partition_column]
    expected = part_values.str[:7] if contract.partitioning == "monthly" else part_values.str[:4]
    assert (expected == data["_partition"]).all()


def test_cpr_numbers_are_unique_and_consistent_with_birth_date_and_sex(clean_run):
    persons = read_dataset(clean_run, "persons")
    assert persons["cpr"].is_unique
    assert persons["cpr"].str.fullmatch(r"\d{10}").all()
    birth = pd.to_datetime(persons["birth_date"])
    assert (persons["cpr"].str[:6] == birth.dt.strftime("%d%m%y")).all()
    century_digit = persons["cpr"].str[6].astype(int)
    born_2000s = birth.dt.year >= 2000
    assert (century_digit[born_2000s] == 4).all() and (century_digit[~born_2000s] <= 3).all()
    male = persons["cpr"].str[9].astype(int) % 2 == 1
    assert (male == (persons["sex"] == "M")).all()


def test_conversations_are_inside_spells_and_payments_within_the_norm_in_clean_mode(clean_run):
    spells = pd.read_parquet(clean_run / "truth" / "spells.parquet")
    conv = read_dataset(clean_run, "conversations")
    s = spells.assign(start=pd.to_datetime(spells["spell_start"]),
                      end=pd.to_datetime(spells["spell_end"]).fillna(pd.Timestamp("2024-12-31")))
    c = conv.assign(day=pd.to_datetime(conv["conversation_date"])).sort_values("day")
    linked = pd.merge_asof(c, s.sort_values("start")[["cpr", "start", "end"]], left_on="day", right_on="start",
                           by="cpr")
    assert (linked["end"].notna() & (linked["day"] <= linked["end"])).all()
    hours = read_dataset(clean_run, "dagpenge_payments")["hours"].str.replace(",", ".").astype(float)
    assert ((hours > 0) & (hours <= 160.33)).all()


def test_manifest_lists_every_file_with_its_hash(clean_run):
    m = manifest(clean_run)
    files = {f["path"] for f in m["files"]}
    on_disk = {str(p.relative_to(clean_run / "landing")) for p in (clean_run / "landing").rglob("*.csv")}
    assert files == on_disk
    assert all(re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) for f in m["files"])
    assert m["config"]["questionnaire_rate"] == 0.60 and m["scale"] == "test"
