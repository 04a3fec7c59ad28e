from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qinglian.detect.text.normalize import normalize, normalize_batch, normalize_fast

# Text drawn from the characters that the normaliser treats specially, so tricks actually occur.
_ALPHABET = st.sampled_from(
    list(
        "贷款袋代征信微薇威銀行貸款徵信 -*_.·❤xX0123456789０１ＡＢａｂdaikunDAIKUANzhegx\t\r\u200b\u3000，。！【】#"
    )
)
texts = st.one_of(st.text(alphabet=_ALPHABET, max_size=40), st.text(max_size=40))


@given(texts)
@settings(max_examples=400, deadline=None)
def test_normalising_twice_equals_once(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once
    assert normalize_fast(once) == once


@given(texts)
@settings(max_examples=400, deadline=None)
def test_offsets_map_back_into_the_original(text: str) -> None:
    n = normalize(text)
    assert n.text == normalize_fast(text)
    assert len(n.starts) == len(n.text) == len(n.ends)
    for i in range(len(n.text)):
        assert 0 <= n.starts[i] < n.ends[i] <= len(text)
        if i:
            assert n.starts[i] >= n.starts[i - 1]
    if len(n.text) == len(text):  # nothing dropped or merged: the map is the identity
        assert list(n.starts) == list(range(len(text)))


@given(st.lists(texts, max_size=8))
@settings(max_examples=200, deadline=None)
def test_batch_equals_one_by_one(batch: list[str]) -> None:
    assert normalize_batch(batch) == [normalize_fast(t) for t in batch]


def _span_of(text: str, word: str) -> str:
    n = normalize(text)
    i = n.text.index(word)
    s, e = n.span(i, i + len(word))
    return text[s:e]


def test_tricks_become_the_plain_word_and_spans_cover_the_trick() -> None:
    assert _span_of("急需 贷 款 请联系", "贷款") == "贷 款"
    assert _span_of("可办贷-款", "贷款") == "贷-款"
    assert _span_of("可办贷*款", "贷款") == "贷*款"
    assert _span_of("可办贷❤款", "贷款") == "贷❤款"
    assert _span_of("专业袋款", "贷款") == "袋款"
    assert _span_of("代款秒批", "贷款") == "代款"
    assert _span_of("DaiKuan找我", "贷款") == "DaiKuan"
    assert _span_of("dai kuan 找我", "贷款") == "dai kuan"
    assert _span_of("銀行貸款", "银行贷款") == "銀行貸款"
    assert _span_of("加薇信", "加微") == "加薇"


def test_width_case_digits_and_masks() -> None:
    assert normalize("ＡＢＣ１２３").text == "abc###"
    assert normalize("x月x日至x月xx日").text == "#月#日至#月##日"
    assert normalize("138****5678").text == "#" * 11
    assert normalize("fax").text == "fax"  # an x inside a word is not a mask
    assert normalize("a\u200bb").text == "ab"


def test_ordinary_words_are_left_alone() -> None:
    for text in ("代表大会", "货款已付", "你好，我是小王。", "信用良好"):
        assert normalize(text).text == text.replace("，", ",")
