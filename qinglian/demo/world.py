"""The cast of the demo: a synthetic city (演示市) with 7 districts, 35 loan intermediaries,
the robocall vendor, the SMS platform, banks and bank staff.

All organisation names are invented and carry 演示/示例 so nobody mistakes them for real ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from faker import Faker

CITY = "演示市"
PROVINCE = "演示省"
DISTRICTS = ("东湖区", "西岭区", "南港区", "北塘区", "新城区", "高新区", "江滨区")
HOLDERS_PER_DISTRICT = 5
N_VIOLATING = 25
VENDOR_NAME = "示例智呼科技有限公司"
VENDOR_SITE = "样例市软件园C座801（供应商）"
SMS_PLATFORM_NAME = "示例云信通讯有限公司"
COMPLAINT_CENTRE = "演示市12315投诉举报中心（示例）"

_TRADE_NAMES = (
    "鑫达 融通 汇金 恒信 嘉禾 宏泰 瑞丰 安鑫 聚财 众诚 金盛 华融 永利 富源 盈通 德信 中汇 兴邦 和信 诚达 "
    "润泽 宝丰 弘毅 广汇 佳诚 天泽 祥瑞 金誉 信达 利民 信合 景程 泓源 锦程 启航 鼎盛 惠民 晟德 优贷 易融"
).split()
_BUSINESS = ("信息咨询", "金融服务", "商务咨询", "企业管理咨询", "融资咨询", "财务咨询")
_BANKS = ("演示农商银行", "示例城市商业银行", "样例村镇银行")
_ROLE_TITLES = ("信贷经理", "客户经理", "审批岗", "信用卡中心专员")


@dataclass
class Holder:
    """One inspected intermediary (a seized-from company at one site)."""

    idx: int
    name: str
    short: str
    district: str
    site: str
    violating: bool
    staff: list[str]
    boss: str
    flags: set[str] = field(default_factory=set)
    accounts: list[str] = field(default_factory=list)  # vendor dialer accounts
    sms_accounts: list[str] = field(default_factory=list)
    signature: str = ""
    callers: list[str] = field(default_factory=list)  # numbers its calls show
    bank_staff: list[int] = field(default_factory=list)  # indexes into World.bank_staff


@dataclass(frozen=True)
class BankStaff:
    name: str
    bank: str
    title: str
    phone: str


@dataclass
class World:
    holders: list[Holder]
    bank_staff: list[BankStaff]
    vendor_contact: str
    platform_contact: str

    @property
    def violating(self) -> list[Holder]:
        return [h for h in self.holders if h.violating]

    @property
    def compliant(self) -> list[Holder]:
        return [h for h in self.holders if not h.violating]


def person_name(fake: Faker) -> str:
    return str(fake.name())


def build_world(rng: np.random.Generator, fake: Faker) -> World:
    """Holders, their flags and bank staff (accounts and numbers are added by the generators)."""
    trade = rng.permutation(np.array(_TRADE_NAMES))[: len(DISTRICTS) * HOLDERS_PER_DISTRICT]
    n = len(trade)
    violating_idx = set(rng.permutation(n)[:N_VIOLATING].tolist())
    streets = [str(fake.street_name()) for _ in range(n)]
    holders: list[Holder] = []
    for i, word in enumerate(trade.tolist()):
        district = DISTRICTS[i // HOLDERS_PER_DISTRICT]
        business = _BUSINESS[int(rng.integers(len(_BUSINESS)))]
        site = f"{CITY}{district}{streets[i]}{int(rng.integers(1, 300))}号{int(rng.integers(2, 30))}0{int(rng.integers(1, 9))}室"
        holders.append(
            Holder(
                idx=i,
                name=f"{CITY}{district}{word}{business}有限公司",
                short=f"{word}{business[:2]}",
                district=district,
                site=site,
                violating=i in violating_idx,
                staff=[person_name(fake) for _ in range(4)],
                boss=person_name(fake),
            )
        )
    bank_staff = [
        BankStaff(
            name=person_name(fake),
            bank=f"{_BANKS[k % len(_BANKS)]}{DISTRICTS[int(rng.integers(len(DISTRICTS)))]}支行",
            title=_ROLE_TITLES[k % len(_ROLE_TITLES)],
            phone="",
        )
        for k in range(6)
    ]
    _assign_flags(rng, holders)
    return World(holders, bank_staff, person_name(fake), person_name(fake))


def _assign_flags(rng: np.random.Generator, holders: list[Holder]) -> None:
    """Which violations each violating holder commits (every one holds leaked PI)."""
    viol = [h for h in holders if h.violating]
    order = rng.permutation(len(viol)).tolist()
    for rank, k in enumerate(order):
        h = viol[k]
        h.flags.add("illegal_pi")
        if rank < 22:
            h.flags.add("robocall")
        if rank >= 10 or rank < 3:
            h.flags.add("mass_sms")
        if rank % 2 == 0 or rank >= 22:
            h.flags.add("impersonation")
        if rank % 5 != 4:
            h.flags.add("false_promise")
        if rank % 3 == 1:
            h.flags.add("credit_packaging")
        if rank % 4 == 0:
            h.flags.add("bribery")
    # compliant holders that still rent the vendor's dialer (used with consent, low volume)
    comp = [h for h in holders if not h.violating]
    for h in comp[:3]:
        h.flags.add("uses_dialer")
