"""ZIP archives, unpacked with limits: no path may leave the target, and bombs are refused.

Limits (total size, compression ratio, nesting depth, member count) are checked against the
declared sizes first and enforced again on the bytes actually written.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from qinglian.errors import QinglianError


@dataclass(frozen=True)
class Limits:
    max_members: int = 10_000
    max_total_bytes: int = 20 << 30
    max_ratio: float = 200.0
    max_depth: int = 3


LIMITS = Limits()


@dataclass(frozen=True)
class Member:
    path: Path  # where it was unpacked
    name: str  # its path inside the archive


def _member_name(info: zipfile.ZipInfo) -> str:
    """Archive names from Chinese Windows tools are GBK without the UTF-8 flag."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def _bomb(display: str, what_zh: str, what_en: str) -> QinglianError:
    return QinglianError(
        f"压缩包超出安全限制：{what_zh}，疑似压缩炸弹，已拒绝",
        f"the archive exceeds a safety limit: {what_en}; refused as a likely zip bomb",
        file=display,
        hint_zh="如确为正常证据，请在隔离环境中手工解压，逐个导入其中的文件",
        hint_en="if it is genuine evidence, unpack it by hand in an isolated place and ingest the files one by one",
    )


def unpack(path: Path, display: str, target: Path, depth: int = 1, limits: Limits = LIMITS) -> list[Member]:
    if depth > limits.max_depth:
        raise _bomb(display, f"嵌套层数超过 {limits.max_depth}", f"nested deeper than {limits.max_depth}")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise QinglianError(
            "ZIP 文件已损坏或被截断，无法打开",
            "the ZIP file is damaged or truncated and cannot be opened",
            file=display,
            hint_zh="确认文件完整后重新导入",
            hint_en="check that the file is complete and ingest again",
        ) from exc
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > limits.max_members:
            raise _bomb(display, f"文件数 {len(infos)} 超过 {limits.max_members}", f"{len(infos)} members")
        total = sum(i.file_size for i in infos)
        if total > limits.max_total_bytes:
            raise _bomb(display, "解压后总大小过大", "total unpacked size too large")
        members: list[Member] = []
        written = 0
        target_resolved = target.resolve()
        for info in infos:
            name = _member_name(info)
            pure = PurePosixPath(name.replace("\\", "/"))
            if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
                raise QinglianError(
                    f"压缩包中的成员路径“{name}”指向压缩包之外，已拒绝整个压缩包",
                    f"archive member '{name}' points outside the archive; the whole archive is refused",
                    file=display,
                    hint_zh="这可能是恶意构造的压缩包；请在隔离环境中检查",
                    hint_en="the archive may be crafted to attack; inspect it in an isolated place",
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise QinglianError(
                    f"压缩包中的成员“{name}”是符号链接，已拒绝",
                    f"archive member '{name}' is a symbolic link; refused",
                    file=display,
                )
            if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
                raise _bomb(
                    display, f"成员“{name}”压缩比过高", f"member '{name}' has an extreme compression ratio"
                )
            dest = (target / pure).resolve()
            if not dest.is_relative_to(target_resolved):
                raise QinglianError(
                    f"压缩包中的成员路径“{name}”指向压缩包之外",
                    f"archive member '{name}' points outside the archive",
                    file=display,
                )
            dest.parent.mkdir(parents=True, exist_ok=True)
            size = 0
            try:
                with zf.open(info) as src, dest.open("wb") as out:
                    while chunk := src.read(1 << 20):
                        size += len(chunk)
                        written += len(chunk)
                        if size > info.file_size or written > limits.max_total_bytes:
                            raise _bomb(
                                display, "实际解压大小超过声明", "unpacked bytes exceed the declared size"
                            )
                        out.write(chunk)
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise QinglianError(
                    f"压缩包成员“{name}”损坏或被截断",
                    f"archive member '{name}' is damaged or truncated",
                    file=display,
                ) from exc
            members.append(Member(dest, name))
        return members


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
