"""The eight text detectors, declared as data so that reports can list and quote them.

Every detector has the same signature, ``(batch: TextBatch) -> Detection``: it reads the batch's
rule matches and model log-odds and returns, per text, a score in [0, 1] and which matches support
it. Scores combine evidence in log-odds: the model's log-odds (or the label's prior where there is
no model) plus each distinct matching rule's weight, through a sigmoid. 0.5 is the decision point.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from qinglian.detect.text.matcher import Matches
from qinglian.detect.text.notices import is_notice
from qinglian.detect.text.rules import LABELS, RULES, Rule, rules_for

RULE_LABEL = np.array([LABELS.index(r.label) for r in RULES], dtype=np.int64)
RULE_WEIGHT = np.array([r.weight for r in RULES], dtype=np.float64)
PRIOR_LOGIT = -4.0
SHORT_TEXT = 10.0  # normalised characters below which the model's say is scaled down
# The model's negative evidence is capped here, so that strong rules can still carry a label on text
# unlike the model's training data (an SMS for a model trained on calls). Marketing has a well
# matched model and a low floor; the others trust their rules more.
MODEL_FLOOR = {"marketing": -8.0, "loan": -3.5, "impersonation": -3.0, "fraud": -3.0}

# Rules whose match is an offer or a lure, which a transactional notice does not make: every
# marketing and loan rule but the sender signature and loan vocabulary (a card bill names a 信用卡;
# notices carry a signature too), and the fraud rules strong enough to stand alone (a bill's "影响征信"
# or a code's "验证码" is not a lure).
OFFER_RULES = np.array(
    [
        (r.label in ("marketing", "loan") and r.id not in ("marketing.signature", "loan.term"))
        or (r.label == "fraud" and r.weight >= 3.0)
        for r in RULES
    ],
    dtype=bool,
)
# Combinations of impersonation and fraud evidence (rule log-odds): an identity claim of at least
# CLAIM_MIN beside fraud rules of at least SCAM_SIGN_MIN (or a fraud verdict) makes the claim a false
# one; beside a request for money (ASK_MIN) it makes the text a scam.
CLAIM_MIN = 2.0
SCAM_SIGN_MIN = 3.0
ASK_MIN = 1.5
IMPERSONATION_SCAM_BONUS = 3.0
SCAM_VERDICT = 0.7  # a fraud score that makes a claim false by itself: above the 0.5 of a weak verdict
FRAUD_CLAIM_BONUS = 2.0
# Scam scripts that work only under a borrowed identity (rules.Rule.claims_identity): a refund needs
# a "customer service", a safe account the "police", an expiring e-token a "bank". In a text judged a
# scam such a script is the identity claim, said or not ("您购买的商品有质量问题…").
IMPLIED_CLAIM_BONUS = 5.0
IMPLIED_CLAIM_RULES = np.array([r.claims_identity for r in RULES], dtype=bool)
# A sender's name ("【工商银行】", "京东客服") heads every lawful notice of that sender: it is a claim only
# in a text that runs a scam, never beside a mere transfer word or another weak claim.
SENDER_NAME_RULES = np.array(
    [r.id in ("impersonation.bank_signature", "impersonation.service_name") for r in RULES], dtype=bool
)
# Two different weak claims ("我是王总" + "明天来我办公室", "我换号了" + "我是你老同学") are a scam's opener
# even before it asks for money.
WEAK_CLAIM_RULES = np.array(
    [r.label == "impersonation" and r.weight < 3.0 and not SENDER_NAME_RULES[i] for i, r in enumerate(RULES)],
    dtype=bool,
)
TWO_CLAIMS_BONUS = 3.0

# Anti-fraud warnings and reports about scams ("谨防冒充客服诈骗", "凡是要求转账到安全账户的都是诈骗")
# use the scams' words; in a short text they are no evidence of a scam. Long texts (call transcripts)
# are not judged so: a victim's "你是骗子吧" does not clear a call.
_WARNING = re.compile(
    "谨防|警惕|提防|防骗|反诈|防诈|诈骗|骗子|骗局|上当受骗|不要轻信|切勿轻信|不要相信|切勿相信|冒充"
)
# "we are not scammers" and "your account is suspected of fraud" are what scams say
# a caller who says he *is* the anti-fraud centre or the police is making a claim, not a warning
_NOT_WARNING = re.compile(
    "(?:不是|并非|绝非|没有|非|不)(?:骗子|骗局|诈骗)|(?:涉嫌|牵涉|涉及|卷入)[^,。!?\n]{0,10}诈骗"
    "|(?:这里是|这边是|我是|我们是)[^,。!?\n]{0,12}(?:反诈|公安|警|检察|法院)"
)
WARNING_MAX = 300  # normalised characters


def anti_fraud_warning(texts: Sequence[str]) -> np.ndarray:
    """Per normalised text: whether it is a short warning or report about scams rather than a scam."""
    out = np.zeros(len(texts), dtype=bool)
    if not texts:
        return out
    # one pass over the batch finds the few texts with a warning word; only those are looked at
    joined = "\n".join(texts)
    offsets = np.cumsum([len(t) + 1 for t in texts])
    starts = [m.start() for m in _WARNING.finditer(joined)]
    for i in np.unique(np.searchsorted(offsets, starts, side="right")).tolist():
        t = texts[i]
        out[i] = len(t) <= WARNING_MAX and _NOT_WARNING.search(t) is None
    return out


# The marketing model is two linear models (training/train.py): "marketing_sms", trained on the SMS
# corpus alone, and "marketing", trained with service calls, notices and punctuated ordinary text
# as extra negatives. A text is an ad to the model when both say so: the lower of the SMS model's
# log-odds and the other's raised by MARKETING_MARGIN, shifted by MARKETING_OFFSET (chosen on the dev
# split and the grouped CV of train+dev; docs/model-card.md).
MARKETING_MARGIN = 1.0
MARKETING_OFFSET = 0.5


def marketing_logodds(logits: dict[str, np.ndarray]) -> np.ndarray | None:
    """The marketing model's log-odds from the per-label model outputs (None without a model)."""
    general = logits.get("marketing")
    sms = logits.get("marketing_sms")
    if general is None or sms is None:
        return general
    logodds: np.ndarray = np.minimum(sms, general + MARKETING_MARGIN) + MARKETING_OFFSET
    return logodds


NOTICE_MAX = 80.0  # normalised characters: notices are one or two SMS segments; longer texts are not judged so

# A bare contact line ("联系电话：138…", "QQ：…", "咨询热线 … 王经理"): a number or handle, contact
# words and at most a short name, nothing offered. Matched on normalised text (digits are "#").
_BARE_MAX = 60  # characters
_CONTACT_PARTS = re.compile(
    r"(?:qq|微信|v信|vx|wx)[:：]?[a-z0-9_#-]+|#[#/ -]*|[\W_]+"
    r"|联系方式|联系人|联系|电话|手机号码|手机号|手机|热线|座机|号码|致电|拨打|回电|咨询|垂询|详询|详情|详细"
    r"|具体|报名|预订|预约|请|速|还|我|或|与|的|先生|小姐|女士|经理|老师"
)
_NAME = re.compile(r"[\u4e00-\u9fffa-z]{0,3}")


def bare_contact(texts: Sequence[str]) -> np.ndarray:
    """Per normalised text: whether it is only a contact line (a number of five or more digits or a
    handle, contact words, and at most a three-character name). Such a line offers nothing, so it is
    no evidence of marketing by itself (cn_sms_spam labels such fragments normal)."""
    out = np.zeros(len(texts), dtype=bool)
    for i, t in enumerate(texts):
        if len(t) <= _BARE_MAX and "#####" in t and _NAME.fullmatch(_CONTACT_PARTS.sub("", t)):
            out[i] = True
    return out


@dataclass(frozen=True, eq=False)
class TextBatch:
    """Normalised texts of a batch, their rule matches and the model's log-odds per label."""

    texts: list[str]
    matches: Matches
    model_logits: dict[str, np.ndarray]

    @cached_property
    def lengths(self) -> np.ndarray:
        return np.fromiter(map(len, self.texts), dtype=np.float64, count=len(self.texts))

    @cached_property
    def bare_contact(self) -> np.ndarray:
        return bare_contact(self.texts)

    @cached_property
    def notice(self) -> np.ndarray:
        return is_notice(self.texts)

    @cached_property
    def warning(self) -> np.ndarray:
        return anti_fraud_warning(self.texts)

    @cached_property
    def _fraud(self) -> Detection:
        return _fraud(self)

    @property
    def fraud_scores(self) -> np.ndarray:
        """The fraud detector's scores (the impersonation detector reads them too)."""
        return self._fraud.scores

    @property
    def fraud_support(self) -> np.ndarray:
        return self._fraud.support

    @property
    def size(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Detection:
    scores: np.ndarray  # (n,) in [0, 1]
    support: np.ndarray  # bool mask over batch.matches: the matches that support this label


def _sigmoid(x: np.ndarray) -> np.ndarray:
    p: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))
    return p


def _matched(batch: TextBatch, rules: np.ndarray) -> np.ndarray:
    """Per text: whether any of ``rules`` (a bool mask over RULES) matches it."""
    m = batch.matches
    out = np.zeros(batch.size, dtype=bool)
    out[m.text[rules[m.rule]]] = True
    return out


def _rule_sum(batch: TextBatch, rules: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per text: the sum of weights and the number of distinct ``rules`` (a bool mask over RULES) matching."""
    m = batch.matches
    sel = rules[m.rule]
    total = np.zeros(batch.size, dtype=np.float64)
    count = np.zeros(batch.size, dtype=np.float64)
    if sel.any():
        pairs = np.unique(m.text[sel] * len(RULES) + m.rule[sel])
        total += np.bincount(pairs // len(RULES), weights=RULE_WEIGHT[pairs % len(RULES)], minlength=batch.size)
        count += np.bincount(pairs // len(RULES), minlength=batch.size)
    return total, count


def _rule_logodds(batch: TextBatch, label: str) -> tuple[np.ndarray, np.ndarray]:
    """Sum of weights of distinct rules of ``label`` that match each text, and the supporting mask."""
    m = batch.matches
    support = RULE_LABEL[m.rule] == LABELS.index(label)
    total = np.zeros(batch.size, dtype=np.float64)
    if support.any():
        pairs = np.unique(m.text[support] * len(RULES) + m.rule[support])
        total += np.bincount(
            pairs // len(RULES), weights=RULE_WEIGHT[pairs % len(RULES)], minlength=batch.size
        )
    return total, support


def _combine(
    batch: TextBatch,
    label: str,
    model_scale: float = 1.0,
    no_evidence: np.ndarray | None = None,
    bonus: np.ndarray | None = None,
    rules_off: np.ndarray | None = None,
    base: np.ndarray | None = None,
) -> Detection:
    """Model log-odds (or the prior) plus rule weights and ``bonus``; ``no_evidence`` marks texts whose
    model log-odds are replaced by the prior (the model's say does not count for them), ``rules_off``
    texts whose rules and bonus do not count (their hits are still reported); ``base`` replaces the
    label's model log-odds."""
    rule_sum, support = _rule_logodds(batch, label)
    if bonus is not None:
        rule_sum = rule_sum + bonus
    bonus = rule_sum if rules_off is None else np.where(rules_off, 0.0, rule_sum)
    if base is None:
        base = batch.model_logits.get(label)
    if base is not None and no_evidence is not None and no_evidence.any():
        base = np.where(no_evidence, PRIOR_LOGIT, base)
    if base is None:
        logit = np.full(batch.size, PRIOR_LOGIT) + bonus
    else:
        # A very short text ("你好", "收到") is little evidence: pull the model toward the prior.
        trust = np.minimum(1.0, batch.lengths / SHORT_TEXT)
        model = trust * base * model_scale + (1 - trust) * PRIOR_LOGIT
        logit = np.maximum(model, MODEL_FLOOR.get(label, PRIOR_LOGIT)) + bonus
    return Detection(_sigmoid(logit), support)


def marketing(batch: TextBatch) -> Detection:
    """The text is commercial promotion or advertising, which may not be sent without the recipient's consent."""
    # A bare contact line offers nothing: only rules (an opt-out, a hotline word) can carry it,
    # unless it names a loan ("贷款热线 138…"), which is an offer.
    names_loan = _matched(batch, RULE_LABEL == LABELS.index("loan"))
    det = _combine(
        batch, "marketing", no_evidence=batch.bare_contact & ~names_loan, base=marketing_logodds(batch.model_logits)
    )
    # A transactional notice (notices.py: a code, an account movement, a delivery, a bill …) is not
    # advertising, signature and amounts notwithstanding, unless it also offers something: a
    # marketing rule other than the signature, a loan or a scam lure.
    offer = _matched(batch, OFFER_RULES)
    notice_only = batch.notice & ~offer & (batch.lengths <= NOTICE_MAX)
    if notice_only.any():
        return Detection(np.where(notice_only, _sigmoid(np.full(batch.size, PRIOR_LOGIT)), det.scores), det.support)
    return det


def loan(batch: TextBatch) -> Detection:
    """The text offers or brokers loans, credit, credit cards or loan services."""
    return _combine(batch, "loan")


def impersonation(batch: TextBatch) -> Detection:
    """The sender claims an identity it does not hold: a bank, authority, regulator, platform service, leader or acquaintance."""
    imp_bonus, _ = _rule_logodds(batch, "impersonation")
    fraud_bonus, _ = _rule_logodds(batch, "fraud")
    # A lawful bank or platform names itself too; the claim is false when the same text runs a scam
    # (strong fraud rules, or the fraud detector's verdict).
    scam = (fraud_bonus >= SCAM_SIGN_MIN) | (batch.fraud_scores >= SCAM_VERDICT)
    extra = np.where((imp_bonus >= CLAIM_MIN) & scam, IMPERSONATION_SCAM_BONUS, 0.0)
    sender, _ = _rule_sum(batch, SENDER_NAME_RULES)
    extra = extra - np.where(scam, 0.0, sender)
    # the script of an identity scam is its claim; its matches are then reported as the support
    implied = _matched(batch, IMPLIED_CLAIM_RULES) & (batch.fraud_scores >= 0.5)
    extra = extra + np.where(implied, IMPLIED_CLAIM_BONUS, 0.0)
    det = _combine(batch, "impersonation", bonus=extra, rules_off=batch.warning)
    m = batch.matches
    if implied.any():
        script = IMPLIED_CLAIM_RULES[m.rule] & implied[m.text]
        return Detection(det.scores, det.support | script)
    return det


def false_promise(batch: TextBatch) -> Detection:
    """The text promises what cannot be promised: low or no interest or fees, no collateral, instant or guaranteed approval."""
    return _combine(batch, "false_promise")


def credit_packaging(batch: TextBatch) -> Detection:
    """The text offers to package or repair credit records or to fake income, flows or employment."""
    return _combine(batch, "credit_packaging")


def pi_exposure(batch: TextBatch) -> Detection:
    """The text recites the recipient's personal details: ID number, address, employer or debts."""
    return _combine(batch, "pi_exposure")


def bribery(batch: TextBatch) -> Detection:
    """The text arranges payments or rewards to staff of a bank or other institution."""
    return _combine(batch, "bribery")


def fraud(batch: TextBatch) -> Detection:
    """The text shows scam risk: a kind of telecom or online fraud (safe accounts, fees before a loan, refunds, tasks, smishing …)."""
    return Detection(batch.fraud_scores, batch.fraud_support)


def _fraud(batch: TextBatch) -> Detection:
    imp_bonus, _ = _rule_logodds(batch, "impersonation")
    sender, _ = _rule_sum(batch, SENDER_NAME_RULES)
    fraud_bonus, _ = _rule_logodds(batch, "fraud")
    # A claimed identity together with a request for money is the core scam pattern.
    extra = np.where((imp_bonus - sender >= CLAIM_MIN) & (fraud_bonus >= ASK_MIN), FRAUD_CLAIM_BONUS, 0.0)
    _, weak = _rule_sum(batch, WEAK_CLAIM_RULES)
    extra = extra + np.where(weak >= 2, TWO_CLAIMS_BONUS, 0.0)
    return _combine(batch, "fraud", bonus=extra, rules_off=batch.warning)


@dataclass(frozen=True)
class Detector:
    """A label's detector: the function, the rules it reads, and whether a trained model feeds it."""

    label: str
    func: Callable[[TextBatch], Detection]
    rules: tuple[Rule, ...]
    uses_model: bool

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()


DETECTORS: tuple[Detector, ...] = (
    Detector("marketing", marketing, rules_for("marketing"), True),
    Detector("loan", loan, rules_for("loan"), True),
    Detector("impersonation", impersonation, rules_for("impersonation"), True),
    Detector("false_promise", false_promise, rules_for("false_promise"), False),
    Detector("credit_packaging", credit_packaging, rules_for("credit_packaging"), False),
    Detector("pi_exposure", pi_exposure, rules_for("pi_exposure"), False),
    Detector("bribery", bribery, rules_for("bribery"), False),
    Detector("fraud", fraud, rules_for("fraud"), True),
)
assert tuple(d.label for d in DETECTORS) == LABELS
