"""The label set (see DESIGN.md) in the words the product shows its users."""

from __future__ import annotations

LABEL_ZH: dict[str, str] = {
    "marketing": "商业营销", "loan": "贷款营销", "impersonation": "冒充银行/机构",
    "false_promise": "虚假承诺", "credit_packaging": "包装征信", "pi_exposure": "泄露个人信息",
    "bribery": "商业贿赂", "fraud": "诈骗风险",
}
