"""A minimal legacy XLS writer (BIFF8 in an OLE2 compound file) for generated fixtures.

No XLS writer is installed; this writes just what the Excel reader needs: one worksheet of
numbers and shared strings, in a compound file of up to 126 sectors (about 64 KB).
"""

from __future__ import annotations

import struct

_END = 0xFFFFFFFE
_FREE = 0xFFFFFFFF


def biff(rec: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", rec, len(body)) + body


def _bof(kind: int) -> bytes:
    return biff(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0206))


def xls_bytes(cells: list[tuple[int, int, float | str]], sheet: str = "Sheet1") -> bytes:
    """A workbook with one sheet holding `cells` as (row, column, value), 0-based."""
    strings = [v for _, _, v in cells if isinstance(v, str)]
    sst = b""
    if strings:
        body = struct.pack("<II", len(strings), len(strings))
        for s in strings:
            body += struct.pack("<HB", len(s), 1) + s.encode("utf-16-le")
        sst = biff(0x00FC, body)
    name = sheet.encode("utf-16-le")

    def boundsheet(offset: int) -> bytes:
        return biff(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(sheet), 1) + name)

    head = _bof(0x0005) + biff(0x0042, struct.pack("<H", 1200))
    tail = sst + biff(0x000A)
    glob = head + boundsheet(len(head) + len(boundsheet(0)) + len(tail)) + tail
    parts = [_bof(0x0010)]
    index = 0
    for r, c, v in cells:
        if isinstance(v, str):
            parts.append(biff(0x00FD, struct.pack("<HHHI", r, c, 0, index)))
            index += 1
        else:
            parts.append(biff(0x0203, struct.pack("<HHHd", r, c, 0, v)))
    stream = glob + b"".join(parts) + biff(0x000A)
    return compound(stream.ljust(4096, b"\x00"))


def compound(stream: bytes) -> bytes:
    """An OLE2 compound file (512-byte sectors) holding `stream` as 'Workbook'."""
    n = (len(stream) + 511) // 512
    if n > 126:
        raise ValueError("this writer holds at most 126 sectors")
    data = stream.ljust(n * 512, b"\x00")
    fat = [0xFFFFFFFD, _END] + [3 + i for i in range(n - 1)] + [_END]
    fat += [_FREE] * (128 - len(fat))
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    header += b"\x00" * 6 + struct.pack("<9I", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
    header += struct.pack("<109I", 0, *([_FREE] * 108))

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBBIII", len(raw), kind, 1, _FREE, _FREE, child)
            + b"\x00" * 36
            + struct.pack("<III", start, size, 0)
        )

    directory = entry("Root Entry", 5, 1, _END, 0) + entry("Workbook", 2, _FREE, 2, len(stream))
    return header + struct.pack("<128I", *fat) + directory.ljust(512, b"\x00") + data
