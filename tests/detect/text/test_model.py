"""The hashed n-gram model: length-bucket offsets, saving/loading, and the leak-free template split."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qinglian.detect.text.features import (
    N_LENGTH_BUCKETS,
    count_matrix,
    fit_idf,
    length_buckets,
    length_matrix,
    tfidf_matrix,
)
from qinglian.detect.text.model import MODEL_PATH, TextModel, load_model, shipped_model
from qinglian.detect.text.normalize import normalize_batch
from qinglian.training import corpora


def test_length_buckets() -> None:
    texts = ["", "好的", "a" * 5, "a" * 14, "a" * 15, "a" * 29, "a" * 30, "a" * 500]
    assert length_buckets(texts).tolist() == [0, 0, 1, 2, 3, 4, 5, 5]
    m = length_matrix(texts)
    assert m.shape == (len(texts), N_LENGTH_BUCKETS)
    assert np.asarray(m.sum(axis=1)).ravel().tolist() == [1.0] * len(texts)


def _toy_model(n_features: int = 1 << 10, length_coef: np.ndarray | None = None) -> TextModel:
    rng = np.random.default_rng(0)
    idf = fit_idf(count_matrix(["优惠活动", "你好", "明天见"], n_features))
    coef = rng.normal(size=(n_features, 2)).astype(np.float32)
    return TextModel(("a", "b"), idf, coef, np.array([0.5, -0.5]), "toy", length_coef=length_coef)


def test_length_offsets_shift_scores_per_bucket() -> None:
    texts = ["好", "全场五折欢迎光临", "x" * 40]
    plain = _toy_model()
    offsets = np.zeros((N_LENGTH_BUCKETS, 2))
    offsets[:, 0] = np.arange(N_LENGTH_BUCKETS)
    shifted = _toy_model(length_coef=offsets)
    a, b = plain.logits(texts), shifted.logits(texts)
    np.testing.assert_allclose(b["a"] - a["a"], offsets[length_buckets(texts), 0], atol=1e-9)
    np.testing.assert_allclose(b["b"], a["b"], atol=1e-9)


def test_save_load_round_trip(tmp_path: Path) -> None:
    offsets = np.linspace(-1, 1, N_LENGTH_BUCKETS * 2).reshape(N_LENGTH_BUCKETS, 2)
    model = _toy_model(length_coef=offsets)
    path = tmp_path / "m.npz"
    model.save(path)
    back = load_model(path)
    assert back.labels == ("a", "b")
    assert back.length_coef is not None
    np.testing.assert_allclose(back.length_coef, offsets)
    texts = ["优惠活动欢迎光临", "明天见"]
    for label in ("a", "b"):  # float16 weights on disk: close, not equal
        np.testing.assert_allclose(back.logits(texts)[label], model.logits(texts)[label], atol=0.05)


def test_shipped_model_length_offsets_are_loaded_only_when_trained() -> None:
    """Length offsets are applied only when some label has them (all-zero offsets are skipped on load)."""
    with np.load(MODEL_PATH) as z:
        stored = z["length_coef"]
    assert stored.shape == (N_LENGTH_BUCKETS, len(shipped_model().labels))
    assert (shipped_model().length_coef is None) == (not np.any(stored))


def test_template_groups_join_variants_of_one_template() -> None:
    base = "感谢致电柯桥子墨永和豆浆店，本店特色有现磨豆浆、盖浇饭、套餐、点心类等，同时也可提供外卖"
    texts = [
        "就使用我的邀请码2d7893下载并登录浙江移动手机营业厅",
        "就使用我的邀请码njxxwx下载并登录浙江移动手机营业厅",  # another code
        base + "，地址：港越路xxx号【子墨】",
        "//转自13800138000：" + base + "，订餐热线：xxxxxxxxxxx卢",  # prefix, other tail
        "明天下午三点在三楼会议室开会，请准时参加",  # unrelated
    ]
    g = corpora.template_groups(texts)
    assert g[0] == g[1]
    assert g[2] == g[3]
    assert len({g[0], g[2], g[4]}) == 3


def test_near_duplicate_pairs_ignore_unrelated_texts() -> None:
    keys = ["今天天气很好我们去公园散步吧", "全场五折欢迎光临本店选购", "今天天气很好我们去公园散步吗"]
    assert corpora.near_duplicate_pairs(keys) == [(0, 2)]


def test_punctuation_variants_are_reproducible_punctuated_copies() -> None:
    from qinglian.training.train import punctuation_variants

    texts = ["今天天气很好我们去公园散步", "老师布置的作业写完了没有", "晚上一起吃饭"]
    a = punctuation_variants(texts, seed=3)
    assert a == punctuation_variants(texts, seed=3)
    assert len(a) == len(texts)
    for original, copy in zip(texts, a, strict=True):
        assert "," in copy
        assert copy.replace(",", "").rstrip("。?!").startswith(original)


def test_normal_dialogues_keep_non_fraud_texts_of_the_splits_and_their_turns() -> None:
    c = corpora.Corpus(
        "toy",
        ["请问要点什么 来一份炒饭谢谢", "您的账户异常 请转账到安全账户", "好的 再见"],
        {"fraud": [0, 1, 0]},
        split=["train", "train", "test"],
        turns=[["请问要点什么", "来一份炒饭谢谢"], ["您的账户异常", "请转账到安全账户"], ["好的", "再见"]],
    )
    dialogues, turns = corpora.normal_dialogues(c, ["train"])
    assert dialogues == ["请问要点什么 来一份炒饭谢谢"]
    assert turns == ["请问要点什么", "来一份炒饭谢谢"]


def test_shipped_model_does_not_take_punctuation_for_advertising() -> None:
    """cn_sms_spam's normal messages never contain "，": ordinary punctuated SMS must not be marketing."""
    from qinglian.detect.text.engine import classify_batch
    from qinglian.detect.text.rules import LABELS

    ordinary = ["您的快递已到，请到门口取件", "你好，在吗？", "好的，我知道了，明天见。"]
    # the model alone (no notice patterns): service notices with signature, amounts and dates
    notices = ["【某某银行】您尾号1024的借记卡12月2日支出260.00元，余额1,310.75元。", "【某某外卖】骑手已取餐，预计18:40送达。"]
    model = shipped_model().logits(normalize_batch(notices))["marketing"]
    assert (model < 0).all()
    ads = ["本店周年庆，全场五折，满200减50，欢迎新老顾客光临！"]
    scores = classify_batch(ordinary + ads).scores[:, LABELS.index("marketing")]
    assert (scores[: len(ordinary)] < 0.5).all()
    assert scores[-1] >= 0.5


def test_fit_marketing_returns_one_linear_model_with_length_offsets() -> None:
    from qinglian.training.train import fit_marketing

    ads = [f"本店{w}大促,全场#折,欢迎光临!" for w in "春夏秋冬周年开业新年国庆端午中秋"]
    normal = [f"今天{w}天气不错我们去散步" for w in "一二三四五六七八九十"]
    norm = ads + normal
    y = np.array([1] * len(ads) + [0] * len(normal))
    idf = fit_idf(count_matrix(norm))
    w, offsets, b, cv, oof = fit_marketing(norm, y, list(range(len(norm))), ["好的,请问您要点什么?"], idf)
    assert w.shape == idf.shape
    assert offsets.shape == (N_LENGTH_BUCKETS,)
    assert np.isfinite(b)
    assert set(cv) == {"P", "R", "F1"}
    assert oof.shape == (len(norm),)  # out-of-fold: every text scored by a model that never saw it
    assert (oof[: len(ads)] > 0).mean() > 0.5 > (oof[len(ads) :] > 0).mean()
    model = TextModel(("marketing",), idf, w[:, None].astype(np.float32), np.array([b]), "toy", offsets[:, None])
    scores = model.logits(["本店元旦大促,全场#折,欢迎光临!", "今天下午天气不错我们去散步"])["marketing"]
    assert scores[0] > 0 > scores[1]


def test_fit_nbsvm_calibrated_returns_log_odds_and_its_out_of_fold_scores() -> None:
    """The SMS-corpus marketing model: weights in log-odds (Platt-scaled on the grouped CV) and the
    out-of-fold log-odds that the CV figures and marketing_oof are computed from."""
    from qinglian.training.train import fit_nbsvm_calibrated

    ads = [f"本店{w}大促,全场#折,欢迎光临!" for w in "春夏秋冬周年开业新年国庆端午中秋"]
    normal = [f"今天{w}天气不错我们去散步" for w in "一二三四五六七八九十"]
    norm = ads + normal
    y = np.array([1] * len(ads) + [0] * len(normal))
    idf = fit_idf(count_matrix(norm))
    x, lengths = tfidf_matrix(norm, idf), length_matrix(norm)
    w, offsets, b, cv, oof = fit_nbsvm_calibrated(x, lengths, y, list(range(len(norm))), 2.0)
    assert w.shape == idf.shape and offsets.shape == (N_LENGTH_BUCKETS,)
    assert oof.shape == (len(norm),)
    pred = oof >= 0
    tp = int(np.sum(pred & (y == 1)))
    assert cv["F1"] == 2 * tp / (pred.sum() + y.sum())  # the figures are those of the calibrated oof
    assert cv["F1"] > 0.9
    model = TextModel(("m",), idf, w[:, None].astype(np.float32), np.array([b]), "toy", offsets[:, None])
    scores = model.logits(["本店元旦大促,全场#折,欢迎光临!", "今天下午天气不错我们去散步"])["m"]
    assert scores[0] > 0 > scores[1]
