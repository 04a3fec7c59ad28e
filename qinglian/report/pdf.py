"""The case file as PDF: the same HTML laid out by WeasyPrint, with a CJK font embedded.

Without a CJK font the PDF would show boxes while pdftotext still printed Chinese, so the
report refuses to write a PDF when fontconfig knows no CJK font, and says how to install one.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from qinglian.errors import QinglianError


def cjk_font_installed() -> bool:
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    return bool(out.stdout.strip())


def write_pdf(html: str, path: Path) -> Path:
    if not cjk_font_installed():
        raise QinglianError(
            "系统中没有中文字体，PDF 会显示方框",
            "no CJK font is installed; the PDF would show boxes",
            hint_zh="以 root 运行 apt-get install fonts-noto-cjk（或 make sysdeps）后重试",
            hint_en="install one as root: apt-get install fonts-noto-cjk (or make sysdeps), then retry",
        )
    from weasyprint import HTML

    # WeasyPrint warns about every CSS property it ignores; keep the console for the user.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(string=html, base_url=None).write_pdf(str(path))
    return path
