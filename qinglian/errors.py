"""The project's exception: a message for the user in Chinese and English, with where and what to do.

Messages never contain personal information: they name the file, the sheet and the row,
not the cell's content.
"""

from __future__ import annotations

from qinglian.i18n import t


class QinglianError(Exception):
    """A user's problem (bad input, wrong arguments), reported without a traceback."""

    exit_code = 2

    def __init__(
        self,
        zh: str,
        en: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        hint_zh: str | None = None,
        hint_en: str | None = None,
    ) -> None:
        self.zh = zh
        self.en = en
        self.file = file
        self.sheet = sheet
        self.row = row
        self.hint_zh = hint_zh
        self.hint_en = hint_en
        super().__init__(self.render("en"))

    def where(self, lang: str) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(("文件 " if lang == "zh" else "file ") + self.file)
        if self.sheet:
            parts.append(("工作表 " if lang == "zh" else "sheet ") + self.sheet)
        if self.row is not None:
            parts.append(f"第 {self.row} 行" if lang == "zh" else f"row {self.row}")
        return (", " if lang == "en" else "，").join(parts)

    def render(self, lang: str | None = None) -> str:
        if lang is None:
            lang = t("zh", "en")
        msg = self.zh if lang == "zh" else self.en
        where = self.where(lang)
        if where:
            msg = f"{where}: {msg}" if lang == "en" else f"{where}：{msg}"
        hint = self.hint_zh if lang == "zh" else self.hint_en
        if hint:
            msg += ("\n处理办法：" if lang == "zh" else "\nWhat to do: ") + hint
        return msg

    def __str__(self) -> str:
        return self.render()


class IntegrityError(QinglianError):
    """Evidence or the custody log does not match what was recorded."""

    exit_code = 1
