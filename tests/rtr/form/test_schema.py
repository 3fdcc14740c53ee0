"""form.toml as parsed: keys TOML attached to the wrong table are refused, and the org_type groups
are defined once there."""

import pytest

from rtr.form import groups
from rtr.form.schema import default_schema_text, parse_schema
from rtr.form.textnorm import match_key


def test_a_top_level_key_written_after_the_last_field_is_refused():
    """`notes = [...]` after the last [[indicator]] belongs to field 703 in TOML: the blank form's
    填报说明 once lost its requirements that way, without a word."""
    text = default_schema_text()
    start = text.index("notes = [")
    notes = text[start : text.index("]\n", start) + 2]
    moved = text.replace(notes, "") + "\n" + notes
    with pytest.raises(ValueError, match="field 703 has unknown keys: notes"):
        parse_schema(moved)
    with pytest.raises(ValueError, match="unknown keys: note"):
        parse_schema("note = []\n" + text)


def test_requirements_are_top_level(schema):
    assert len(schema.notes) >= 5 and all(isinstance(n, str) and n for n in schema.notes)


def test_org_type_groups_cover_every_option_once(schema):
    org_type = schema.by_key["org_type"]
    assert (*groups.OWN, groups.JOINT, groups.NONE) == org_type.options
    assert groups.OWN == ("单独党支部", "党总支", "党委") and groups.JOINT == "联合党支部" and groups.NONE == "未建立"
    with pytest.raises(ValueError, match="not options"):
        parse_schema(default_schema_text().replace('none = ["未建立"]', 'none = ["未建"]'))


def test_contact_email_is_h10_with_its_aliases(schema):
    email = schema.by_code["H10"]
    assert (email.key, email.kind, email.required, email.part) == ("contact_email", "text", False, "header")
    for label in ("联系邮箱", "电子邮箱", "邮箱", "E-mail", "e-mail", "Email", "聯繫郵箱"):
        assert schema.by_label[match_key(label)] is email, label
