"""Standard 12-lead ECG lead names and the spellings files use for them."""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["STANDARD_LEADS", "standard_lead_name"]

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
