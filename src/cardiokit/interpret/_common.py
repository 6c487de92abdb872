"""Shared pieces of the rules: thresholds, references, lead groups, the Statement builder."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..report.model import Statement

RULES_VERSION = "rules-v2"

# -- references ---------------------------------------------------------------------------
MASON_2007 = (
    "Mason JW, Hancock EW, Gettes LS. Recommendations for the standardization and "
    "interpretation of the electrocardiogram, part II: electrocardiography diagnostic "
    "statement list. Circulation 2007;115:1325-1332."
)
SURAWICZ_2009 = (
    "Surawicz B, Childers R, Deal BJ, Gettes LS. AHA/ACCF/HRS recommendations for the "
    "standardization and interpretation of the electrocardiogram, part III: intraventricular "
    "conduction disturbances. Circulation 2009;119:e235-e240."
)
RAUTAHARJU_2009 = (
    "Rautaharju PM, Surawicz B, Gettes LS. AHA/ACCF/HRS recommendations for the "
    "standardization and interpretation of the electrocardiogram, part IV: the ST segment, "
    "T and U waves, and the QT interval. Circulation 2009;119:e241-e250."
)
HANCOCK_2009 = (
    "Hancock EW, Deal BJ, Mirvis DM, et al. AHA/ACCF/HRS recommendations for the "
    "standardization and interpretation of the electrocardiogram, part V: electrocardiogram "
    "changes associated with cardiac chamber hypertrophy. Circulation 2009;119:e251-e261."
)
WAGNER_2009 = (
    "Wagner GS, Macfarlane P, Wellens H, et al. AHA/ACCF/HRS recommendations for the "
    "standardization and interpretation of the electrocardiogram, part VI: acute ischemia/"
    "infarction. Circulation 2009;119:e262-e270."
)
THYGESEN_2018 = (
    "Thygesen K, Alpert JS, Jaffe AS, et al. Fourth universal definition of myocardial "
    "infarction (2018). Circulation 2018;138:e618-e651 (ECG criteria: Tables 4 and 5)."
)
PRIORI_2015 = (
    "Priori SG, Blomström-Lundqvist C, Mazzanti A, et al. 2015 ESC Guidelines for the "
    "management of patients with ventricular arrhythmias and the prevention of sudden "
    "cardiac death. Eur Heart J 2015;36:2793-2867 (short QT syndrome: QTc <= 340 ms)."
)
KLIGFIELD_2007 = (
    "Kligfield P, Gettes LS, Bailey JJ, et al. Recommendations for the standardization and "
    "interpretation of the electrocardiogram, part I. Circulation 2007;115:1306-1324."
)
SOKOLOW_1949 = (
    "Sokolow M, Lyon TP. The ventricular complex in left ventricular hypertrophy as obtained "
    "by unipolar precordial and limb leads. Am Heart J 1949;37:161-186."
)
CASALE_1985 = (
    "Casale PN, Devereux RB, Kligfield P, et al. Electrocardiographic detection of left "
    "ventricular hypertrophy: development and prospective validation of improved criteria "
    "(Cornell voltage). J Am Coll Cardiol 1985;6:572-580."
)
ROMHILT_1968 = (
    "Romhilt DW, Estes EH Jr. A point-score system for the ECG diagnosis of left "
    "ventricular hypertrophy. Am Heart J 1968;75:752-758."
)
MORRIS_1964 = (
    "Morris JJ Jr, Estes EH Jr, Whalen RE, Thompson HK Jr, McIntosh HD. P-wave analysis in "
    "valvular heart disease. Circulation 1964;29:242-252 (P terminal force in V1)."
)
MACFARLANE_2015 = (
    "Macfarlane PW, Antzelevitch C, Haissaguerre M, et al. The early repolarization pattern: "
    "a consensus paper. J Am Coll Cardiol 2015;66:470-477."
)
HINDRICKS_2020 = (
    "Hindricks G, Potpara T, Dagres N, et al. 2020 ESC Guidelines for the diagnosis and "
    "management of atrial fibrillation. Eur Heart J 2021;42:373-498 (ECG diagnosis: "
    "irregularly irregular RR intervals, no distinct repeating P waves)."
)
KUSUMOTO_2019 = (
    "Kusumoto FM, Schoenfeld MH, Barrett C, et al. 2018 ACC/AHA/HRS guideline on the "
    "evaluation and management of patients with bradycardia and cardiac conduction delay. "
    "Circulation 2019;140:e382-e482."
)
PRINEAS_2010 = (
    "Prineas RJ, Crow RS, Zhang ZM. The Minnesota Code Manual of Electrocardiographic "
    "Findings, 2nd ed. Springer 2010."
)
CLIFFORD_2012 = "cardiokit signal quality rules sqi-rules-v1 (Clifford 2012; Orphanidou 2015)"

# -- lead groups ----------------------------------------------------------------------------
LIMB = ("i", "ii", "iii", "avr", "avl", "avf")
PRECORDIAL = ("v1", "v2", "v3", "v4", "v5", "v6")
#: contiguous-lead orders: Cabrera sequence of the limb leads and V1-V6
CABRERA = ("avl", "i", "-avr", "ii", "avf", "iii")
TERRITORIES: dict[str, tuple[str, ...]] = {
    "inferior": ("ii", "iii", "avf"),
    "lateral": ("i", "avl", "v5", "v6"),
    "anterior": ("v3", "v4"),
    "septal": ("v1", "v2"),
}


def num(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def rnd(v: Any, nd: int = 1) -> float | None:
    f = num(v)
    return None if f is None else round(f, nd)


def make(key: str, code: str | None, text: str, category: str, evidence: Mapping[str, Any],
         rule: str, reference: str, severity: str = "abnormal", **thresholds: Any) -> Statement:
    """A :class:`Statement` whose ``criteria`` carry the rule, its thresholds and reference."""
    return Statement(
        key=key, code=code, text=text, evidence=dict(evidence),
        criteria={"rule": rule, **thresholds, "reference": reference, "rules_version": RULES_VERSION},
        category=category, severity=severity,
    )


def contiguous_pairs(leads: Sequence[str]) -> bool:
    """True when at least two of ``leads`` are neighbours in V1-V6 or in the Cabrera
    sequence (aVL, I, -aVR, II, aVF, III) - the 'two contiguous leads' of the MI criteria."""
    s = set(leads)
    for seq in (PRECORDIAL, CABRERA):
        for a, b in itertools.pairwise(seq):
            if a in s and b in s:
                return True
    return False


def lead_list(leads: Sequence[str]) -> str:
    names = {"i": "I", "ii": "II", "iii": "III", "avr": "aVR", "avl": "aVL", "avf": "aVF",
             "-avr": "-aVR"}
    return ", ".join(names.get(x, x.upper()) for x in leads)
