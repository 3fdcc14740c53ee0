"""Writes docs/form.md and docs/rules.md from form.toml and the rule catalogue.

    .venv/bin/python tools/write_docs.py      (or: make docs)

tests/rtr/test_docs.py fails when the committed files differ from what this writes.
"""

from __future__ import annotations

from pathlib import Path

from rtr.docs import documents
from rtr.form.schema import default_schema

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    for path, text in documents(default_schema()).items():
        target = ROOT / path
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
