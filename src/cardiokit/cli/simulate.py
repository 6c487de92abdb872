"""`cardiokit simulate OUT`: write a synthetic ECG with ground-truth annotations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..io import write
from ..sim import simulate_ecg
from ._app import app, console

__all__ = ["simulate_cmd"]


@app.command("simulate")
def simulate_cmd(
    out: Annotated[
        Path,
        typer.Argument(metavar="OUT", help="Output file; format from its extension (.hea WFDB, .edf, .csv, .parquet, ...)."),
    ],
    duration: Annotated[float, typer.Option("--duration", help="Length in seconds.")] = 10.0,
    hr: Annotated[float, typer.Option("--hr", help="Mean heart rate in beats per minute.")] = 72.0,
    fs: Annotated[float, typer.Option("--fs", help="Sampling rate in Hz.")] = 500.0,
    leads: Annotated[str, typer.Option("--leads", help="'12' (standard 12 leads), '1' (lead II) or 'xyz'.")] = "12",
    af: Annotated[bool, typer.Option("--af", help="Atrial fibrillation: irregular RR, no P waves, f-waves.")] = False,
    av_block: Annotated[
        str | None,
        typer.Option("--av-block", help="AV block: '2:1', 'mobitz1', 'mobitz2' (4:3 conduction) or 'complete' "
                                        "(--hr is then the ventricular rate)."),
    ] = None,
    atrial_rate: Annotated[
        float | None, typer.Option("--atrial-rate", help="Atrial (P-wave) rate of --av-block complete (default 80 bpm).")
    ] = None,
    noise_snr: Annotated[
        float | None, typer.Option("--noise-snr", help="Add baseline wander, EMG and powerline noise at this SNR (dB).")
    ] = None,
    hrv: Annotated[float, typer.Option("--hrv", help="SDNN of the sinus RR intervals in ms (0: constant RR).")] = 30.0,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (same seed, same recording).")] = None,
) -> None:
    """Simulate an ECG (3-D heart-vector model) and write it with its 'truth' annotations."""
    rec = simulate_ecg(duration_s=duration, fs_hz=fs, heart_rate_bpm=hr, leads=leads, af=af, av_block=av_block,
                       atrial_rate_bpm=atrial_rate, noise_snr_db=noise_snr, hrv=hrv if hrv > 0 else None, seed=seed)
    for p in write(rec, out):
        console.print(f"wrote {p}")
    t = rec.meta["truth"]
    console.print(
        f"{rec.n_channels} lead(s), {rec.duration_s:g} s at {rec.fs:g} Hz, {t['n_beats']} beats, "
        f"HR {t['heart_rate_bpm']:.1f} bpm, QRS {t['qrs_ms']:.0f} ms, QT {t['qt_ms']:.0f} ms"
        + ("" if af or t["pr_ms"] is None else f", PR {t['pr_ms']:.0f} ms")
        + ("" if av_block is None else f", atrial rate {t['atrial_rate_bpm']:.0f} bpm, {t['n_blocked_p']} P waves blocked")
    )
