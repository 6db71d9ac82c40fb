"""Numbers, figures and dates written per language, from CLDR data via Babel."""
from __future__ import annotations

from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date, format_skeleton
from babel.numbers import format_compact_decimal, format_decimal

from .model import Figure, Language, TextPair
from .schema import PartialDate

NUMBER_PLACEHOLDER = "{n}"


def format_number(value: int | float, language: Language) -> str:
    """A number in the language's style: compact from `compact_numbers_from` up (28.1万), else in full (281,000).

    Compact numbers keep every significant digit the fact sheet gives (no rounding away of data).
    """
    # str(value) is part of the key: Decimal('1') == Decimal('1.0'), but they are written differently.
    return _format_number(str(value), value, language)


# Babel's pattern machinery is slow and prose cites the same figures on many pages: remember them.
@lru_cache(maxsize=8192, typed=True)
def _format_number(text: str, value: int | float, language: Language) -> str:
    limit = language.compact_numbers_from
    if limit is not None and abs(value) >= limit:
        locale = Locale.parse(language.locale)
        style = "long" if "long" in locale.compact_decimal_formats else "short"
        return format_compact_decimal(value, format_type=style, locale=locale, fraction_digits=6)
    return format_decimal(value, locale=language.locale)


def format_figure(figure: Figure, language: Language, strings: dict[str, TextPair]) -> str:
    """A figure as prose writes it: number, unit and qualifier, e.g. 超2.62万家 / more than 26,200 companies."""
    code = language.code
    text = format_number(figure.value, language)
    if figure.unit:
        unit = figure.unit[code]
        if NUMBER_PLACEHOLDER in unit:
            text = unit.replace(NUMBER_PLACEHOLDER, text)
        else:
            text = strings["figure_unit"][code].replace("{unit}", unit).replace(NUMBER_PLACEHOLDER, text)
    if figure.approx != "exact":
        text = strings[f"figure_{figure.approx}"][code].replace(NUMBER_PLACEHOLDER, text)
    return text


# Babel's pattern machinery is slow and a site repeats few dates: remember them.
@lru_cache(maxsize=8192)
def format_date(date: PartialDate, language: Language) -> str:
    """A full or partial date in the language's long style: 2025年5月28日 / May 28, 2025; 2025年5月 / May 2025."""
    value = date.as_date()
    if date.precision == "day":
        return babel_format_date(value, "long", locale=language.locale)
    skeleton = "yMMMM" if date.precision == "month" else "y"
    return format_skeleton(skeleton, value, locale=language.locale)


def figure_parts(figure: Figure, language: Language, strings: dict[str, TextPair]) -> tuple[str, str, str]:
    """The figure as (words before the number, the number, words after it), for display as a large numeral:
    ('more than ', '26,200', ' companies'), ('超', '2.62万', '家'). Spaces are kept, so the three
    parts joined read exactly as format_figure writes the figure."""
    number = format_number(figure.value, language)
    before, _, after = format_figure(figure, language, strings).partition(number)
    return before, number, after
