"""PPG morphology biomarkers per pulse and per segment (median over good pulses).

Names follow pyPPG (Goda, Charlton & Behar 2024) where it has them; times in seconds,
amplitudes as fractions of the pulse amplitude ``Asp`` (onset to systolic peak), so the
values do not depend on the sensor's gain. Definitions:

* Timing: ``Tpi`` pulse interval (on-off), ``Tpp`` peak-to-peak interval, ``Tsp`` rise
  (crest) time on-sp, ``Tsys`` on-dn, ``Tdia`` dn-off, ``Tdp`` on-dp, ``deltaT`` sp-dp,
  ``Tu`` on-u (time to maximum slope), ``Tsp_Tpi``, ``Tsys_Tdia``.
* Widths at 10/25/33/50/66/75/90 % of ``Asp`` (``Tw25`` ...), split into the systolic
  part before the peak (``Tsw25``) and the diastolic part after it (``Tdw25``).
* Amplitudes: ``Asp`` (signal units), ``Adn_Asp`` notch height, ``RI`` = ``Adp_Asp``
  reflection index (Chowienczyk 1999), ``AI`` augmentation index ``(A(p2)-A(p1))/Asp``
  (Takazawa 1998), ``SI_per_s`` = 1/deltaT (stiffness index = height / deltaT, Millasseau
  2002; multiply by the height in m for m/s).
* Areas (of the pulse above its onset, in ``Asp`` x s): ``A1`` on-dn, ``A2`` dn-off,
  ``IPA`` = A2/A1 (inflection point area ratio, Wang 2009).
* First derivative: ``u_Asp`` maximum slope / Asp (1/s), ``v_u``, ``w_u``.
* Second derivative (Takazawa 1998): ``b_a``, ``c_a``, ``d_a``, ``e_a``, ``AGI`` aging
  index ``(b-c-d-e)/a``, ``AGI_mod`` ``(b-e)/a``, and ``Tb_c``, ``Tb_d``, ``Ta``...``Te``
  times from the onset.
* ``IPR`` instantaneous pulse rate 60/Tpi (per minute).
"""

from __future__ import annotations

import numpy as np

from .fiducials import Fiducials

__all__ = ["BIOMARKER_NAMES", "beat_biomarkers", "segment_biomarkers"]

_WIDTHS = (10, 25, 33, 50, 66, 75, 90)

BIOMARKER_NAMES: tuple[str, ...] = (
    "Tpi", "Tpp", "Tsp", "Tsys", "Tdia", "Tdp", "deltaT", "Tu", "Tsp_Tpi", "Tsys_Tdia",
    *(f"Tw{w}" for w in _WIDTHS), *(f"Tsw{w}" for w in _WIDTHS), *(f"Tdw{w}" for w in _WIDTHS),
    "Asp", "Adn_Asp", "RI", "AI", "SI_per_s", "A1", "A2", "IPA",
    "u_Asp", "v_u", "w_u",
    "b_a", "c_a", "d_a", "e_a", "AGI", "AGI_mod", "Ta", "Tb", "Tc", "Td", "Te", "Tb_c", "Tb_d",
    "IPR",
)


def _crossings(y: np.ndarray, on: int, sp: int, end: int, level: float) -> tuple[float, float]:
    """Fractional sample positions where the pulse crosses ``level`` rising and falling."""
    up = y[on : sp + 1]
    j = int(np.argmax(up >= level))
    if j == 0:
        t_up = float(on)
    else:
        y0, y1 = up[j - 1], up[j]
        t_up = on + j - 1 + (level - y0) / (y1 - y0) if y1 != y0 else float(on + j)
    dn = y[sp:end]
    below = np.flatnonzero(dn < level)
    if below.size == 0:
        return t_up, np.nan
    k = int(below[0])
    y0, y1 = dn[k - 1], dn[k]
    t_dn = sp + k - 1 + (y0 - level) / (y0 - y1) if y0 != y1 else float(sp + k)
    return t_up, t_dn


def beat_biomarkers(y: np.ndarray, fid: Fiducials, derivs: tuple[np.ndarray, np.ndarray, np.ndarray]
                    ) -> dict[str, np.ndarray]:
    """Biomarkers of every pulse: ``{name: float array (n_beats,)}``, NaN when not measurable."""
    fs = fid.fs
    d1, d2, _ = derivs
    n = fid.n_beats
    out = {k: np.full(n, np.nan) for k in BIOMARKER_NAMES}
    P = fid.points
    sp_all = P["sp"]
    for i in range(n):
        on, sp, off = int(P["on"][i]), int(sp_all[i]), int(P["off"][i])
        if on < 0 or sp < 0:
            continue
        base = y[on]
        asp = y[sp] - base
        if asp <= 0:
            continue
        end = off if off > 0 else min(y.size, on + 4 * (sp - on) + 1)
        dn, dp = int(P["dn"][i]), int(P["dp"][i])
        out["Asp"][i] = asp
        out["Tsp"][i] = (sp - on) / fs
        if off > 0:
            out["Tpi"][i] = (off - on) / fs
            out["Tsp_Tpi"][i] = (sp - on) / (off - on)
            out["IPR"][i] = 60.0 * fs / (off - on)
        if i + 1 < n and sp_all[i + 1] > sp:
            out["Tpp"][i] = (sp_all[i + 1] - sp) / fs
        if dn > sp:
            out["Tsys"][i] = (dn - on) / fs
            out["Adn_Asp"][i] = (y[dn] - base) / asp
            if off > dn:
                out["Tdia"][i] = (off - dn) / fs
                out["Tsys_Tdia"][i] = (dn - on) / (off - dn)
                seg = y[on : off + 1] - base
                out["A1"][i] = float(np.sum(seg[: dn - on])) / fs / asp
                out["A2"][i] = float(np.sum(seg[dn - on :])) / fs / asp
                if out["A1"][i] > 0:
                    out["IPA"][i] = out["A2"][i] / out["A1"][i]
        if dp > sp:
            out["Tdp"][i] = (dp - on) / fs
            out["deltaT"][i] = (dp - sp) / fs
            out["SI_per_s"][i] = fs / (dp - sp)
            out["RI"][i] = (y[dp] - base) / asp
        p1, p2 = int(P["p1"][i]), int(P["p2"][i])
        if p1 >= 0 and p2 >= 0:
            out["AI"][i] = (y[p2] - y[p1]) / asp
        u = int(P["u"][i])
        if u >= 0:
            out["Tu"][i] = (u - on) / fs
            out["u_Asp"][i] = d1[u] / asp
            for k in ("v", "w"):
                j = int(P[k][i])
                if j >= 0 and d1[u] > 0:
                    out[f"{k}_u"][i] = d1[j] / d1[u]
        for w in _WIDTHS:
            t_up, t_dn = _crossings(y, on, sp, end, base + asp * w / 100.0)
            if np.isfinite(t_dn):
                out[f"Tw{w}"][i] = (t_dn - t_up) / fs
                out[f"Tdw{w}"][i] = (t_dn - sp) / fs
            out[f"Tsw{w}"][i] = (sp - t_up) / fs
        a = int(P["a"][i])
        if a >= 0 and d2[a] > 0:
            av = d2[a]
            out["Ta"][i] = (a - on) / fs
            vals = {}
            for k in ("b", "c", "d", "e"):
                j = int(P[k][i])
                if j >= 0:
                    vals[k] = d2[j] / av
                    out[f"{k}_a"][i] = vals[k]
                    out[f"T{k}"][i] = (j - on) / fs
            if all(k in vals for k in "bcde"):
                out["AGI"][i] = vals["b"] - vals["c"] - vals["d"] - vals["e"]
            if "b" in vals and "e" in vals:
                out["AGI_mod"][i] = vals["b"] - vals["e"]
            b, c, d = int(P["b"][i]), int(P["c"][i]), int(P["d"][i])
            if b >= 0 and c > b:
                out["Tb_c"][i] = (c - b) / fs
            if b >= 0 and d > b:
                out["Tb_d"][i] = (d - b) / fs
    return out


def segment_biomarkers(per_beat: dict[str, np.ndarray], good: np.ndarray | None = None
                       ) -> dict[str, float | None]:
    """Median of each biomarker over the ``good`` pulses (all when None); None if unmeasured."""
    out: dict[str, float | None] = {}
    for k, v in per_beat.items():
        sel = v if good is None or not np.any(good) else v[good]
        sel = sel[np.isfinite(sel)]
        out[k] = float(np.median(sel)) if sel.size else None
    return out
