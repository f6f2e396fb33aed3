"""Versions of the publication: dated ids, atomic appearance, and the ``latest`` pointer.

A version is built in a hidden staging directory inside ``published_dir`` (same filesystem)
and appears by one ``os.rename``: readers see a whole version or none. A version is never
overwritten. ``latest`` is a small text file holding the newest version id, replaced
atomically with ``os.replace``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

LATEST_FILE = "latest"
STAGING_PREFIX = ".staging-"
# A staging directory names its writer (pid@host), so a later publication can tell a dead
# writer's leftovers (SIGKILL, crash) from a publication still being written.
_STAGING_OWNER = re.compile(r"-pid(\d+)@(.+)-[^-]+$")
VERSION_FORMAT = "%Y-%m-%dT%H%M%SZ"


class PublicationExists(FileExistsError):
    pass


def new_version_id(published_dir: Path, now: datetime | None = None) -> str:
    """A dated id like ``2026-11-21T031500Z``; a suffix keeps ids unique within a second."""
    base = (now or datetime.now(UTC)).strftime(VERSION_FORMAT)
    version, n = base, 1
    while (published_dir / version).exists():
        version, n = f"{base}.{n}", n + 1
    return version


def list_versions(published_dir: Path) -> list[str]:
    if not published_dir.is_dir():
        return []
    return sorted(
        p.name for p in published_dir.iterdir()
        if p.is_dir() and not p.name.startswith(".")
    )


def latest_version(published_dir: Path) -> str | None:
    pointer = published_dir / LATEST_FILE
    return pointer.read_text(encoding="utf-8").strip() if pointer.exists() else None


@contextmanager
def staged_version(published_dir: Path, version: str) -> Iterator[Path]:
    """Yield a staging directory; on success it becomes ``published_dir/version`` at once.

    On any error the staging directory is removed and nothing becomes visible.
    """
    published_dir.mkdir(parents=True, exist_ok=True)
    final = published_dir / version
    if final.exists():
        raise PublicationExists(f"publication {final} exists; versions are never overwritten")
    owner = f"pid{os.getpid()}@{socket.gethostname()}"
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{version}-{owner}-", dir=published_dir))
    try:
        yield staging
        _fsync_tree(staging)
        if final.exists():
            raise PublicationExists(f"publication {final} appeared meanwhile; not overwritten")
        os.rename(staging, final)
        _fsync_dir(published_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def point_latest(published_dir: Path, version: str) -> None:
    tmp = published_dir / f".{LATEST_FILE}.{os.getpid()}.tmp"
    with tmp.open("w", encoding="utf-8") as f:
        f.write(version + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, published_dir / LATEST_FILE)
    _fsync_dir(published_dir)


def remove_stale_staging(published_dir: Path, older_than_hours: float = 6.0) -> list[Path]:
    """Staging directories a crashed process left (never visible as versions).

    Removed when their writer is known dead (same host, pid gone) or, for a writer we cannot
    check, when old: a younger one may belong to a publication still being written.
    """
    cutoff = datetime.now(UTC).timestamp() - older_than_hours * 3600
    removed = []
    for p in published_dir.glob(f"{STAGING_PREFIX}*"):
        if _writer_is_dead(p.name) or p.stat().st_mtime < cutoff:
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def _writer_is_dead(staging_name: str) -> bool:
    match = _STAGING_OWNER.search(staging_name)
    if match is None or match.group(2) != socket.gethostname():
        return False
    pid = int(match.group(1))
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
