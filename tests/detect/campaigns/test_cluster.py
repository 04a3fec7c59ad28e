from __future__ import annotations

import numpy as np

from qinglian.detect.campaigns import Params, adjusted_rand, cluster_campaigns, cluster_texts, purity
from qinglian.training.campaigns_synth import generate

LIMIT = [
    "【安心金融】尊敬的张伟先生，您在我行的5万元备用金已审批通过，点击 https://t.cn/A6xYz 领取，退订回T",
    "【融易借】尊敬的李娜女士，您在我行的20000元备用金已审批通过，点击 http://dk7.cn/q9 领取，退订回T",
    "尊敬的王芳女士，您在我行的¥3,000备用金已审批通过，点击 www.jr12.com/k 领取，退订回T",
]
EDITED = "【好运贷】尊敬的赵磊先生，您在我行的8千元备用金已经审批通过，请点击 t.cn/zz 领取，退订回T"
PACKAGING = [
    "征信花了、负债高、被拒贷？专业包装征信，黑户也能下款5万，不成功不收费，联系13912345678",
    "征信花了、负债高、被拒贷？专业包装征信，黑户也能下款20万，不成功不收费，联系 139-8765-4321",
]
SHOP = "新店开业，全场8折起，凭短信到店再送精美礼品一份，地址：人民路18号，电话02112345678"


def test_same_template_with_different_slots_is_one_campaign() -> None:
    labels = cluster_campaigns(LIMIT)
    assert len(set(labels.tolist())) == 1


def test_small_wording_edit_joins_the_campaign() -> None:
    labels = cluster_campaigns([*LIMIT, EDITED])
    assert labels[3] == labels[0]


def test_different_templates_are_different_campaigns() -> None:
    labels = cluster_campaigns([*LIMIT, *PACKAGING, SHOP])
    assert labels[0] == labels[1] == labels[2]
    assert labels[3] == labels[4]
    assert len({labels[0], labels[3], labels[5]}) == 3


def test_labels_rank_campaigns_by_size_and_skip_empty_texts() -> None:
    c = cluster_texts([SHOP, *LIMIT, "", None])
    assert c.labels.tolist() == [1, 0, 0, 0, -1, -1]
    assert c.sizes.tolist() == [3, 1]


def test_representative_template_shows_slots() -> None:
    c = cluster_texts([*PACKAGING, PACKAGING[0]])
    assert (
        c.templates[0]
        == "征信花了、负债高、被拒贷？专业包装征信，黑户也能下款{金额}，不成功不收费，联系{号码}"
    )


def test_generated_campaigns_are_recovered() -> None:
    texts, truth = generate(6000, n_campaigns=60, seed=3)
    labels = cluster_campaigns(texts)
    assert adjusted_rand(truth, labels) >= 0.95
    assert purity(truth, labels) >= 0.97


def test_input_types_agree() -> None:
    texts = [*LIMIT, *PACKAGING]
    assert np.array_equal(cluster_campaigns(texts), cluster_campaigns(np.array(texts, dtype=object)))


def test_containment_merges_a_variant_that_drops_phrases() -> None:
    full = (
        "【安心金融】尊敬的张伟先生，您在我行的5万元备用金已审批通过，无需抵押，当天到账，额度循环使用，"
        "点击 https://t.cn/A6 领取，退订回T"
    )
    short = "【安心金融】尊敬的李娜先生，您在我行的3万元备用金已审批通过，点击 t.cn/x 领取"  # Jaccard ~0.5
    assert len(set(cluster_campaigns([full, short]).tolist())) == 2  # containment is off by default
    assert len(set(cluster_campaigns([full, short], Params(containment=0.8)).tolist())) == 1
