"""ZIP archives, unpacked with limits: no path may leave the target, and bombs are refused.

Limits (total size, compression ratio, nesting depth, member count) are checked against the
declared sizes first and enforced again on the bytes actually written. One budget of bytes
and members covers a whole ingest, nested archives included: an archive inside an archive
spends from the same budget, it does not start a new one.
"""

from __future__ import annotations

import lzma
import shutil
import stat
import zipfile
import zlib
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

# What a damaged member or directory raises inside zipfile and its decompressors.
_DAMAGED = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError, NotImplementedError)


@dataclass
class Budget:
    """What one ingest may still unpack, across all its archives and their nested archives."""

    bytes_left: int
    members_left: int

    @classmethod
    def of(cls, limits: Limits | None = None) -> Budget:
        limits = limits or LIMITS  # read at call time, so a changed LIMITS applies
        return cls(limits.max_total_bytes, limits.max_members)


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


def _names(display: str, infos: list[zipfile.ZipInfo]) -> list[tuple[zipfile.ZipInfo, str, PurePosixPath]]:
    """Each member's name and path; two members at one path, or a file where another member
    needs a folder, are refused (unpacking would overwrite one or fail half-way)."""
    out: list[tuple[zipfile.ZipInfo, str, PurePosixPath]] = []
    files: dict[tuple[str, ...], str] = {}
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
        if not pure.parts or pure.parts == (".",):
            raise QinglianError(
                "压缩包中有一个没有名字的成员，已拒绝整个压缩包",
                "the archive has a member without a name; the whole archive is refused",
                file=display,
                hint_zh="在隔离环境中手工解压检查，逐个导入其中的文件",
                hint_en="unpack it by hand in an isolated place and ingest the files one by one",
            )
        key = pure.parts
        if key in files:
            raise QinglianError(
                f"压缩包中有两个同名成员“{name}”，无法判断以哪个为准，已拒绝整个压缩包",
                f"the archive holds two members named '{name}'; neither can be chosen, so the whole archive is refused",
                file=display,
                hint_zh="在隔离环境中用能列出全部成员的工具分别取出这两个文件，改名后逐个导入",
                hint_en="extract both files by hand with a tool that lists every member, rename them and ingest them one by one",
            )
        files[key] = name
        out.append((info, name, pure))
    for key, name in files.items():
        for i in range(1, len(key)):
            if key[:i] in files:
                raise QinglianError(
                    f"压缩包成员“{files[key[:i]]}”是文件，而成员“{name}”要求它是文件夹，已拒绝整个压缩包",
                    f"archive member '{files[key[:i]]}' is a file while member '{name}' needs it to be a folder; "
                    "the whole archive is refused",
                    file=display,
                    hint_zh="在隔离环境中手工解压，分别取出这两个成员后逐个导入",
                    hint_en="unpack it by hand in an isolated place and ingest the two members one by one",
                )
    return out


def unpack(
    path: Path,
    display: str,
    target: Path,
    depth: int = 1,
    limits: Limits | None = None,
    budget: Budget | None = None,
) -> list[Member]:
    limits = limits or LIMITS
    if depth > limits.max_depth:
        raise _bomb(display, f"嵌套层数超过 {limits.max_depth}", f"nested deeper than {limits.max_depth}")
    if budget is None:
        budget = Budget.of(limits)
    try:
        zf = zipfile.ZipFile(path)
    except _DAMAGED as exc:
        raise QinglianError(
            "ZIP 文件已损坏或被截断，无法打开",
            "the ZIP file is damaged or truncated and cannot be opened",
            file=display,
            hint_zh="确认文件完整后重新导入",
            hint_en="check that the file is complete and ingest again",
        ) from exc
    with zf:
        infos = [i for i in zf.infolist() if not i.filename.endswith("/")]  # is_dir() fails on ""
        if len(infos) > budget.members_left:
            many = limits.max_members - budget.members_left + len(infos)
            raise _bomb(
                display,
                f"本次导入的压缩包共有 {many} 个文件，超过 {limits.max_members}",
                f"{many} members in this ingest's archives, over {limits.max_members}",
            )
        budget.members_left -= len(infos)
        total = sum(i.file_size for i in infos)
        if total > budget.bytes_left:
            raise _bomb(display, "解压后总大小过大", "total unpacked size too large")
        named = _names(display, infos)
        members: list[Member] = []
        target_resolved = target.resolve()
        for info, name, pure in named:
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
            size = 0
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, dest.open("wb") as out:
                    while chunk := src.read(1 << 20):
                        size += len(chunk)
                        budget.bytes_left -= len(chunk)
                        if size > info.file_size or budget.bytes_left < 0:
                            raise _bomb(
                                display, "实际解压大小超过声明", "unpacked bytes exceed the declared size"
                            )
                        out.write(chunk)
            except RuntimeError as exc:  # zipfile's word for an encrypted member
                raise QinglianError(
                    f"压缩包成员“{name}”已加密，无法读取",
                    f"archive member '{name}' is encrypted and cannot be read",
                    file=display,
                    hint_zh="用密码在隔离环境中解压后，逐个导入其中的文件",
                    hint_en="unpack it with its password in an isolated place and ingest the files one by one",
                ) from exc
            except _DAMAGED as exc:
                raise QinglianError(
                    f"压缩包成员“{name}”损坏或被截断",
                    f"archive member '{name}' is damaged or truncated",
                    file=display,
                    hint_zh="确认压缩包完整后重新导入",
                    hint_en="check that the archive is complete and ingest again",
                ) from exc
            members.append(Member(dest, name))
        return members


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
