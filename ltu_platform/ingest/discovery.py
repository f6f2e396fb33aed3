"""Which deliveries the landing zone holds (docs/architecture.md, Landing zone).

The landing zone is any fsspec URL (a local folder by default). A delivery is one file
``{source}/{dataset}/{partition}/{dataset}_{partition}.{csv|parquet}``; its fingerprint
(size and modification time, or the store's own version tag) tells a sensor that a file is
new or was replaced by a corrected re-delivery without reading it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import fsspec
from fsspec import AbstractFileSystem

from ltu_platform.contracts import Contract, get_contract, load_contracts

SUFFIXES = ("csv", "parquet")
PARTITION_PATTERNS = {
    "monthly": re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"),
    "yearly": re.compile(r"^\d{4}$"),
}
# Keys of fsspec ``info`` that change when a file is replaced, by backend (local, S3, GCS, ...).
_VERSION_KEYS = ("mtime", "LastModified", "last_modified", "updated", "ETag", "etag", "created")


@dataclass(frozen=True)
class Delivery:
    dataset: str
    partition: str
    path: str  # the filesystem path (inside ``fs``)
    relative_path: str  # path inside the landing zone, recorded as lineage
    size: int
    version: str  # modification time or version tag, as text

    @property
    def suffix(self) -> str:
        return self.relative_path.rsplit(".", 1)[-1]

    @property
    def fingerprint(self) -> str:
        return f"{self.size}:{self.version}"


def landing_filesystem(landing_url: str) -> tuple[AbstractFileSystem, str]:
    """The filesystem and root path of a landing-zone URL (local folders too)."""
    fs, root = fsspec.core.url_to_fs(str(landing_url))
    return fs, root.rstrip("/")


def _version(info: dict) -> str:
    for key in _VERSION_KEYS:
        if info.get(key) is not None:
            return str(info[key])
    return ""


def list_deliveries(landing_url: str, dataset: str) -> list[Delivery]:
    """Every delivery of one dataset, ordered by partition.

    Files that do not follow the layout (another name, a partition folder that is not a
    YYYY / YYYY-MM) are not deliveries and are left out here; ``unexpected_files`` names them.
    """
    contract = get_contract(dataset)
    fs, root = landing_filesystem(landing_url)
    deliveries = []
    for path, info in _dataset_files(fs, root, contract).items():
        partition = _partition_of(path, root, contract)
        if partition is not None:
            relative = path[len(root) + 1 :]
            deliveries.append(
                Delivery(dataset, partition, path, relative, int(info.get("size") or 0), _version(info))
            )
    return sorted(deliveries, key=lambda d: (d.partition, d.suffix))


def list_all_deliveries(landing_url: str, datasets: list[str] | None = None) -> list[Delivery]:
    names = datasets or list(load_contracts())
    return [d for name in names for d in list_deliveries(landing_url, name)]


def unexpected_files(landing_url: str, dataset: str) -> list[str]:
    """Files under a dataset's folder that are not deliveries by the layout."""
    contract = get_contract(dataset)
    fs, root = landing_filesystem(landing_url)
    return sorted(p for p in _dataset_files(fs, root, contract) if _partition_of(p, root, contract) is None)


def find_delivery(landing_url: str, dataset: str, partition: str) -> Delivery | None:
    """The delivery of one partition, or None when nothing was delivered.

    Raises ValueError when both a CSV and a Parquet file sit at the same place: which one
    is the delivery would be a guess.
    """
    contract = get_contract(dataset)
    fs, root = landing_filesystem(landing_url)
    found = []
    for suffix in SUFFIXES:  # look at the two possible paths rather than list the dataset
        relative = contract.relative_path(partition, suffix)
        path = f"{root}/{relative}"
        if fs.isfile(path):
            info = fs.info(path)
            found.append(Delivery(dataset, partition, path, relative, int(info.get("size") or 0), _version(info)))
    if len(found) > 1:
        raise ValueError(
            f"{dataset} {partition}: more than one delivery ({', '.join(d.relative_path for d in found)})"
        )
    return found[0] if found else None


def missing_partitions(partitions: list[str], partitioning: str) -> list[str]:
    """The months (or years) absent from the sequence between the first and the last one."""
    present = sorted(set(partitions))
    if len(present) < 2:
        return []
    have = set(present)
    return [p for p in partition_range(present[0], present[-1], partitioning) if p not in have]


def partition_range(first: str, last: str, partitioning: str) -> list[str]:
    """Every partition key (month or year) from ``first`` to ``last``, both included."""
    if partitioning == "yearly":
        return [str(y) for y in range(int(first), int(last) + 1)]
    return _month_range(first, last)


def is_partition_key(partition: str, partitioning: str) -> bool:
    return bool(PARTITION_PATTERNS[partitioning].match(partition))


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    end = date(int(last[:4]), int(last[5:7]), 1)
    months = []
    while date(year, month, 1) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _dataset_files(fs: AbstractFileSystem, root: str, contract: Contract) -> dict[str, dict]:
    folder = f"{root}/{contract.source}/{contract.dataset}"
    if not fs.exists(folder):
        return {}
    found = fs.find(folder, detail=True)
    return {_strip_protocol(fs, p): info for p, info in found.items() if info.get("type") != "directory"}


def _strip_protocol(fs: AbstractFileSystem, path: str) -> str:
    return fs._strip_protocol(path).rstrip("/")


def _partition_of(path: str, root: str, contract: Contract) -> str | None:
    parts = path[len(root) + 1 :].split("/")
    if len(parts) != 4:
        return None
    _, _, partition, name = parts
    if not is_partition_key(partition, contract.partitioning):
        return None
    valid_names = {f"{contract.dataset}_{partition}.{suffix}" for suffix in SUFFIXES}
    return partition if name in valid_names else None
