"""The evidence folder: original files stored by SHA-256, read-only, never modified."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from qinglian.store.wal import crashpoint

CHUNK = 4 << 20
STAGING_SUFFIX = ".staging"
_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


@dataclass(frozen=True)
class Digest:
    sha256: str
    last_quote: int  # offset of the file's last '"' byte, -1 where it has none


def digest_file(path: Path) -> Digest:
    """SHA-256 of a file, and where its last '"' byte is: the one pass over the file that
    ingest makes anyway also tells the CSV reader whether any value after the header can be
    quoted, without a second read of the file.
    The next chunk is read on a thread while this one is hashed (both release the GIL), so the
    pass costs about what hashing alone does (docs/decisions.md)."""
    h = hashlib.sha256()
    bufs = (bytearray(CHUNK), bytearray(CHUNK))
    pos, last, i = 0, -1, 0
    with path.open("rb", buffering=0) as fh, ThreadPoolExecutor(max_workers=1) as reader:
        pending = reader.submit(fh.readinto, bufs[0])
        while n := pending.result():
            chunk = bufs[i]
            i ^= 1
            pending = reader.submit(fh.readinto, bufs[i])
            h.update(memoryview(chunk)[:n])
            q = chunk.rfind(b'"', 0, n)
            if q >= 0:
                last = pos + q
            pos += n
    return Digest(h.hexdigest(), last)


def sha256_file(path: Path) -> str:
    return digest_file(path).sha256


def stored_name(sha256: str, original_name: str) -> str:
    """evidence/<aa>/<sha256><.ext>: the name never comes from the (hostile) original path."""
    suffix = Path(original_name).suffix.lower()
    return f"{sha256[:2]}/{sha256}{suffix if _SAFE_SUFFIX.match(suffix) else ''}"


def stage(src: Path, evidence_dir: Path, rel: str) -> Path:
    """Copy a file beside its final place under a temporary name (owner-only); the custody
    entry that records it moves it in (see ``wal``)."""
    dest = evidence_dir / rel
    dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + STAGING_SUFFIX)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    crashpoint("evidence.staging")
    shutil.copyfile(src, tmp)  # keeps the mode of the file it writes into
    return tmp


def commit(tmp: Path) -> Path:
    final = tmp.with_name(tmp.name.removesuffix(STAGING_SUFFIX))
    os.replace(tmp, final)
    os.chmod(final, 0o400)
    return final


def discard(tmp: Path) -> None:
    """Remove a staged copy, and its folder when nothing else is in it."""
    tmp.unlink(missing_ok=True)
    try:
        tmp.parent.rmdir()
    except OSError:
        pass  # holds other evidence
