"""Names of the files the pipeline writes, made safe from what firms and staff name theirs. Pure."""

from __future__ import annotations


def receipt_name(rel_path: str) -> str:
    """Where a file's receipt goes, relative to the receipts folder: `广州市/某所.xlsx` →
    `广州市/某所_回执.xlsx`. Components are made safe; nothing can climb out of the folder."""
    parts = [safe_component(p) for p in rel_path.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    name = parts[-1] if parts else "未命名"
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    label = stem if suffix.lower() == "xlsx" else f"{stem}_{suffix}" if suffix else stem
    return "/".join([*parts[:-1], f"{label}_回执.xlsx"])


def safe_component(name: str) -> str:
    cleaned = "".join("_" if ch in '<>:"|?*\\/' or ord(ch) < 32 or ord(ch) == 127 else ch for ch in name).strip(" .")
    return cleaned[:120] or "_"
