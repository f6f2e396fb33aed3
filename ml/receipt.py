"""The citizen's receipt (kvitteringsskrivelse, R-PROF-5), in Danish.

It summarises the statistical risk, says which information it rests on, and states that the
caseworker's judgement is decisive (R-PROF-6).
"""

from __future__ import annotations

import pandas as pd


def receipt_text(probability: float, at_risk: bool, group: str, group_description: str, reasons: str) -> str:
    status = "særlig risiko" if at_risk else "ikke særlig risiko"
    pct = int(round(100 * probability))
    reason_lines = "\n".join(f"  - {r.strip()}" for r in reasons.split(";") if r.strip()) or "  - (ingen)"
    return (
        "Kvittering for din profilafklaring\n\n"
        "Vi har lavet en statistisk vurdering af din risiko for at blive langtidsledig, det vil sige "
        "at være ledig i mindst 80 % af det første år.\n\n"
        f"Resultat: {status} for langtidsledighed. Blandt personer med oplysninger som dine blev "
        f"omkring {pct} ud af 100 langtidsledige.\n"
        f"Du ligner personer i risikogruppe {group}: {group_description}.\n"
        "De forhold, der betød mest for vurderingen:\n"
        f"{reason_lines}\n\n"
        "Vurderingen bygger på oplysninger fra offentlige registre (fx alder, uddannelse, indkomst "
        "og tidligere ledighed) og på dine svar i forberedelsesskemaet. Din a-kasses egne "
        "spørgsmål indgår ikke.\n\n"
        "Vurderingen er statistisk og afgør ikke noget i sig selv. Din sagsbehandler foretager "
        "en samlet vurdering sammen med dig, og det er sagsbehandlerens vurdering, der gælder. "
        "Vurderingen og de anvendte oplysninger kan blive delt med jobcentret."
    )


def receipts(scores: pd.DataFrame) -> pd.DataFrame:
    """One receipt per scored spell (R-PROF-5)."""
    texts = [
        receipt_text(p, a, g, d, r)
        for p, a, g, d, r in zip(
            scores["probability"], scores["at_risk"], scores["risk_group"], scores["risk_group_description"], scores["top_reasons"]
        )
    ]
    return pd.DataFrame(
        {
            "spell_key": scores["spell_key"].to_numpy(),
            "person_key": scores["person_key"].to_numpy(),
            "model_version": scores["model_version"].to_numpy(),
            "receipt_text": texts,
            "created_at": scores["scored_at"].to_numpy(),
        }
    )
