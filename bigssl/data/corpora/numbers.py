"""Numbers and symbols written as digits, spelled out as they are usually read (English).

SpeechStew's other corpora write what was said (``three percent``); Common Voice's sentences are
written text (``$25``, ``50%``, ``3:30 p.m.``), and dropping the symbols leaves ``25``, ``50``,
``3 30 p m``, which no longer say what is spoken. :func:`spell_numbers` rewrites, in order:

- currency ``$25`` / ``$2.50`` / ``£3`` / ``€4`` -> ``twenty five dollars`` / ``two dollars fifty
  cents`` / ``three pounds`` / ``four euros``;
- times ``3:30`` -> ``three thirty``, ``3:05`` -> ``three oh five``, ``3:00`` -> ``three o'clock``;
- percentages ``50%`` -> ``fifty percent``; ``&`` -> ``and``;
- ordinals ``21st`` -> ``twenty first``;
- years: a bare 4-digit number from 1100 to 2099 is read as a year (``1990`` -> ``nineteen
  ninety``, ``1905`` -> ``nineteen oh five``, ``2008`` -> ``two thousand eight``, ``2015`` ->
  ``twenty fifteen``), as in most read speech;
- other numbers ``1,000`` -> ``one thousand``, ``3.14`` -> ``three point one four``.
"""

from __future__ import annotations

import re

ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
SCALES = (
    (10**12, "trillion"),
    (10**9, "billion"),
    (10**6, "million"),
    (1000, "thousand"),
)
ORDINAL_ENDINGS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
CURRENCIES = {
    "$": ("dollar", "dollars"),
    "£": ("pound", "pounds"),
    "€": ("euro", "euros"),
}


def cardinal(number: int) -> str:
    """``1234`` -> ``one thousand two hundred thirty four`` (no "and", as in US read speech)."""
    if number < 0:
        return "minus " + cardinal(-number)
    if number < 20:
        return ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return TENS[tens] + (f" {ONES[ones]}" if ones else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{ONES[hundreds]} hundred" + (f" {cardinal(rest)}" if rest else "")
    for scale, name in SCALES:
        if number >= scale:
            high, rest = divmod(number, scale)
            return f"{cardinal(high)} {name}" + (f" {cardinal(rest)}" if rest else "")
    raise AssertionError(number)  # unreachable: every number >= 1000 has a scale


def ordinal(number: int) -> str:
    """``21`` -> ``twenty first``."""
    words = cardinal(number).split()
    last = words[-1]
    if last in ORDINAL_ENDINGS:
        words[-1] = ORDINAL_ENDINGS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def year(number: int) -> str:
    """``1990`` -> ``nineteen ninety``; ``2008`` -> ``two thousand eight``."""
    if 2000 <= number <= 2009:
        return cardinal(number)
    high, low = divmod(number, 100)
    if low == 0:
        return f"{cardinal(high)} hundred"
    return f"{cardinal(high)} " + (f"oh {ONES[low]}" if low < 10 else cardinal(low))


def _decimal(text: str) -> str:
    whole, _, fraction = text.replace(",", "").partition(".")
    words = cardinal(int(whole or "0"))
    if fraction:
        words += " point " + " ".join(ONES[int(d)] for d in fraction)
    return words


def _currency(match: re.Match) -> str:
    singular, plural = CURRENCIES[match.group(1)]
    whole = int(match.group(2).replace(",", ""))
    cents = int(match.group(3)) if match.group(3) else 0
    words = f"{cardinal(whole)} {singular if whole == 1 else plural}"
    if cents:
        words += f" {cardinal(cents)} {'cent' if cents == 1 else 'cents'}"
    return f" {words} "


def _time(match: re.Match) -> str:
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes == 0:
        return f" {cardinal(hours)} o'clock "
    spoken = f"oh {ONES[minutes]}" if minutes < 10 else cardinal(minutes)
    return f" {cardinal(hours)} {spoken} "


def _number(match: re.Match) -> str:
    text = match.group(0)
    if re.fullmatch(r"\d{4}", text) and 1100 <= int(text) <= 2099:
        return f" {year(int(text))} "
    return f" {_decimal(text)} "


def spell_numbers(text: str) -> str:
    """``text`` with its digits, currency, percent and ``&`` spelled out (module doc)."""
    symbols = "".join(map(re.escape, CURRENCIES))
    text = re.sub(rf"([{symbols}])\s?(\d[\d,]*)(?:\.(\d\d))?\b", _currency, text)
    text = re.sub(r"\b(\d{1,2}):([0-5]\d)\b", _time, text)
    text = re.sub(r"(\d[\d,]*(?:\.\d+)?)\s?%", r"\1 percent", text)
    text = text.replace("&", " and ")
    text = re.sub(
        r"\b(\d{1,3}(?:,\d{3})+|\d+)(?:st|nd|rd|th)\b",
        lambda m: f" {ordinal(int(m.group(1).replace(',', '')))} ",
        text,
    )
    text = re.sub(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", _number, text)
    return re.sub(r"\s+", " ", text).strip()
