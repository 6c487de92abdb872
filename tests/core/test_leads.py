"""cardiokit._core.leads: standard lead names from the spellings files use."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardiokit._core.leads import STANDARD_LEADS, standard_lead_name


@pytest.mark.parametrize(("name", "std"), [
    ("Lead II", "II"), ("ECG II", "II"), ("ecg_lead_v6", "V6"), ("EKG-aVF", "aVF"), ("DII", "II"),
    ("D3", "III"), ("MLII", None), ("V1 [mV]", "V1"), ("avl", "aVL"), ("Ableitung III", "III"),
    ("-aVR", None), ("ECG", None), ("V", None), ("V7", None), ("ECG1", None), ("PLETH", None), ("", None),
])
def test_spellings(name, std):
    assert standard_lead_name(name) == std


@given(lead=st.sampled_from(STANDARD_LEADS), prefix=st.sampled_from(["", "Lead ", "ECG_", "ekg-", "LEAD_"]),
       upper=st.booleans(), unit=st.sampled_from(["", " [mV]", " (uV)"]))
def test_decorated_standard_names_map_back(lead, prefix, upper, unit):
    name = prefix + (lead.upper() if upper else lead) + unit
    assert standard_lead_name(name) == lead
