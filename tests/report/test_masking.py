"""Names and numbers masked wherever they occur: free text, every number form, every output format."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from faker import Faker

from qinglian.privacy import NameMatcher, mask_text, mask_texts, person_like, searchable_name
from qinglian.report.privacy import Redactor, case_names
from qinglian.report.run import ReportOptions, build_report
from qinglian.store import custody
from qinglian.store.case import init_case, open_case
from tests.helpers import cli, create_declared, insert

MOBILE = "13812345678"


@pytest.mark.parametrize("written", [
    "１３８１２３４５６７８", "138.1234.5678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678",
    "(86)13812345678", "8613812345678", "1 3 8 1 2 3 4 5 6 7 8", "１３８－１２３４－５６７８",
])
def test_mobiles_in_any_form_are_masked(written: str) -> None:
    out = mask_text(f"请回电{written}谢谢")
    assert re.sub(r"\D", "", out.translate(str.maketrans("０１２３４５６７８９", "0123456789"))).find(
        MOBILE) == -1, out
    assert "****" in out


@pytest.mark.parametrize("account", ["62220212345678901234", "6222 0212 3456 7890 1234 5", "622202123456789012345678"])
def test_accounts_of_twenty_digits_and_more_are_masked(account: str) -> None:
    out = mask_text(f"转账至账户{account}")
    digits = re.sub(r"\D", "", out)
    assert len(digits) == 8 and "*" in out


def test_id_landline_and_address_in_text() -> None:
    assert "19900101" not in mask_text("身份证 310101 19900101 123X")
    assert "88886666" not in mask_text("座机0755-88886666")
    out = mask_text("您住在演示市东湖区人民路12号3栋401室对吧")
    assert "人民路" not in out and "401" not in out
    out = mask_text("地址：浙江省杭州市西湖区文三路 90 号")
    assert "文三路" not in out and "90" not in out


def test_dates_amounts_and_short_numbers_stay() -> None:
    text = "2025-07-20 09:01:00 付款 1500 元，订单 A12，10 分钟"
    assert mask_text(text) == text


@pytest.mark.parametrize("name", ["王会芳", "张国会", "李所", "阿卜杜拉·买买提", "迪丽热巴·迪力木拉提", "阿依古丽艾买提",
                                  "欧阳娜娜", "John Smith", "Zhang Wei"])
def test_person_names_are_persons(name: str) -> None:
    assert person_like(name)
    assert Redactor().cell("payee", name) != name


@pytest.mark.parametrize("org", ["营业部", "城东分店", "华信科技有限责任公司", "演示市市场监督管理局", "ACME Trading Ltd",
                                 "（未知付款方）", "某某工作室"])
def test_organisations_stay_readable(org: str) -> None:
    assert not person_like(org)
    assert Redactor().cell("payee", org) == org


def test_placeholders_are_not_searched_in_text() -> None:
    assert not searchable_name("客户") and not searchable_name("法人")
    assert searchable_name("曾玉华")


def test_known_names_masked_inside_text_but_not_inside_kept_names() -> None:
    m = NameMatcher(["曾玉华", "王芳", "Anna Lee"], keep=["王芳贸易有限公司"])
    assert m.mask("曾玉华您好，我是王芳") == "曾**您好，我是王*"
    assert m.mask("王芳贸易有限公司") == "王芳贸易有限公司"
    assert m.mask("dear anna lee,") == "dear a*******,"
    assert m.mask("Annalee") == "Annalee"  # a Latin name matches whole words only
    assert Redactor(names=m).text("曾玉华您好 13812345678") == "曾**您好 138****5678"
    assert Redactor(reveal=True, names=m).text("曾玉华您好") == "曾玉华您好"


def test_names_masked_in_one_pass_over_many_texts_as_one_by_one() -> None:
    fake = Faker("zh_CN")
    Faker.seed(3)
    people = [fake.name() for _ in range(40)] + ["Anna Lee"]
    m = NameMatcher(people, keep=["王芳贸易有限公司"])
    texts = ["", "王芳贸易有限公司", "ANNA LEE", "annalee", "\x00" + people[0], people[1] + people[2],
             "ｔｅｌ：" + people[3]]
    texts += [f"{fake.sentence()}{people[i % len(people)]}{fake.word()}" for i in range(300)]
    assert m.mask_many(texts) == [m.mask(t) for t in texts]
    assert m.mask_many(texts)[5] == people[1][0] + "*" * (len(people[1]) - 1) + people[2][0] + "*" * (
        len(people[2]) - 1)
    assert mask_texts(["曾玉华 13812345678"], NameMatcher(["曾玉华"])) == ["曾** 138****5678"]


# ---- a small generated case through every format ------------------------------------------------

HOLDER = "鼎盛信息咨询有限公司"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], list[str]]:
    """A case whose customers' names and numbers reappear in transcripts, SMS, chats and memos."""
    fake = Faker("zh_CN")
    Faker.seed(19)
    root = tmp_path_factory.mktemp("masking") / "case"
    init_case(root, "遮蔽测试案件", "测试局", user="tester")
    people = [*list(dict.fromkeys(fake.name() for _ in range(40)))[:30], "王会芳", "阿卜杜拉·买买提"]
    phones = [f"1{fake.random_element('3589')}{fake.random_number(digits=9, fix_len=True)}" for _ in people]
    forms: list[Callable[[str], str]] = [lambda p: p, lambda p: f"{p[:3]}.{p[3:7]}.{p[7:]}", lambda p: f"{p[:3]} {p[3:7]} {p[7:]}",
             lambda p: p.translate(str.maketrans("0123456789", "０１２３４５６７８９"))]
    sha = "ab" * 32
    with open_case(root).connect() as con:
        insert(con, "evidence", [{"sha256": sha, "file_name": "list.csv", "stored_path": "evidence/x", "size_bytes": 1,
                                  "holder": HOLDER, "kind": "customers", "sheets": "[]", "ingested_at": datetime.now()}])

        def rows(items: list[dict[str, object]]) -> list[dict[str, object]]:
            return [{"holder": HOLDER, "evidence_sha256": sha, "row_no": i + 2, **r} for i, r in enumerate(items)]

        insert(con, "customers", rows([
            {"name": n, "phone": "+86" + p, "address": f"演示市东湖区人民路{i + 1}号{i + 2}栋{i + 3}01室",
             "id_number": f"31010119900101{i:03d}X"} for i, (n, p) in enumerate(zip(people, phones, strict=True))]))
        insert(con, "calls", rows([
            {"caller": "+8675500000001", "callee": "+86" + p, "started_at": "2025-07-20 09:00:00",
             "transcript": f"{n}您好，这里是某某银行，您的号码{forms[i % 4](p)}已获批贷款，住在演示市东湖区人民路{i}号对吧"}
            for i, (n, p) in enumerate(zip(people, phones, strict=True))]))
        insert(con, "sms", rows([
            {"recipient": "+86" + p, "content": f"【某某金融】尊敬的{n}，回电{forms[(i + 1) % 4](p)}办理低息贷款",
             "sent_at": "2025-07-20 10:00:00"} for i, (n, p) in enumerate(zip(people, phones, strict=True))]))
        insert(con, "chats", rows([
            {"sender": people[i], "receiver": "客服", "text": f"{people[i + 1]}的资料发你了，卡号62220212345678901234"}
            for i in range(10)]))
        insert(con, "payments", rows([
            {"payer": HOLDER, "payee": people[i], "amount": 500, "memo": f"给{people[i]}的返点"} for i in range(5)]))
    with open_case(root).connect() as con:
        create_declared(con)  # as after every stage; the findings below cite the seized rows
        insert(con, "findings", [
            {"analysis": "text", "label": "impersonation", "score": 0.9, "holder": HOLDER, "kind": "calls",
             "field": "transcript", "evidence_sha256": sha, "row_no": i + 2,
             "quote": f"{n}您好，这里是某某银行"} for i, n in enumerate(people)] + [
            {"analysis": "text", "label": "bribery", "score": 0.8, "holder": HOLDER, "kind": "chats",
             "field": "text", "evidence_sha256": sha, "row_no": i + 2, "quote": f"{people[i + 1]}的资料"}
            for i in range(10)])
    return root, people, phones


def _text(p: Path) -> str:
    if p.suffix == ".xlsx":
        with zipfile.ZipFile(p) as z:
            return "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    return p.read_text(encoding="utf-8")


def _leaks(text: str, people: list[str], phones: list[str]) -> tuple[list[str], list[str]]:
    folded = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    digits = " ".join(re.sub(r"[ .\-]", "", m) for m in re.findall(r"\d(?:[ .\-]?\d){10,}", folded))
    return [n for n in people if n in text], [p for p in phones if p in digits]


def test_generated_case_leaks_no_name_or_number_in_any_format(
        generated: tuple[Path, list[str], list[str]]) -> None:
    root, people, phones = generated
    paths = build_report(root, ReportOptions(formats=("html", "xlsx", "ftm"), user="tester"))
    assert len(paths) == 3
    for p in paths:
        text = _text(p)
        names, numbers = _leaks(text, people, phones)
        assert names == [] and numbers == [], (p.name, names[:5], numbers[:5])
        assert not re.search(r"人民路\d", text), p.name
        masked = people[0][0] + "*" * (len(people[0]) - 1)
        if p.suffix != ".html":  # row-level texts are in the XLSX and FtM; the case file quotes charges only
            assert masked + "您好" in text, p.name  # the transcripts are there, masked
    ftm = [json.loads(line) for line in paths[2].read_text(encoding="utf-8").splitlines()]
    parties = [e for e in ftm if e["schema"] == "LegalEntity"]
    assert parties and all(not set(e["properties"]["name"]) & set(people) for e in parties)
    assert len({e["id"] for e in parties}) == len(parties)


def test_case_names_are_the_case_people(generated: tuple[Path, list[str], list[str]]) -> None:
    root, people, _ = generated
    with open_case(root).connect(read_only=True) as con:
        m = case_names(con)
    assert m.size == len(people)
    assert m.mask(HOLDER) == HOLDER


def test_texts_masked_ahead_are_the_report_own_and_used_only_with_the_same_names(
        generated: tuple[Path, list[str], list[str]]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from qinglian.report.masks import mask_ahead, record_masks

    root, people, _ = generated
    with ThreadPoolExecutor(1) as pool:
        ahead = mask_ahead(open_case(root), None, pool)()
    with open_case(root).connect(read_only=True) as con:
        names = case_names(con)
        own = record_masks(con, Redactor(False, names), None)
    assert sorted(ahead.table.to_pylist(), key=repr) == sorted(own.to_pylist(), key=repr)
    assert any(people[0] in row["v"] and people[0] not in row["m"] for row in own.to_pylist())
    assert ahead.usable(names) is ahead.table
    assert ahead.usable(NameMatcher(people[1:])) is None and ahead.usable(None) is None


def test_reveal_needs_a_reason_and_is_logged_first(generated: tuple[Path, list[str], list[str]],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root, people, _ = generated
    before = len(custody.read_entries(root / "custody.jsonl"))
    assert cli("report", root, "--format", "html", "--reveal") == 2
    assert "--reason" in capsys.readouterr().err
    assert cli("pi", root, "--reveal") == 2
    assert len(custody.read_entries(root / "custody.jsonl")) == before
    assert not list((root / "reports").glob("*-revealed*"))
    assert cli("report", root, "--format", "html,xlsx", "--reveal", "--reason", "移送公安机关") == 0
    html = next((root / "reports").glob("*-revealed.html"))
    assert html.stat().st_mode & 0o777 == 0o600
    assert people[0] in _text(next((root / "reports").glob("*-revealed.xlsx")))
    entries = custody.read_entries(root / "custody.jsonl")[before:]
    assert [e["action"] for e in entries] == ["report.reveal", "report"]
    assert entries[0]["args"]["reason"] == "移送公安机关"
