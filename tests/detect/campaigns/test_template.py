from __future__ import annotations

import polars as pl
import pytest

from qinglian.detect.campaigns.template import fold_key, key_series, mask_series, mask_template


@pytest.mark.parametrize(
    ("text", "template"),
    [
        (
            "尊敬的张伟先生，您的5万元额度已到账，点击 https://t.cn/A6xYz 领取",
            "尊敬的{姓名}先生，您的{金额}额度已到账，点击 {链接} 领取",
        ),
        ("王女士您好，详询13812345678", "{姓名}女士您好，详询{号码}"),
        ("请于2025年7月20日前登录www.dk88.com", "请于{日期}前登录{链接}"),
        ("x月x日前致电（xxxxxxxxxxx", "{日期}前致电（{号码}"),
        ("月息0.3%，放款¥5,000", "月息{利率}，放款{金额}"),
        ("客户王*已放款，联系138****5678", "客户{姓名}已放款，联系{号码}"),
        ("【安心金融】加微信: dk8866 详聊", "{签名}加微信:{账号} 详聊"),
        ("热线400-123-4567，工号 27", "热线{号码}，工号 {数字}"),
        ("询xxx-xxxx-xxxx", "询{号码}"),
        ("额度５００００元", "额度{金额}"),
        ("dai.cn/abc 与 t.cn/x1", "{链接} 与 {链接}"),
    ],
)
def test_slots_are_masked(text: str, template: str) -> None:
    assert mask_template(text) == template


def test_plain_words_are_not_slots() -> None:
    # latin words with x, and Chinese text without names or numbers, stay as written
    assert mask_template("Excel 表格和 taxi 服务") == "Excel 表格和 taxi 服务"
    assert mask_template("高额度，低利息，欢迎咨询") == "高额度，低利息，欢迎咨询"
    assert mask_template("银行提额话术V3") == "银行提额话术V3"


def test_spacing_and_symbol_tricks_share_a_key() -> None:
    texts = [
        "无抵押贷款，当天到账",
        "无 抵 押 贷-款 当天到账！",
        "无抵押袋款,当天到*账",
        "无抵押贷款當天到賬",
    ]
    keys = key_series(mask_series(pl.Series(texts))).to_list()
    assert keys[0] == keys[1] == keys[2] == "无抵押贷款当天到账"
    assert keys[3] != keys[0]  # traditional characters are folded later, on distinct keys only
    assert fold_key(keys[3]) == keys[0]


def test_null_and_empty_give_empty_keys() -> None:
    keys = key_series(mask_series(pl.Series([None, "", " ，。"], dtype=pl.Utf8))).to_list()
    assert keys == ["", "", ""]


def test_repeated_slots_fold_into_one() -> None:
    masked = mask_series(pl.Series(["电话 13812345678 / 13912345678 联系"]))
    assert fold_key(key_series(masked)[0]) == fold_key(
        key_series(mask_series(pl.Series(["电话13812345678联系"])))[0]
    )
    assert mask_template("电话 13812345678 13912345678 联系") == "电话 {号码} 联系"
