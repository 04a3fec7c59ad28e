"""Synthetic identifiers: mobile numbers in the 13x–19x ranges and GB 11643 resident ID numbers.

Everything is drawn from a numpy Generator, vectorised, so a seed fixes every value.
"""

from __future__ import annotations

import numpy as np
from faker.providers.ssn.zh_CN import Provider as _SsnProvider

MOBILE_PREFIXES = np.array(
    [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
     166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189, 191, 193, 195, 198, 199],
    dtype=np.int64,
)  # fmt: skip

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = "10X98765432"
_AREA_CODES = np.array(sorted(int(c) for c in _SsnProvider.area_codes if len(c) == 6 and c.isdigit()))


class PhoneAllocator:
    """Hands out distinct mobile numbers: no number is given to two roles of the demo."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._used = np.empty(0, dtype=np.int64)  # sorted

    def _seen(self, values: np.ndarray) -> np.ndarray:
        if not self._used.size:
            return np.zeros(values.size, dtype=bool)
        pos = np.searchsorted(self._used, values).clip(0, self._used.size - 1)
        seen: np.ndarray = self._used[pos] == values
        return seen

    def take(self, n: int) -> np.ndarray:
        """n new distinct numbers (int64, 11 digits), none handed out before."""
        out = np.empty(0, dtype=np.int64)
        while out.size < n:
            want = int((n - out.size) * 1.05) + 8
            pre = self._rng.choice(MOBILE_PREFIXES, size=want)
            draw = pre * 100_000_000 + self._rng.integers(0, 100_000_000, size=want, dtype=np.int64)
            _, first = np.unique(draw, return_index=True)
            draw = draw[np.sort(first)]
            draw = draw[~self._seen(draw)]
            if out.size:
                draw = draw[~np.isin(draw, out)]
            out = np.concatenate([out, draw])
        out = out[:n]
        self._used = np.sort(np.concatenate([self._used, out]))
        return out


def phone_strings(numbers: np.ndarray) -> list[str]:
    return [str(int(x)) for x in numbers]


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(d) * int(w) for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def id_is_valid(id_number: str) -> bool:
    return (
        len(id_number) == 18 and id_number[:17].isdigit() and id_check_digit(id_number[:17]) == id_number[17]
    )


def id_numbers(rng: np.random.Generator, n: int, born_from: int = 1962, born_to: int = 2003) -> list[str]:
    """n distinct 18-digit resident ID numbers with valid birth dates and check digits."""
    area = rng.choice(_AREA_CODES, size=n)
    start = np.datetime64(f"{born_from}-01-01")
    days = (np.datetime64(f"{born_to}-12-31") - start).astype(np.int64)
    birth = start + rng.integers(0, days, size=n).astype("timedelta64[D]")
    ymd = np.char.replace(np.datetime_as_string(birth, unit="D"), "-", "").astype(np.int64)
    seq = rng.integers(0, 1000, size=n, dtype=np.int64)
    body = area * 10**11 + ymd * 1000 + seq  # 17 digits
    digits = (body[:, None] // (10 ** np.arange(16, -1, -1, dtype=np.int64))) % 10
    check = (digits * ID_WEIGHTS).sum(axis=1) % 11
    chars = np.array(list(ID_CHECK))[check]
    return [f"{b:017d}{c}" for b, c in zip(body.tolist(), chars.tolist(), strict=True)]
