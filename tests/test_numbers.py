"""Figures' numbers: every form the docs show is read, however the YAML was loaded, and shown with every digit
it was written with."""
import random
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES
from featuresite import yamlsrc
from featuresite.errors import Diagnostics
from featuresite.formatting import MAX_COMPACT_DECIMALS, format_number
from featuresite.schema import INVALID, Context, validate
from featuresite.scalars import Number
from languages import EN, ZH

LOADERS = [pytest.param(yaml.SafeLoader, id="pure-python")]
if getattr(yaml, "CSafeLoader", None) is not None:
    LOADERS.append(pytest.param(yaml.CSafeLoader, id="libyaml"))


def read_number(text, loader):
    diags = Diagnostics()
    node = yaml.compose(f"value: {text}\n", Loader=loader).value[0][1]
    return validate(node, Number(), Context(Path("x.yaml"), diags)), [d.format() for d in diags.items]


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("written,value", [
    ("281000", 281000),
    ("11787000000", 11787000000),
    ("117.87e8", 11787000000),   # the form docs/content.md shows
    ("117.87E8", 11787000000),
    ("1e15", 10**15),
    ("1.5e+3", 1500),
    ("1_000", 1000),
    ("-12", -12),
    ("40.5", Decimal("40.5")),
    ("0.000123", Decimal("0.000123")),
])
def test_every_documented_number_form_is_read_by_both_loaders(loader, written, value):
    read, errors = read_number(written, loader)
    assert errors == []
    assert read == value and type(read) is type(value)


@pytest.mark.parametrize("loader", LOADERS)
def test_the_digits_written_are_kept(loader):
    assert str(read_number("2.50", loader)[0]) == "2.50"
    assert str(read_number("2.0", loader)[0]) == "2.0"
    assert read_number("2.50e8", loader)[0].as_tuple().digits == (2, 5, 0)
    assert read_number("117.87e8", loader)[0] == 11787000000  # digits of a whole number: an int


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("written,message", [
    ("'12'", "expected a number, found text"),
    ('"117.87e8"', "expected a number, found text"),
    ("twelve", "expected a number, found text"),
    (".nan", "expected a finite number, found '.nan'"),
    (".inf", "expected a finite number, found '.inf'"),
])
def test_what_is_not_a_number_is_refused_alike(loader, written, message):
    read, errors = read_number(written, loader)
    assert read is INVALID
    assert errors == [f"x.yaml:1:8: error: {message}"]


@pytest.mark.parametrize("comment", ["", "# a comment with a ! in it\n"])
def test_a_figure_written_117_87e8_builds_and_shows_its_digits(comment, tmp_path, run_cli):
    """Through the whole build: with a `!` anywhere the file goes through the pure-Python loader, else
    through libyaml (when PyYAML has it)."""
    site = tmp_path / "site"
    shutil.copytree(FIXTURES / "minimal", site)
    (site / "data" / "figures.yaml").write_text(
        comment + "figures:\n  - key: output\n    value: 117.87e8\n    unit: {zh: 元, en: yuan}\n"
        "    label: {zh: 产值, en: Output}\n    featured: true\n    source: example-note\n", encoding="utf-8")
    result = run_cli(["build", "--content", site, "--out", tmp_path / "out"])
    assert result.code == 0, result.err
    for lang, number in (("zh", "117.87亿"), ("en", "11.787 billion")):
        home = (tmp_path / "out" / lang / "index.html").read_text(encoding="utf-8")
        assert f'<data value="11787000000"><span class="figure-number">{number}</span>' in home


@pytest.mark.parametrize("value,zh,en", [
    (1234567890, "1,234,567,890", "1,234,567,890"),   # compact would need 7 and 8 decimals: in full
    (-1234567890, "-1,234,567,890", "-1,234,567,890"),
    (11787000000, "117.87亿", "11.787 billion"),
    (-281000, "-28.1万", "-281,000"),
    (10**15, "1000万亿", "1000 trillion"),
    (Decimal("0.000123"), "0.000123", "0.000123"),
    (Decimal("2.50"), "2.50", "2.50"),
    (Decimal("2.50E+8"), "2.50亿", "250 million"),
    (Decimal("12345.60"), "12,345.60", "12,345.60"),
    (10**30 + 1, "1,000,000,000,000,000,000,000,000,000,001", "1,000,000,000,000,000,000,000,000,000,001"),
    (Decimal("1.234567890123456789012345678901"), "1.234567890123456789012345678901",
     "1.234567890123456789012345678901"),
])
def test_large_and_odd_values_keep_every_digit(value, zh, en):
    assert format_number(value, ZH) == zh
    assert format_number(value, EN) == en


_SCALE = {"万亿": 10**12, "亿": 10**8, "万": 10**4, " trillion": 10**12, " billion": 10**9, " million": 10**6,
          " thousand": 10**3}
_SCALED = re.compile(r"^(-?[0-9,.]+)(万亿|亿|万| trillion| billion| million| thousand)?$")


def _read_back(text):
    number, unit = _SCALED.match(text).groups()
    return Decimal(number.replace(",", "")) * _SCALE.get(unit, 1)


def test_formatted_numbers_read_back_to_the_value_exactly():
    """No digit is ever rounded away: what either language shows reads back to the very value, for whole
    numbers of every size and sign and for decimals."""
    rng = random.Random(14)
    values = [rng.randrange(10 ** rng.randint(1, 20)) * rng.choice((1, -1)) for _ in range(400)]
    values += [Decimal(rng.randrange(10**9)).scaleb(-rng.randint(1, 12)) for _ in range(200)]
    for value in values:
        for language in (ZH, EN):
            text = format_number(value, language)
            assert _read_back(text) == value, (value, language.code, text)
            decimals = text.split(".")[1] if "." in text else ""
            if not text[-1].isdigit():  # compact: never more decimals than allowed
                assert len(re.match(r"\d*", decimals).group()) <= MAX_COMPACT_DECIMALS, text


def test_a_plain_scalar_from_libyaml_reads_as_a_number():
    """The fast loader marks plain scalars with style '' (the pure-Python one with None): both are plain."""
    if yamlsrc._FastLoader is None:
        pytest.skip("PyYAML without libyaml")
    node = yamlsrc.compose("value: 117.87e8\n", Path("x.yaml"), Diagnostics()).value[0][1]
    assert node.style == ""  # went through libyaml
    assert validate(node, Number(), Context(Path("x.yaml"), Diagnostics())) == 11787000000
