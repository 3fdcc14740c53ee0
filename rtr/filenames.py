"""Names of the files the pipeline writes, made safe from what firms and staff name theirs. Pure."""

from __future__ import annotations

import hashlib
import re

NAME_BYTES = 255  # a file name component on Linux, macOS and Windows file systems (UTF-8 bytes here)
# a receipt's name leaves room for the temporary names it is written under (`.tmp-PID-<stem>.part`)
RECEIPT_BYTES = NAME_BYTES - 24
RECEIPT_SUFFIX = "_回执.xlsx"
_HASHED = re.compile(r"~[0-9a-f]{10}$")  # the mark of a changed name: never left on an unchanged one
_UNSAFE = frozenset('<>:"|?*\\/')


def receipt_name(rel_path: str) -> str:
    """Where a file's receipt goes, relative to the receipts folder: `广州市/某所.xlsx` →
    `广州市/某所_回执.xlsx`. Different inbox paths never share a receipt, whatever their names:
    a component is kept as it is only when it is safe, fits the file system and (for the file)
    is an `.xlsx`; any other is made safe, cut to fit and marked `~` + a hash of the original path
    up to it (`某所.xls` → `某所.xls~1f0c…_回执.xlsx`), so no other file's receipt can take its
    name. Nothing can climb out of the receipts folder."""
    given = rel_path.split("/")
    parts = [p for p in given if p not in ("", ".", "..")] or ["未命名"]
    # `a/../b.xlsx` is not `a/b.xlsx` (inbox paths have no such parts; a name built from one is marked)
    dropped = any(p in ("", ".", "..") for p in given)
    out = []
    for depth, part in enumerate(parts):
        prefix = "/".join(parts[: depth + 1])
        if depth < len(parts) - 1:
            out.append(_kept_or_marked(part, part, prefix, NAME_BYTES))
        else:
            plain = part[: -len(".xlsx")] if part.endswith(".xlsx") and not dropped else None
            room = RECEIPT_BYTES - len(RECEIPT_SUFFIX.encode())
            out.append(_kept_or_marked(plain, part, rel_path if dropped else prefix, room) + RECEIPT_SUFFIX)
    return "/".join(out)


def _kept_or_marked(plain: str | None, label: str, path: str, room: int) -> str:
    """`plain` itself when it is a safe name of at most `room` bytes, else `label` made safe, cut
    and marked with a hash of `path`."""
    if plain and safe_component(plain, room) == plain and not _HASHED.search(plain):
        return plain
    mark = "~" + hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return safe_component(label, room - len(mark)).rstrip(" .") + mark


def safe_component(name: str, max_bytes: int = 200) -> str:
    """One path component with nothing a file system refuses or a shell misreads: reserved and
    control characters (and unpaired surrogates, from names that were not UTF-8) become `_`, and it
    is cut to `max_bytes` of UTF-8 at a character boundary."""
    cleaned = "".join(
        "_" if ch in _UNSAFE or ord(ch) < 32 or ord(ch) == 127 or 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in name
    ).strip(" .")
    encoded = cleaned.encode()
    if len(encoded) > max_bytes:
        cleaned = encoded[:max_bytes].decode("utf-8", "ignore").rstrip(" .")
    return cleaned or "_"
