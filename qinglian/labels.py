"""The label set of the text detectors (see docs): one list, with the words the product shows."""

from __future__ import annotations

# Every detector label, in the order of the classifier's score columns.
LABELS: tuple[str, ...] = (
    "marketing",
    "loan",
    "impersonation",
    "false_promise",
    "credit_packaging",
    "pi_exposure",
    "bribery",
    "fraud",
)

LABEL_ZH: dict[str, str] = {
    "marketing": "商业营销", "loan": "贷款营销", "impersonation": "冒充银行/机构",
    "false_promise": "虚假承诺", "credit_packaging": "包装征信", "pi_exposure": "泄露个人信息",
    "bribery": "商业贿赂", "fraud": "诈骗风险",
}
assert tuple(LABEL_ZH) == LABELS
