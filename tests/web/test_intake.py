"""Upload and intake as a background job: per-file results, the same errors as the CLI, roles,
CSRF, names that try to leave the folder."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
import xlsxwriter
from fastapi.testclient import TestClient

from qinglian.web.intake import UploadRefused, safe_name, stage
from tests.helpers import query
from tests.web.conftest import Web, csrf_of

CALLS_CSV = ("主叫,被叫号码,开始时间,通话时长,通话内容\n"
             "17000000001,13800000001,2025/7/20 9:01,80,您好，这里是信贷中心\n"
             "17000000001,13800000002,2025/7/20 9:03,1分20秒,低息贷款了解一下\n").encode("gbk")


def _xlsx() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("名单")
    for r, row in enumerate([["姓名", "手机号", "身份证号"], ["张三", "13800000001", "310101199001011234"],
                             ["李四", "13800000002", "310101199001011235"]]):
        ws.write_row(r, 0, row)
    wb.close()
    return buf.getvalue()


def _upload(c: TestClient, web: Web, files: list[tuple[str, bytes]], csrf: bool = True, holder: str = "新查获公司") -> int | str:
    form = c.get(f"/cases/{web.case_a}/upload")
    data = {"holder": holder, "site": "东湖区 1 号", "kind": "auto"}
    if csrf:
        data["csrf"] = csrf_of(form.text)
    resp = c.post(f"/cases/{web.case_a}/upload", data=data,
                  files=[("files", (name, body)) for name, body in files], follow_redirects=False)
    return str(resp.headers["location"]) if resp.status_code == 303 else int(resp.status_code)


def _finished(c: TestClient, url: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        html = str(c.get(url, headers={"HX-Request": "true"}).text)
        if "hx-trigger" not in html:
            return html
        time.sleep(0.2)
    raise AssertionError("the intake job did not finish")


def test_upload_runs_intake_with_per_file_results(web: Web, clients: dict[str, TestClient]) -> None:
    c = clients["lead_a"]
    url = _upload(c, web, [("外呼.csv", CALLS_CSV), ("客户名单.xlsx", _xlsx()), ("坏文件.xlsx", b"not a workbook")])
    assert isinstance(url, str) and "/jobs/" in url
    html = _finished(c, url)
    assert "外呼.csv: 导入 2 行，类型 calls" in html
    assert "客户名单.xlsx［名单］: 导入 2 行，类型 customers" in html
    assert 'class="error"' in html and "坏文件.xlsx" in html
    assert "/.qinglian-web/" not in html  # the staging folder is not shown
    rows = query(web.cases_dir / "case_a", "SELECT kind, count(*) FROM evidence WHERE holder = ? GROUP BY 1 ORDER BY 1",
                 ["新查获公司"])
    assert rows == [("calls", 1), ("customers", 1)]
    log = (web.cases_dir / "case_a" / "custody.jsonl").read_text("utf-8")
    assert '"user": "lead_a"' in log and '"action": "ingest"' in log
    # Uploading the same file again changes nothing and says so.
    again = _finished(c, str(_upload(c, web, [("外呼.csv", CALLS_CSV)])))
    assert "已导入过" in again
    assert not any((web.cases_dir / ".qinglian-web" / "uploads").iterdir())  # staging cleaned


def test_who_may_upload(web: Web, clients: dict[str, TestClient]) -> None:
    assert clients["viewer_a"].get(f"/cases/{web.case_a}/upload").status_code == 403
    assert clients["reviewer_a"].get(f"/cases/{web.case_a}/upload").status_code == 403
    assert clients["member_b"].get(f"/cases/{web.case_a}/upload").status_code == 404
    assert _upload(clients["lead_a"], web, [("x.csv", CALLS_CSV)], csrf=False) == 403
    assert _upload(clients["lead_a"], web, [("x.csv", CALLS_CSV)], holder=" ") == 400


def test_a_job_of_one_case_is_not_readable_from_another(web: Web, clients: dict[str, TestClient]) -> None:
    url = _upload(clients["lead_a"], web, [("only.csv", CALLS_CSV.replace(b"17000000001", b"17000000009"))])
    assert isinstance(url, str)
    job_id = url.rsplit("/", 1)[1]
    _finished(clients["lead_a"], url)
    assert clients["member_b"].get(f"/cases/{web.case_b}/jobs/{job_id}").status_code == 404


def test_upload_names_cannot_leave_the_staging_folder(tmp_path: Path) -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\..\\x.csv") == "x.csv"
    assert safe_name("..") == "upload" and safe_name("") == "upload"
    assert "\x00" not in safe_name("a\x00b.csv")
    got = stage(tmp_path / "s", [("../../evil.csv", io.BytesIO(b"a,b\n")), ("evil.csv", io.BytesIO(b"c\n"))], 100)
    assert all(p.is_relative_to(tmp_path / "s") for p in got) and len({p.parent for p in got}) == 2


def test_upload_size_limit_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(UploadRefused):
        stage(tmp_path / "s", [("a.csv", io.BytesIO(b"x" * 50)), ("b.csv", io.BytesIO(b"y" * 60))], 100)
    assert not (tmp_path / "s").exists()


def test_analysis_runs_as_a_job_and_its_failure_is_shown(web: Web, clients: dict[str, TestClient],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    c = clients["lead_a"]
    overview = c.get(f"/cases/{web.case_a}").text
    assert f"/cases/{web.case_a}/analyze" in overview
    seen_by_viewer = clients["viewer_a"].get(f"/cases/{web.case_a}").text
    assert f"/cases/{web.case_a}/analyze" not in seen_by_viewer
    resp = clients["viewer_a"].post(f"/cases/{web.case_a}/analyze", data={"csrf": csrf_of(seen_by_viewer)})
    assert resp.status_code == 403 and "不能运行分析" in resp.text
    # Without an agency key the job fails with the CLI's message, and the case keeps its charges.
    monkeypatch.delenv("QINGLIAN_KEY", raising=False)
    monkeypatch.setenv("QINGLIAN_KEY_FILE", str(web.cases_dir / "no-such.key"))
    resp = c.post(f"/cases/{web.case_a}/analyze", data={"csrf": csrf_of(overview)}, follow_redirects=False)
    failed = _finished(c, str(resp.headers["location"]))
    assert "失败" in failed and "机构密钥" in failed
    monkeypatch.setenv("QINGLIAN_KEY", "ab" * 32)
    resp = c.post(f"/cases/{web.case_a}/analyze", data={"csrf": csrf_of(overview)}, follow_redirects=False)
    done = _finished(c, str(resp.headers["location"]))
    assert "已完成" in done and "charges: 完成" in done
    log = (web.cases_dir / "case_a" / "custody.jsonl").read_text("utf-8")
    assert '"action": "analyze"' in log and '"user": "lead_a"' in log
    assert c.get(f"/cases/{web.case_a}").status_code == 200


def test_bodies_over_the_limit_are_refused_before_they_are_read(web: Web, clients: dict[str, TestClient]) -> None:
    c = clients["lead_a"]
    url = f"/cases/{web.case_a}/upload"
    assert c.post(url, content=b"x", headers={"content-length": str(3 << 30)}).status_code == 413
    assert c.post("/login", content=b"x" * (2 << 20)).status_code == 413


def test_an_upload_over_the_limit_leaves_nothing(web: Web, clients: dict[str, TestClient],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from qinglian.web.deps import Settings

    c = clients["lead_a"]
    app_settings: Settings = c.app.state.settings  # type: ignore[attr-defined]
    monkeypatch.setattr(c.app.state, "settings", Settings(app_settings.cases_dir, app_settings.db_url,  # type: ignore[attr-defined]
                                                          upload_limit=10))
    assert _upload(c, web, [("big.csv", CALLS_CSV)]) == 413
    assert not any((web.cases_dir / ".qinglian-web" / "uploads").iterdir())
