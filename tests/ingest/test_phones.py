from __future__ import annotations

from pathlib import Path

from qinglian.ingest.phones import lookup_prefix, split_region
from tests.helpers import cli, query


def test_split_region() -> None:
    assert split_region("广东省深圳市") == ("广东省", "深圳市")
    assert split_region("北京市") == ("北京市", "北京市")
    assert split_region("广西百色市") == ("广西", "百色市")
    assert split_region(None) == (None, None)


def test_sql_prefix_lookup_agrees_with_one_by_one_lookup(case_dir: Path, tmp_path: Path) -> None:
    prefixes = ["1381234", "1527867", "1816496", "1772608", "1700000", "1990000", "1391234", "1860755"]
    f = tmp_path / "c.csv"
    f.write_text("姓名,手机号\n" + "".join(f"某{i},{p}{i:04d}\n" for i, p in enumerate(prefixes)))
    assert cli("ingest", case_dir, f, "--holder", "甲") == 0
    got = {r[0]: tuple(r[1:]) for r in query(case_dir, "SELECT * FROM phone_prefixes")}
    assert set(got) == set(prefixes)
    for p in prefixes:
        assert got[p] == lookup_prefix(p), p
    assert got["1381234"][2] == "中国移动"
