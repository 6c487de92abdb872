"""`cardiokit analyze FILE...`: run the pipeline on files; JSON lines, store, FHIR, reports."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .._core.errors import CardiokitError, InvalidArgumentError
from .._core.leads import standard_lead_name
from ..pipeline import SUBJECT_FIELDS, analyze_file, validate_subject
from ..report.model import grade_of, quality_issues
from ._app import FsOption, KindOption, app, console, err_console

__all__ = ["ACCEPTED_FORMATS", "analyze_cmd", "explain_read_error", "parse_meta", "read_error_message"]


class Convention(StrEnum):
    aha = "aha"
    ludb = "ludb"


def parse_meta(items: list[str] | None) -> dict[str, Any]:
    """``["age_years=52", "sex=F"]`` -> validated subject dict (errors name accepted values)."""
    raw: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidArgumentError(
                f"--meta expects KEY=VALUE (e.g. --meta age_years=52 --meta sex=F); got {item!r}; "
                f"accepted keys: {', '.join(SUBJECT_FIELDS)}"
            )
        raw[key] = value.strip()
    return validate_subject(raw)


def _summary_line(report: Any) -> str:
    if report.errors and report.recording is None:
        return f"[red]failed[/] {report.errors[0].message}"
    m = report.measurements
    parts = []
    if report.quality is not None:
        bad = [f"{standard_lead_name(u.lead) or u.lead} {u.start_s:g}-{u.stop_s:g} s"
               for u in getattr(report.quality, "unusable_segments", ())]
        parts.append(f"quality {report.quality.grade}" + (f" ({', '.join(bad)} not measured)" if bad else ""))
    if m.get("heart_rate_bpm") is not None:
        parts.append(f"HR {m['heart_rate_bpm']:.0f} bpm"
                     + (f" (atrial {m['atrial_rate_bpm']:.0f})" if m.get("atrial_rate_bpm") is not None else ""))
    for key, label in (("pr_ms", "PR"), ("qrs_ms", "QRS"), ("qtc_ms", "QTc")):
        if m.get(key) is not None:
            formula = f" ({str(m['qtc_formula']).capitalize()})" if key == "qtc_ms" and m.get("qtc_formula") else ""
            parts.append(f"{label} {m[key]:.0f} ms{formula}")
    if report.statements:
        parts.append("; ".join(s.text for s in report.statements))
    parts += _other_kinds(report)
    if report.errors:
        parts.append(f"[yellow]{len(report.errors)} stage error(s)[/]")
    return ", ".join(parts) or "nothing measured in this recording"


def _other_kinds(report: Any) -> list[str]:
    """Summary parts of the PPG, heart-sound and video (remote PPG) results."""
    m, parts = report.measurements, []
    if m.get("sbp_mmhg") is not None and m.get("dbp_mmhg") is not None:
        parts.append(f"BP (est.) {m['sbp_mmhg']:.0f}/{m['dbp_mmhg']:.0f} mmHg")
    if m.get("respiratory_rate_bpm") is not None:
        parts.append(f"resp. rate {m['respiratory_rate_bpm']:.0f}/min")
    ppg = getattr(report, "ppg", None)
    if grade_of(ppg) == "unusable":
        why = quality_issues(ppg)
        parts.append(f"PPG unusable ({why or 'pulses disagree'}): no pulse rate or BP reported")
    pcg = getattr(report, "pcg", None)
    if isinstance(pcg, dict) and pcg.get("label"):
        p_abn = pcg.get("probability_abnormal")
        parts.append(f"heart sounds {pcg['label']}" + (f" (P(abnormal) {p_abn:.2f})" if p_abn is not None else ""))
    rppg = getattr(report, "rppg", None)
    if isinstance(rppg, dict) and rppg.get("heart_rate_bpm") is not None:
        grade = grade_of(rppg)
        if grade == "unusable" or m.get("heart_rate_bpm") is None:
            parts.append(f"video pulse unusable (spectral peak {rppg['heart_rate_bpm']:.0f} bpm, "
                         f"SNR {rppg.get('snr_db', float('nan')):.1f} dB): no pulse rate reported")
        else:
            parts.append(f"video pulse quality {grade}")
    return parts


#: what ``cardiokit.read`` accepts, for messages about files it could not read
ACCEPTED_FORMATS = (
    "WFDB (.hea + .dat, or .mat), EDF/EDF+/BDF, CSV/TSV/TXT (give --fs when there is no time column), WAV, "
    "Parquet, DICOM waveform (.dcm), HL7 aECG / GE MUSE / Philips Sierra / Schiller XML, SCP-ECG (.scp), "
    "ISHNE Holter (.ecg), video (.avi, .mp4, .mov, .mkv, .webm)"
)


def read_error_message(path: Path, report: Any) -> str:
    """The reader's message for ``path``, and what cardiokit reads when the file was not recognised.

    A damaged file of a known format (a truncated EDF) gets the reader's message alone; a
    file of no known format, or a text file with no signal table in it, also gets the list.
    """
    err = report.errors[0]
    if err.stage != "read":
        return err.message if str(path) in err.message else f"{path}: {err.message}"
    return explain_read_error(path, err.type, err.message)


def explain_read_error(path: Path, error_type: str, message: str) -> str:
    """``path: message``, the path once, and the list of formats for a file of no known format."""
    msg = message
    for prefix in (f"{path}: ", f"{path.name}: "):
        msg = msg.removeprefix(prefix)
    msg = f"{path}: {msg}"
    unknown = error_type == "UnknownFormatError" or (
        error_type == "CorruptFileError" and path.suffix.lower() in (".txt", ".csv", ".tsv"))
    if unknown and path.is_file() and "readable extensions" not in msg:
        msg += f"\n  cardiokit reads: {ACCEPTED_FORMATS}"
    return msg


def _render(report: Any, out: Path) -> list[Path]:
    """HTML + PDF report via cardiokit.report.render (the rendering helper's module)."""
    try:
        from ..report import render
    except ImportError as exc:
        raise CardiokitError(f"report rendering is not available in this build ({exc})") from None
    from ..report.fhir import output_stem

    stem = output_stem(report)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fn_name, ext in (("write_html", "html"), ("write_pdf", "pdf")):
        fn = getattr(render, fn_name, None)
        if fn is None:
            raise CardiokitError(f"cardiokit.report.render has no {fn_name}()")
        written.append(fn(report, out / f"{stem}.{ext}"))
    return [Path(p) for p in written if p is not None]


@app.command("analyze")
def analyze_cmd(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Recording files (any supported format).")],
    out: Annotated[Path | None, typer.Option("--out", metavar="DIR", help="Folder for the HTML and PDF report of each input.")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", metavar="OUT.jsonl", help="Write one JSON object per input per line to this file ('-' = stdout).")
    ] = None,
    store: Annotated[
        Path | None, typer.Option("--store", metavar="DB", help="DuckDB result store (default: $CARDIOKIT_DATA_DIR/cardiokit.duckdb).")
    ] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not write results to the store.")] = False,
    fhir: Annotated[Path | None, typer.Option("--fhir", metavar="DIR", help="Folder for one FHIR R4 Bundle (DiagnosticReport) per input.")] = None,
    fs: FsOption = None,
    kind: KindOption = None,
    meta: Annotated[
        list[str] | None,
        typer.Option("--meta", metavar="KEY=VALUE", help="Subject data KEY=VALUE, repeatable: age_years, sex (M/F), height_cm, weight_kg, id."),
    ] = None,
    convention: Annotated[Convention, typer.Option(
        "--convention", help="Interpretation thresholds: aha (AHA/ACC/HRS) or ludb (the LUDB cardiologists' "
                             "operating point); docs/STATEMENTS.md.")] = Convention.aha,
    long_s: Annotated[float, typer.Option(
        "--long-s", min=1.0, help="ISHNE/WFDB/EDF recordings longer than this (s) are analysed in chunks as Holter "
                                  "recordings: summary in 'holter', a summary report page and a trend plot instead of ECG pages.")] = 3600.0,
) -> None:
    """Analyse recordings: quality, beats, waves, measurements, interpretation statements."""
    subject = parse_meta(meta)
    db = None
    if not no_store:
        from ..store import Store

        db = Store(store)
    jfh: IO[str] | None = None
    if json_out is not None and str(json_out) != "-":
        try:
            json_out.parent.mkdir(parents=True, exist_ok=True)
            jfh = open(json_out, "w", encoding="utf-8")
        except OSError as exc:
            raise InvalidArgumentError(f"--json {json_out}: cannot write there ({exc.strerror or exc})") from None
    elif json_out is not None:
        jfh = sys.stdout
    failed = 0
    msg_console = err_console if jfh is sys.stdout else console
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=err_console, transient=True,
                        disable=len(files) < 2 or not err_console.is_terminal)  # no stray blank lines in logs
    try:
        with progress:
            task = progress.add_task("analysing", total=len(files))
            for f in files:
                progress.update(task, description=f"analysing {f.name}")
                report = _analyze_one(f, subject, fs, kind.value if kind else None, long_s, convention.value)
                errors = list(report.errors)
                if report.recording is not None:
                    if db is not None and report.sha256:
                        try:
                            db.put(report)
                        except CardiokitError as exc:
                            errors.append(_err("store", exc))
                    if fhir is not None:
                        try:
                            from ..report.fhir import write_fhir

                            write_fhir(report, fhir)
                        except (CardiokitError, OSError) as exc:
                            errors.append(_err("fhir", exc))
                    if out is not None:
                        try:
                            _render(report, out)  # a Holter report: summary page + trend
                            if report.holter is not None:
                                from ..report.holter import write_trend_figure

                                write_trend_figure(dict(report.holter), out / f"{_stem(f)}.holter.png")
                        except (CardiokitError, OSError) as exc:
                            errors.append(_err("render", exc))
                if len(errors) != len(report.errors):
                    object.__setattr__(report, "errors", tuple(errors))
                if jfh is not None:
                    jfh.write(report.to_json() + "\n")
                    jfh.flush()
                if report.recording is None:
                    failed += 1
                    err_console.print(f"[bold red]error:[/] {read_error_message(f, report)}", highlight=False)
                else:
                    msg_console.print(f"[bold]{f}[/]: {_summary_line(report)}", highlight=False)
                    if report.errors:
                        failed += 1
                        for e in report.errors:
                            err_console.print(f"[yellow]warning:[/] {f}: {e.stage}: {e.type}: {e.message}",
                                              highlight=False)
                progress.advance(task)
    finally:
        if jfh is not None and jfh is not sys.stdout:
            jfh.close()
        if db is not None:
            db.close()
    if failed:
        err_console.print(f"{failed} of {len(files)} input(s) failed or had errors")
        raise typer.Exit(1)


def _stem(path: Path) -> str:
    return path.stem if path.suffix.lower() in (".hea", ".edf", ".ecg", ".bdf") else path.name


def _analyze_one(f: Path, subject: dict[str, Any], fs: float | None, kind: str | None, long_s: float,
                 convention: str = "aha") -> Any:
    """``analyze_file``, or the chunked Holter path for streamable recordings longer than ``long_s``."""
    from ..batch.long import probe_duration

    try:
        probe = probe_duration(f, fs=fs, kind=kind)
    except (CardiokitError, OSError):
        probe = None  # analyze_file reports the problem
    if probe is None or probe[0] <= long_s:
        return analyze_file(f, subject=subject, fs=fs, kind=kind, source=str(f), convention=convention)
    from ..batch.run import analyze_for_store
    from ..pipeline import content_sha256

    err_console.print(f"{f}: {probe[0] / 3600:.2f} h: analysed in chunks as a Holter recording", highlight=False)
    report = analyze_for_store(str(f), content_sha256(f), subject, fs, kind, long_s)
    object.__setattr__(report, "source", str(f))
    return report


def _err(stage: str, exc: Exception) -> Any:
    from ..report.model import AnalysisErrorInfo

    return AnalysisErrorInfo(stage, type(exc).__name__, str(exc))

