"""E-mail addresses as firms write them (联系邮箱: H10 of the form, the roster's column). Pure."""

from __future__ import annotations

import re
import unicodedata

# local@domain.tld, as W12 in docs/rules.md puts it; the local part's characters are RFC 5322's atext
_ADDRESS = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$")
# what separates several addresses in one cell: ; , 、 and spaces, in either width (NFKC has made them narrow)
_SEPARATORS = re.compile(r"[;,、\s]+")


def is_address(text: str) -> bool:
    """Whether `text` is one address, local@domain.tld: the one test of config.toml's recipients,
    the W12 rule and the roster's column."""
    return bool(_ADDRESS.match(text))


def normalise_email(text: object) -> str:
    """NFKC (full-width ＠, letters and digits become ASCII), no spaces, no `mailto:` or `<>`, the
    domain in lower case. The local part keeps its case: servers may treat it as significant."""
    s = unicodedata.normalize("NFKC", "" if text is None else str(text)).strip().strip("<>").strip()
    if s[:7].casefold() == "mailto:":
        s = s[7:]
    local, at, domain = s.rpartition("@")
    return f"{local}@{domain.lower()}" if at else s


def email_address(text: object) -> str | None:
    """The cell's address when it is one; with several in one cell (`a@x.cn；b@y.cn`), the first."""
    s = unicodedata.normalize("NFKC", "" if text is None else str(text))
    for part in _SEPARATORS.split(s):
        address = normalise_email(part)
        if _ADDRESS.match(address):
            return address
    return None


def firm_address(form: object, roster: object) -> str | None:
    """Where a firm's mail goes: the address on its return (H10) wins over the roster's 联系邮箱; a
    return whose H10 is not an address (W12) falls back on the roster's rather than on nothing."""
    return email_address(form) or email_address(roster)
