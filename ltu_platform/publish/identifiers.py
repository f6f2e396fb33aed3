"""Guard: no person-level identifier leaves in a published table (domain.md, Data protection).

Checked on names (``person_key``, ``spell_key``, ``cpr`` …) and on values, so an identifier
hidden in a renamed or free-text column is caught too: pseudonymised keys (20 hex characters,
ltu_platform.pseudonym.PERSON_KEY_LENGTH), spell keys (key + ``-YYYYMMDD``) and CPR-like
numbers (10 digits, optionally DDMMYY-SSSS).
"""

from __future__ import annotations

import re

import pandas as pd

from ltu_platform.pseudonym import PERSON_KEY_LENGTH

IDENTIFIER_COLUMNS = frozenset({"person_key", "spell_key", "cpr", "cpr_number", "assessment_id",
                                "conversation_id", "payment_id", "placement_id", "answer_id",
                                "participation_id", "event_id", "period_id"})
_IDENTIFIER_VALUE = re.compile(
    rf"(?<![0-9a-f])[0-9a-f]{{{PERSON_KEY_LENGTH}}}(?![0-9a-f])"  # person key, also in a spell key
    r"|(?<!\d)\d{6}-?\d{4}(?!\d)"  # CPR number
)


class IdentifierInPublication(ValueError):
    pass


def assert_no_identifiers(table: str, df: pd.DataFrame) -> None:
    """Raise naming the table, column and row when a person-level identifier is present."""
    named = sorted(c for c in df.columns if c.lower() in IDENTIFIER_COLUMNS)
    if named:
        raise IdentifierInPublication(
            f"table {table!r}: identifier column(s) {named} may not be published"
        )
    for col in df.columns:
        if not (pd.api.types.is_object_dtype(df[col]) or pd.api.types.is_string_dtype(df[col])):
            continue
        text = df[col].dropna().astype(str)
        hits = text[text.str.contains(_IDENTIFIER_VALUE)]
        if len(hits):
            raise IdentifierInPublication(
                f"table {table!r}, column {col!r}, row {int(hits.index[0])}: value looks like a "
                f"person identifier (pseudonymised key or CPR number); {len(hits)} such value(s)"
            )
