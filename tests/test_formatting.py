"""Numbers, figures and dates per language."""
import pytest

from featuresite.errors import Loc
from featuresite.formatting import figure_parts, format_date, format_figure, format_number
from featuresite.model import Figure, Language
from featuresite.schema import PartialDate
from languages import EN, STRINGS, ZH


@pytest.mark.parametrize("value,zh,en", [
    (281000, "28.1万", "281,000"),
    (11787000000, "117.87亿", "11.787 billion"),
    (26200, "2.62万", "26,200"),
    (3312, "3,312", "3,312"),
    (710, "710", "710"),
    (40.5, "40.5", "40.5"),
])
def test_number_formats(value, zh, en):
    assert format_number(value, ZH) == zh
    assert format_number(value, EN) == en


def test_no_compact_numbers_without_a_threshold():
    plain = Language("en", "en", "en", "English", None)
    assert format_number(11787000000, plain) == "11,787,000,000"


def _figure(**changes):
    values = dict(key="k", value=281000, unit={"zh": "人", "en": "people"}, label={"zh": "l", "en": "l"},
                  note=None, as_of=None, approx="exact", featured=False, source="s", loc=Loc("f", 1, 1))
    values.update(changes)
    return Figure(**values)


def test_figure_with_unit_and_qualifier():
    assert format_figure(_figure(), ZH, STRINGS) == "28.1万人"
    assert format_figure(_figure(), EN, STRINGS) == "281,000 people"
    over = _figure(approx="over", value=26200, unit={"zh": "家", "en": "companies"})
    assert format_figure(over, ZH, STRINGS) == "超2.62万家"
    assert format_figure(over, EN, STRINGS) == "more than 26,200 companies"
    about = _figure(approx="about", unit=None, value=20)
    assert format_figure(about, EN, STRINGS) == "about 20"


def test_figure_unit_pattern():
    percent = _figure(value=70, unit={"zh": "{n}%", "en": "{n}%"}, approx="over")
    assert format_figure(percent, ZH, STRINGS) == "超70%"
    assert format_figure(percent, EN, STRINGS) == "more than 70%"


@pytest.mark.parametrize("date,zh,en", [
    (PartialDate(2025, 5, 28), "2025年5月28日", "May 28, 2025"),
    (PartialDate(2025, 12), "2025年12月", "December 2025"),
    (PartialDate(2021), "2021年", "2021"),
])
def test_dates(date, zh, en):
    assert format_date(date, ZH) == zh
    assert format_date(date, EN) == en


def test_partial_dates_sort_and_iso():
    assert PartialDate(2021) < PartialDate(2021, 1, 1) < PartialDate(2021, 2) < PartialDate(2022)
    assert [d.iso for d in (PartialDate(2021), PartialDate(2021, 3), PartialDate(2021, 3, 9))] == \
        ["2021", "2021-03", "2021-03-09"]


def test_figure_parts_split_around_the_number():
    over = _figure(approx="over", value=26200, unit={"zh": "家", "en": "companies"})
    assert figure_parts(over, ZH, STRINGS) == ("超", "2.62万", "家")
    assert figure_parts(over, EN, STRINGS) == ("more than ", "26,200", " companies")
    percent = _figure(value=80, unit={"zh": "{n}%", "en": "{n}%"}, approx="exact")
    assert figure_parts(percent, EN, STRINGS) == ("", "80", "%")
