"""evidence.digest_file: the SHA-256 and the last quote byte, read in chunks on a thread."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from qinglian.store import evidence


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_digest_matches_hashlib_across_chunk_sizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    data = b"".join(b'%d,"x",y\n' % i if i % 7 == 0 else b"%d,x,y\n" % i for i in range(200))
    f = tmp_path / "f.csv"
    f.write_bytes(data)
    monkeypatch.setattr(evidence, "CHUNK", chunk)
    d = evidence.digest_file(f)
    assert d.sha256 == hashlib.sha256(data).hexdigest()
    assert d.last_quote == data.rfind(b'"') > 0


def test_digest_of_empty_and_quote_free_files(tmp_path: Path) -> None:
    empty, plain = tmp_path / "e", tmp_path / "p"
    empty.write_bytes(b"")
    plain.write_bytes(b"a,b\n1,2\n")
    assert evidence.digest_file(empty) == evidence.Digest(hashlib.sha256(b"").hexdigest(), -1)
    assert evidence.digest_file(plain).last_quote == -1
