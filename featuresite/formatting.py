"""Numbers, figures and dates written per language, from CLDR data via Babel."""
from __future__ import annotations

import copy
from decimal import Decimal, localcontext
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date, format_skeleton
from babel.numbers import NumberPattern, format_decimal, parse_pattern

from .model import Figure, Language, TextPair
from .schema import PartialDate

NUMBER_PLACEHOLDER = "{n}"

MAX_COMPACT_DECIMALS = 3
"""A compact number (28.1万, 11.787 billion) shows every significant digit the figure was written with, never
rounded; when that takes more than this many digits after the decimal point (12.3456789亿), the number is
written in full instead (1,234,567,890). See docs/content.md, data/figures.yaml."""


def format_number(value: int | float | Decimal, language: Language) -> str:
    """A number in the language's style: compact from `compact_numbers_from` up (28.1万), else in full (281,000).

    Every digit the number was written with is shown: the significant digits of a whole number (281000 has
    three: 28.1万), all the digits of a Decimal (2.50 stays 2.50; 2.50e8 is 2.50亿), whole or compact (see
    MAX_COMPACT_DECIMALS)."""
    # str(value) is part of the key: Decimal('1') == Decimal('1.0'), but they are written differently.
    return _format_number(str(value), value, language)


# Babel's pattern machinery is slow and prose cites the same figures on many pages: remember them.
@lru_cache(maxsize=8192, typed=True)
def _format_number(text: str, value: int | float | Decimal, language: Language) -> str:
    number = Decimal(value) if isinstance(value, int) else Decimal(text)
    if not number.is_finite():  # not from a fact sheet (the schema refuses them); as Babel writes them
        return format_decimal(number, locale=language.locale)
    locale = Locale.parse(language.locale)
    limit = language.compact_numbers_from
    if limit is not None and abs(number) >= limit:
        # A whole number's trailing zeros say nothing of its precision (281000: 28.1万, not 28.1000万).
        compact = _compact(_significant(number) if isinstance(value, int) else number, locale)
        if compact is not None:
            return compact
    return _apply(locale.decimal_formats[None], number, locale)


def _significant(number: Decimal) -> Decimal:
    """The number without its trailing zeros (281000 as 281e3), exactly (Decimal.normalize rounds to the
    context's 28 digits)."""
    sign, digits, exponent = number.as_tuple()
    while len(digits) > 1 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    return Decimal((sign, digits, exponent))


def _compact(number: Decimal, locale: Locale) -> str | None:
    """The number in the locale's compact form, every digit kept (CLDR's algorithm, as Babel's
    format_compact_decimal, without its rounding); None when it has no compact form or would need more than
    MAX_COMPACT_DECIMALS decimals."""
    style = "long" if "long" in locale.compact_decimal_formats else "short"
    formats = locale.compact_decimal_formats[style]
    magnitude = max((int(m) for m in formats["other"] if abs(number) >= int(m)), default=None)
    if magnitude is None:
        return None
    written = parse_pattern(formats["other"][str(magnitude)]).pattern
    if written == "0":  # no compact form at this magnitude (zh: thousands)
        return None
    zeros = written.count("0")
    shift = len(str(magnitude)) - zeros  # the pattern's "00万" shows magnitude 10^5 as tens of 万: 10^4
    sign, digits, exponent = number.as_tuple()
    scaled = Decimal((sign, digits, exponent - shift))
    if -(exponent - shift) > MAX_COMPACT_DECIMALS:
        return None
    plural = locale.plural_form(abs(scaled).normalize())
    if plural not in formats:
        plural = "other"
    if scaled == 1 and str(magnitude) in formats.get("1", {}):
        plural = "1"
    if str(magnitude) not in formats[plural]:
        plural = "other"
    return _apply(parse_pattern(formats[plural][str(magnitude)]), scaled, locale)


def _apply(pattern: NumberPattern, number: Decimal, locale: Locale) -> str:
    """The number through a CLDR pattern with every decimal it was written with, none rounded away and none
    added: 0.000123, 2.50."""
    _, digits, exponent = number.as_tuple()
    decimals = max(0, -exponent)
    if decimals > pattern.frac_prec[0]:
        pattern = copy.copy(pattern)
        pattern.frac_prec = (decimals, max(decimals, pattern.frac_prec[1]))
    with localcontext() as context:  # Babel computes in the current context: room for every digit
        context.prec = max(context.prec, len(digits) + abs(exponent) + pattern.frac_prec[1] + 2)
        return pattern.apply(number, locale, decimal_quantization=False)


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
