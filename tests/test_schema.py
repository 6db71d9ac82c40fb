"""The schema validator on YAML snippets: values, positions and messages."""
from decimal import Decimal
from pathlib import Path

import yaml

from featuresite.errors import Diagnostics
from featuresite.schema import INVALID, Context, Field, ListOf, PartialDate, Record, validate
from featuresite.scalars import Bool, Date, Int, Number, Slug, Str, Text

PATH = Path("x.yaml")


def check(text, schema, languages=("zh", "en"), offset=0):
    diags = Diagnostics()
    value = validate(yaml.compose(text), schema, Context(PATH, diags, languages, offset))
    return value, [d.format() for d in diags.items]


RECORD = Record({"name": Field(Str(), True), "count": Field(Int(minimum=0)), "on": Field(Bool())})


def test_valid_record_keeps_positions():
    value, errors = check("name: x\ncount: 3\n", RECORD)
    assert errors == []
    assert value == {"name": "x", "count": 3}
    assert (value.locs["count"].line, value.locs["count"].col) == (2, 8)


def test_every_problem_is_reported_at_once():
    value, errors = check("nme: x\ncount: -1\non: maybe\n", RECORD)
    assert value is INVALID
    assert errors == [
        "x.yaml:1:1: error: unknown key 'nme': did you mean 'name'?",
        "x.yaml:2:8: error: must be at least 0, found -1",
        "x.yaml:3:5: error: expected true or false, found text",
        "x.yaml:1:1: error: missing required key 'name'",
    ]


def test_line_offset_for_front_matter():
    _, errors = check("name: x\ncount: many\n", RECORD, offset=1)
    assert errors == ["x.yaml:3:8: error: expected a whole number, found text"]


def test_duplicate_keys_are_errors():
    _, errors = check("name: x\nname: y\n", RECORD)
    assert errors == ["x.yaml:2:1: error: duplicate key 'name' (first written at line 1)"]


def test_text_pairs_need_every_language():
    value, errors = check("{zh: 中文, en: English}", Text())
    assert value == {"zh": "中文", "en": "English"}
    _, errors = check("{zh: 中文, fr: Français}", Text())
    assert errors == ["x.yaml:1:10: error: unknown language 'fr' (allowed: zh, en)",
                      "x.yaml:1:1: error: missing required language 'en'"]
    _, errors = check("just text", Text())
    assert errors == ["x.yaml:1:1: error: expected a text pair {zh: ..., en: ...}, found text"]


def test_strings_must_be_text_not_numbers_or_booleans():
    _, errors = check("{zh: 是, en: yes}", Text())
    assert errors == ["x.yaml:1:13: error: expected text, found true/false: put it in quotes"]


def test_dates_full_and_partial():
    assert check("2025-05-28", Date())[0] == PartialDate(2025, 5, 28)
    assert check("2025-05", Date(partial=True))[0] == PartialDate(2025, 5)
    assert check("2021", Date(partial=True))[0] == PartialDate(2021)
    assert check("2025-05", Date())[1] == ["x.yaml:1:1: error: invalid date '2025-05': expected a full date YYYY-MM-DD"]
    assert check("2025-02-29", Date())[1] == [
        "x.yaml:1:1: error: impossible date '2025-02-29': no such day in the calendar"]
    assert check("28 May 2025", Date())[1] == [
        "x.yaml:1:1: error: invalid date '28 May 2025': expected a date (YYYY-MM-DD)"]


def test_slugs():
    assert check("songshan-lab", Slug())[0] == "songshan-lab"
    for bad in ("Songshan", "a--b", "a/b", "../x", "-a", "a_b"):
        assert check(f"'{bad}'", Slug())[0] is INVALID, bad


def test_numbers():
    assert check("281000", Number())[0] == 281000
    assert check("117.87e8", Number())[0] == 11787000000
    assert check("40.5", Number())[0] == Decimal("40.5")
    assert check("1_000", Number())[0] == 1000
    assert check("'12'", Number())[0] is INVALID  # quoted: text
    assert check(".nan", Number())[0] is INVALID


def test_lists_report_each_bad_item():
    value, errors = check("[a, B, c]", ListOf(Slug()))
    assert value is INVALID
    assert errors == ["x.yaml:1:5: error: invalid id 'B': use lower-case letters a-z, digits and single hyphens, "
                      "e.g. 'harbour-lab'"]
