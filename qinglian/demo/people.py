"""The consumers of the demo: a pool with names (Faker zh_CN), phones, ID numbers,
addresses, employers and credit details, held as parallel arrays and drawn vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker
from faker.providers.person.zh_CN import Provider as _PersonProvider

from qinglian.demo.ids import PhoneAllocator, id_numbers
from qinglian.demo.world import CITY, DISTRICTS

_SURNAMES = np.array(list(_PersonProvider.last_names.keys()))
_SURNAME_P = np.array(list(_PersonProvider.last_names.values()), dtype=float)
_SURNAME_P /= _SURNAME_P.sum()
_GIVEN = np.array(list(_PersonProvider.first_names))
_PUBLIC_EMPLOYERS = (
    f"{CITY}第一人民医院",
    f"{CITY}实验中学",
    f"{CITY}自来水公司",
    f"{CITY}公交集团",
    f"{CITY}中心小学",
    f"{CITY}城市管理局",
    f"{CITY}人民医院",
    f"{CITY}邮政分公司",
)


@dataclass
class Pool:
    """Consumers as parallel arrays; a consumer is an index into them."""

    name: np.ndarray
    phone: np.ndarray  # int64, 11 digits
    id_number: np.ndarray
    address: np.ndarray
    employer: np.ndarray
    credit: np.ndarray

    def __len__(self) -> int:
        return int(self.phone.size)


def names(rng: np.random.Generator, n: int) -> np.ndarray:
    sur = rng.choice(_SURNAMES, size=n, p=_SURNAME_P)
    given = rng.choice(_GIVEN, size=n)
    return np.char.add(sur.astype(str), given.astype(str))


def _addresses(rng: np.random.Generator, fake: Faker, n: int) -> np.ndarray:
    streets = np.array([str(fake.street_name()) for _ in range(200)])
    d = rng.choice(np.array(DISTRICTS), size=n)
    s = rng.choice(streets, size=n)
    no = rng.integers(1, 400, size=n)
    bld = rng.integers(1, 30, size=n)
    room = rng.integers(1, 30, size=n) * 100 + rng.integers(1, 5, size=n)
    return np.array(
        [
            f"{CITY}{a}{b}{c}号{e}栋{f}室"
            for a, b, c, e, f in zip(
                d.tolist(), s.tolist(), no.tolist(), bld.tolist(), room.tolist(), strict=True
            )
        ]
    )


def _employers(rng: np.random.Generator, fake: Faker, n: int) -> np.ndarray:
    firms = [f"{CITY}{fake.company_prefix()}{fake.company_suffix()}" for _ in range(600)]
    pool = np.array(firms + list(_PUBLIC_EMPLOYERS))
    return rng.choice(pool, size=n)


def _credit(rng: np.random.Generator, n: int) -> np.ndarray:
    cards = rng.integers(0, 8, size=n)
    used = np.round(rng.gamma(2.0, 3.0, size=n), 1)
    loans = rng.integers(0, 6, size=n)
    overdue = rng.random(n) < 0.25
    return np.array(
        [
            f"信用卡{c}张已用{u}万；网贷{k}笔；{'有逾期' if o else '征信正常'}"
            for c, u, k, o in zip(
                cards.tolist(), used.tolist(), loans.tolist(), overdue.tolist(), strict=True
            )
        ]
    )


def build_pool(rng: np.random.Generator, fake: Faker, phones: PhoneAllocator, n: int) -> Pool:
    return Pool(
        name=names(rng, n),
        phone=phones.take(n),
        id_number=np.array(id_numbers(rng, n)),
        address=_addresses(rng, fake, n),
        employer=_employers(rng, fake, n),
        credit=_credit(rng, n),
    )
