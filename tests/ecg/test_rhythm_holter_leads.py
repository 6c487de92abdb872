"""The rhythm model's lead choice knows ambulatory (Holter) lead names: MIT-BIH's MLII is a
modified lead II, the model's preferred kind of lead (trained on lead-I-like strips), not a lead of
unknown name ranked after V1."""

from __future__ import annotations

import pytest

import cardiokit
from cardiokit.ecg.rhythm import _LEAD_PREFERENCE, _preference
from tests.conftest import shared_path


@pytest.mark.parametrize(("name", "as_"), [("MLII", "ii"), ("ML2", "ii"), ("MLIII", "iii"), ("MLI", "i"),
                                           ("MV1", "v1"), ("CM5", "v5"), ("CC5", "v5"), ("MCL1", "v1"),
                                           ("Lead II", "ii"), ("ECG_I", "i"), ("V5", "v5"), ("aVR", "avr")])
def test_holter_and_spelled_out_lead_names_rank_as_their_lead(name: str, as_: str) -> None:
    assert _preference(name) == _LEAD_PREFERENCE.index(as_)


def test_unknown_names_rank_last() -> None:
    for name in ("Pleth", "X", "ML4", "MV9", "resp"):
        assert _preference(name) == len(_LEAD_PREFERENCE)


def test_af_is_stated_on_most_10s_strips_of_mitdb_210() -> None:
    """MIT-BIH 210 (atrial fibrillation throughout): with V1 read instead of MLII the 10-s strips
    were stated AF in 113 of 178 (docs/BENCHMARKS.md "Beat classes (MIT-BIH)"), now 152."""
    rec = cardiokit.read(shared_path("mitdb", "210.hea"))
    reps = [cardiokit.analyze(rec.crop(t, t + 10)) for t in range(0, 1800, 60)]
    stated = sum(r.statement("atrial_fibrillation") is not None for r in reps)
    assert stated >= 24, stated  # of 30
