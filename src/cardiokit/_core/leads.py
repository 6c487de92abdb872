"""Standard 12-lead ECG lead names and the spellings files use for them."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

__all__ = ["LIMB_BASIS", "STANDARD_LEADS", "derive_limb_leads", "standard_lead_name"]

#: The standard 12 leads in their usual spelling and order.
STANDARD_LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")

_BY_KEY = {n.lower(): n for n in STANDARD_LEADS}
#: Other spellings of the limb leads: DI/DII/DIII and D1-D3 (the usual names in Spanish,
#: Portuguese, Italian and French exports). The modified (Mason-Likar) limb leads of
#: monitoring records (MIT-BIH "MLII") are other leads and keep their names.
_ALIASES = {"di": "I", "dii": "II", "diii": "III", "d1": "I", "d2": "II", "d3": "III"}
_UNIT_SUFFIX = re.compile(r"\s*[\[(].*?[\])]\s*$")
_PREFIX = re.compile(r"^(?:ecg|ekg|lead|ableitung|derivation|derivacion)+")


@lru_cache(maxsize=512)
def standard_lead_name(name: str) -> str | None:
    """The standard lead a channel name stands for (``"Lead II"``, ``"ECG_II"``, ``"DII"``,
    ``"avf"`` -> ``"II"``, ..., ``"aVF"``), or None for any other name.

    Case, separators, a trailing unit (``"V1 [mV]"``) and an ``ECG``/``EKG``/``Lead`` prefix
    are ignored; an inverted lead (``"-aVR"``) is not the lead itself and gives None.
    """
    n = _UNIT_SUFFIX.sub("", str(name).strip().lower())
    n = re.sub(r"[\s_\-.:/]+", "", n) if not n.startswith("-") else n
    n = _PREFIX.sub("", n)
    return _BY_KEY.get(n) or _ALIASES.get(n)


#: each limb lead as (weight of I, weight of II): III = II - I (Einthoven 1913), aVR = -(I + II) / 2,
#: aVL = I - II / 2, aVF = II - I / 2 (Goldberger 1942)
LIMB_BASIS = {"I": (1.0, 0.0), "II": (0.0, 1.0), "III": (-1.0, 1.0), "aVR": (-0.5, -0.5), "aVL": (1.0, -0.5),
              "aVF": (-0.5, 1.0)}


def derive_limb_leads(lead_i: np.ndarray, lead_ii: np.ndarray) -> dict[str, np.ndarray]:
    """III, aVR, aVL and aVF from leads I and II (Einthoven's law and Goldberger's equations)."""
    i = np.asarray(lead_i, dtype=np.float64)
    ii = np.asarray(lead_ii, dtype=np.float64)
    return {
        "III": ii - i,
        "aVR": -(i + ii) / 2.0,
        "aVL": i - ii / 2.0,
        "aVF": ii - i / 2.0,
    }
