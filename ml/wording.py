"""Words for the model's inputs, in Danish and English, for reasons, risk groups and receipts.

Portable like ``feature_frame`` (shipped with the registered model).
"""

from __future__ import annotations

import math

LABELS: dict[str, tuple[str, str]] = {
    "age": ("alder", "age"),
    "years_since_graduation": ("år siden seneste uddannelse", "years since graduation"),
    "children_in_custody": ("hjemmeboende børn", "children in custody"),
    "wage_income_last_year": ("lønindkomst sidste år (kr.)", "wage income last year (DKK)"),
    "weeks_public_support_last_year": ("uger på offentlig forsørgelse sidste år", "weeks on public support last year"),
    "weeks_public_support_3y": ("uger på offentlig forsørgelse de seneste 3 år", "weeks on public support in the last 3 years"),
    "prior_spells": ("tidligere ledighedsforløb", "prior unemployment spells"),
    "education_vocational": ("erhvervskompetencegivende uddannelse", "vocationally qualifying education"),
    "is_graduate": ("dimittend", "recent graduate"),
    "sex": ("køn", "sex"),
    "origin": ("herkomst", "origin"),
    "education_level": ("uddannelsesniveau", "education level"),
    "industry": ("branche", "industry"),
    "placement_reason": ("grund til indplacering", "placement reason"),
}
INTEGER_VALUED = {"age", "children_in_custody", "prior_spells"}
WHOLE_KRONER = {"wage_income_last_year"}
BOOLEAN_VALUED = {"education_vocational", "is_graduate"}


def label(feature: str, lang: str = "da") -> str:
    if feature in LABELS:
        return LABELS[feature][0 if lang == "da" else 1]
    if feature.startswith("q") and feature[1:].isdigit():
        n = int(feature[1:])
        return f"svar på spørgsmål {n} i forberedelsesskemaet" if lang == "da" else f"answer to preparation question {n}"
    return feature


def value_text(feature: str, value, lang: str = "da") -> str:
    """A value as a person would write it: 'ja'/'nej', whole numbers, thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "ikke oplyst" if lang == "da" else "not stated"
    if feature in BOOLEAN_VALUED:
        yes = bool(value)
        return ("ja" if yes else "nej") if lang == "da" else ("yes" if yes else "no")
    if isinstance(value, (int, float)):
        whole = feature in INTEGER_VALUED or feature in WHOLE_KRONER or float(value).is_integer()
        text = f"{int(round(value)):,}" if whole else f"{value:,.1f}"
        # Danish writes 12.345,6 where English writes 12,345.6.
        return text.translate(str.maketrans(",.", ".,")) if lang == "da" else text
    return str(value)


def threshold_text(feature: str, threshold: float, at_most: bool, lang: str = "da") -> str:
    """A tree split in words: 'alder højst 49' / 'age at least 50'."""
    name = label(feature, lang)
    if feature in BOOLEAN_VALUED:
        if lang == "da":
            return f"ikke {name}" if at_most else name
        return f"not {name}" if at_most else name
    if feature in INTEGER_VALUED:
        # A split at 49.5 on whole years reads "at most 49" / "at least 50".
        bound = math.floor(threshold) if at_most else math.floor(threshold) + 1
        shown = value_text(feature, bound, lang)
        if lang == "da":
            return f"{name} højst {shown}" if at_most else f"{name} mindst {shown}"
        return f"{name} at most {shown}" if at_most else f"{name} at least {shown}"
    shown = value_text(feature, round(threshold, 1), lang)
    if lang == "da":
        return f"{name} højst {shown}" if at_most else f"{name} over {shown}"
    return f"{name} at most {shown}" if at_most else f"{name} above {shown}"


def category_text(feature: str, value: str, equals: bool, lang: str = "da") -> str:
    name = label(feature, lang)
    if lang == "da":
        return f"{name} er {value}" if equals else f"{name} er ikke {value}"
    return f"{name} is {value}" if equals else f"{name} is not {value}"
