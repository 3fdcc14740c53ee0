"""The org_type groups, defined once in form.toml (field 301, `option_groups`): a firm with its own
Party organisation (单独党支部 / 党总支 / 党委), one covered by a joint branch (联合党支部), and one
with none (未建立). The rules, the report's metrics and the sample all read these constants."""

from __future__ import annotations

from rtr.form.schema import default_schema

_ORG_TYPE = default_schema().by_key["org_type"]
OWN: tuple[str, ...] = _ORG_TYPE.group("own")
(JOINT,) = _ORG_TYPE.group("joint")  # one option each: the metrics compare with `==`
(NONE,) = _ORG_TYPE.group("none")
