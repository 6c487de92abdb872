"""Guess a channel's signal kind from its name; shared by the format readers."""

from __future__ import annotations

import re

from .._core.leads import STANDARD_LEADS
from .._core.recording import Channel

__all__ = ["ECG_LEAD_NAMES", "guess_kind", "make_channel", "typed_name"]

#: Canonical ECG lead names (compared case-insensitively).
ECG_LEAD_NAMES = STANDARD_LEADS

_ECG_RE = re.compile(
    r"""^(?:
        i{1,3} | d(?:i{1,3}|[123]) | a?v[rlf] | -a?v[rlf]      # limb leads (also DI/DII/DIII, -aVR)
      | v\d{1,2}r? | v | v[3-9]r                            # chest leads V1..V9, V3R.., "V"
      | ml(?:i{1,3}|\d) | mv\d | cm\d | cc\d | ms\d         # Holter/monitoring leads (MIT-BIH)
      | (?:ecg|ekg)\w*                                       # ECG, ECG1, ECG_lead_II, EKG
      | lead\w*                                              # "lead II", "Lead_V1"
      | v[xyz]                                               # Frank leads as in PTB (vx, vy, vz)
    )$""",
    re.VERBOSE,
)
_PPG_RE = re.compile(r"^(?:pleth\w*|ppg\w*|\w*_ppg|pulse(?:_?ox\w*)?|spo2_?wave\w*)$")
_ABP_RE = re.compile(r"^(?:abp\w*|art_?\d*|bp|fap|ibp\d*|arterial\w*)$")
_RESP_RE = re.compile(r"^(?:resp\w*|breath\w*|airflow|flow|thorax|abdomen|impedance\w*)$")
_PCG_RE = re.compile(r"^(?:pcg\w*|phono\w*|heart_?sounds?|sound|mic\w*|stetho\w*)$")
_ACCEL_RE = re.compile(r"^(?:acc\w*|accel\w*|a[xyz])$")


def _normalise(name: str) -> str:
    n = name.strip().lower()
    n = re.sub(r"\s*[\[(].*?[\])]\s*$", "", n)  # drop a trailing "[mV]" / "(uV)"
    n = re.sub(r"[\s\-.:]+", "_", n).strip("_")
    for prefix in ("ecg_lead_", "ecg_", "ekg_", "lead_"):
        if n.startswith(prefix) and _ECG_RE.match(n[len(prefix):].replace("_", "")):
            return "ecg"
    return n


def guess_kind(name: str) -> str:
    """Signal kind ("ecg", "ppg", "abp", "resp", "pcg", "accel" or "other") from a channel name.

    ECG leads (I, II, III, aVR, aVL, aVF, V1-V6, MLII, V5, "ECG..." / "EKG..." / "Lead ..."),
    PLETH/PPG, ABP/ART, RESP, PCG and ACC* names are recognised case-insensitively; anything
    else is "other" (callers may then apply a user-given ``kind``).
    """
    n = _normalise(name)
    if not n:
        return "other"
    if n == "ecg" or _ECG_RE.match(n) or _ECG_RE.match(n.replace("_", "")):
        return "ecg"
    if _PPG_RE.match(n):
        return "ppg"
    if _ABP_RE.match(n):
        return "abp"
    if _RESP_RE.match(n):
        return "resp"
    if _PCG_RE.match(n):
        return "pcg"
    if _ACCEL_RE.match(n):
        return "accel"
    return "other"


def make_channel(name: str, unit: str = "", *, default_kind: str = "other") -> Channel:
    """A :class:`Channel` whose kind is guessed from ``name`` (``default_kind`` when unknown)."""
    kind = guess_kind(name)
    return Channel(name, default_kind if kind == "other" else kind, unit)


#: the type word a name starts with so that :func:`guess_kind` reads the kind back (EDF+ labels
#: are "Type Specification", Kemp & Olivan 2003: "ECG II", "Resp chest")
_TYPE_WORD = {"ecg": "ECG", "ppg": "PPG", "pcg": "PCG", "resp": "Resp", "abp": "ABP", "accel": "Acc"}


def typed_name(ch: Channel) -> str:
    """The channel's name for a format that keeps only names (EDF/BDF labels, WFDB signal names,
    CSV headers): as it is when :func:`guess_kind` reads the kind from it, else prefixed with the
    kind's type word ("ch1" of a PPG -> "PPG ch1"), so that the kind survives the round trip."""
    word = _TYPE_WORD.get(ch.kind)
    if word is None or guess_kind(ch.name) == ch.kind:
        return ch.name
    return f"{word} {ch.name}".strip()
