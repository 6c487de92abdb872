"""What a reader sees on the rendered pages: no text on text, labels clear of the
calibration pulse and of the trace, beat dots on each lead's peak, no misleading values."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import cardiokit
from cardiokit import Channel, Recording
from cardiokit.report import render
from cardiokit.report._render_text import measurement_rows, subject_lines
from cardiokit.sim import simulate_ecg

LONG_SOURCE = "/data/archive/hospital-a/cardiology/exports/2024/ward-7/patient-0001/resting_ecg_0001.xml"


@pytest.fixture(scope="module")
def report12():
    rec = simulate_ecg(duration_s=10, heart_rate_bpm=72, noise_snr_db=30, seed=5)
    return cardiokit.analyze(rec, source=LONG_SOURCE)


@pytest.fixture(scope="module")
def report2():
    """Two Holter-like leads, the second one's R peak 24 ms after the first one's."""
    rec = simulate_ecg(duration_s=30, heart_rate_bpm=70, leads="12", fs_hz=250, seed=6).select(["II", "V5"])
    sig = np.asarray(rec.signals, dtype=np.float32).copy()
    sig[:, 1] = np.roll(sig[:, 1], 6)
    rec = rec.replace(signals=sig, channels=(Channel("MLII", "ecg", "mV"), Channel("V5", "ecg", "mV")))
    return cardiokit.analyze(rec)


def _renderer(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _text_boxes(fig):
    r = _renderer(fig)
    return [(t.get_text(), t.get_window_extent(r)) for t in fig.axes[0].texts if t.get_text().strip()]


def _overlaps(boxes):
    bad = []
    for i, (ta, a) in enumerate(boxes):
        for tb, b in boxes[i + 1:]:
            if a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5:
                bad.append((ta, tb))
    return bad


@pytest.mark.parametrize("which", ["report12", "report2"])
def test_no_text_overlaps_text(which, request):
    rep = request.getfixturevalue(which)
    for fig in render.render_figures(rep):
        assert _overlaps(_text_boxes(fig)) == []


def test_long_source_path_keeps_its_file_name(report12):
    texts = [t for t, _ in _text_boxes(render.render_figures(report12)[0])]
    shown = [t for t in texts if t.endswith("resting_ecg_0001.xml")]
    assert shown and len(shown[0]) <= 50 and "…" in shown[0]


def test_strip_labels_are_clear_of_the_calibration_pulse(report2):
    fig = render.render_figures(report2)[0]
    r = _renderer(fig)
    ax = fig.axes[0]
    pulses = [ln.get_window_extent(r) for ln in ax.lines if ln.get_gid() == "calibration"]
    labels = [t.get_window_extent(r) for t in ax.texts if t.get_text() in ("MLII", "V5")]
    assert len(pulses) == len(labels) == 6  # 3 windows x 2 leads: rows too low for a label above the pulse
    mm = ax.transData.inverted()
    for lab in labels:
        (lx0, ly0), (lx1, ly1) = mm.transform(lab.get_points())
        for p in pulses:
            (px0, py0), (px1, py1) = mm.transform(p.get_points())
            gap = max(px0 - lx1, lx0 - px1, py0 - ly1, ly0 - py1)  # mm between the boxes (< 0: overlap)
            assert gap >= 0.5


def test_twelve_lead_labels_sit_above_the_trace_start(report12):
    fig = render.render_figures(report12)[0]
    ax = fig.axes[0]
    r = _renderer(fig)
    inv = ax.transData.inverted()
    for name in ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"):
        (line,) = [ln for ln in ax.lines if ln.get_gid() == f"lead-{name}"]
        text = next(t for t in ax.texts if t.get_text() == name)  # II: the 3 x 4 label, not the rhythm strip
        (x0, y0), (x1, _) = inv.transform(text.get_window_extent(r).get_points())
        xs, ys = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        under = ys[(xs >= x0) & (xs <= x1)]
        row_top = ys.min() + 60.0  # generous: only the trace under the label matters
        if under.size and under.max() < row_top:
            assert under.max() <= y0 + 0.2, name


def test_beat_dots_sit_on_each_leads_own_peak(report2):
    fig = render.render_figures(report2)[0]
    ax = fig.axes[0]
    dots = [ln for ln in ax.lines if ln.get_gid() == "points-beat"]
    strips = {ln.get_gid(): ln for ln in ax.lines if str(ln.get_gid()).startswith("strip-")}
    assert len(dots) >= 2
    for k, dot in enumerate(dots[:4]):
        trace = strips[f"strip-{k}"]
        xs, ys = np.asarray(trace.get_xdata()), np.asarray(trace.get_ydata())
        base = float(np.median(ys))
        for x, y in zip(dot.get_xdata(), dot.get_ydata(), strict=True):
            near = np.abs(xs - x) <= 1.0  # 40 ms at 25 mm/s
            peak = ys[near][np.argmax(np.abs(ys[near] - base))]
            assert y == pytest.approx(peak, abs=0.3)  # mm: on the peak, not on its upstroke


def test_missing_values_print_as_one_dash_not_none():
    rep = SimpleNamespace(measurements={"heart_rate_bpm": 61.0, "qt_ms": None, "qtc_ms": None},
                          recording=SimpleNamespace(kinds=("ecg",)))
    rows = dict(measurement_rows(rep))
    assert rows["QT / QTc"] == "—" and rows["P-R-T axes"] == "—" and rows["Vent. rate"] == "61 bpm"
    assert not any("None" in v or "nan" in v for v in rows.values())


def test_short_recording_duration_is_not_zero():
    rec = Recording(np.zeros((13, 1), dtype=np.float32), 500.0, (Channel("II", "ecg", "mV"),))
    signal = dict(subject_lines(SimpleNamespace(source="x", recording=None), rec))["Signal"]
    assert signal == "1 ch, 500 Hz, 0.026 s"


def test_unusable_video_pulse_rate_is_not_printed_as_a_value():
    rep = SimpleNamespace(measurements={"heart_rate_bpm": None}, recording=SimpleNamespace(kinds=("video",)),
                          rppg={"heart_rate_bpm": 169.55, "snr_db": -6.3, "quality": {"grade": "unusable"}},
                          ppg=None, pcg=None)
    rows = dict(measurement_rows(rep))
    assert rows["Pulse rate"].startswith("—") and "unreliable" in rows["Pulse rate"]
    assert rows["rPPG quality"] == "unusable"
    rep.rppg["quality"] = {"grade": "good"}
    assert dict(measurement_rows(rep))["Pulse rate"] == "169.6 bpm"


def test_details_page_prints_standard_lead_names_and_no_empty_sections():
    rec = simulate_ecg(duration_s=10, seed=8)
    rec = rec.replace(channels=tuple(Channel(c.name.lower(), c.kind, c.unit) for c in rec.channels))
    figs = render.render_figures(cardiokit.analyze(rec))
    texts = {t.get_text() for t in figs[-1].axes[0].texts}
    assert {"aVR", "aVL", "aVF", "V1"} <= texts and "avf" not in texts
    fs = 125.0
    t = np.arange(int(20 * fs)) / fs
    ph = (t * 1.2) % 1
    ppg = np.exp(-(((ph - 0.2) / 0.08) ** 2)) + 0.4 * np.exp(-(((ph - 0.45) / 0.1) ** 2))
    prec = Recording(ppg[:, None], fs, (Channel("PLETH", "ppg", "nu"),))
    details = {t.get_text() for t in render.render_figures(cardiokit.analyze(prec), prec)[-1].axes[0].texts}
    assert "qrs_ms" not in details and "p_axis_deg" not in details  # ECG-only fields
    assert "no interpretation statements" in details


def test_a_lead_off_step_stays_on_the_paper():
    """A 40-mV step (electrode off) makes a huge filter transient: it is cut at the grid, not drawn
    over the footer and header."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fs = 250.0
    rec = simulate_ecg(duration_s=30, leads="1", fs_hz=fs, seed=9)
    sig = np.asarray(rec.signals, dtype=np.float32).copy()
    sig[int(25 * fs):, 0] += 40.0
    rec = rec.replace(signals=sig)
    fig = render.render_figures(cardiokit.analyze(rec), rec)[0]
    ax = fig.axes[0]
    traces = [ln for ln in ax.lines if str(ln.get_gid()).startswith("strip-")]
    assert max(float(np.max(ln.get_ydata())) for ln in traces) > 180.0  # the data run up into the header
    dpi = 254.0  # 10 px per mm
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    img = np.asarray(canvas.buffer_rgba())[:, :, :3].astype(int)
    h = img.shape[0]

    def band(y0_mm, y1_mm, x0_mm=16.0, x1_mm=281.0):  # rows counted from the top of the image
        return img[h - int(y1_mm * 10):h - int(y0_mm * 10), int(x0_mm * 10):int(x1_mm * 10)]

    dark = lambda a: int((a.sum(axis=2) < 150).sum())  # noqa: E731
    assert dark(band(10.5, 15.5)) == 0  # between the grid and the footer text
    assert dark(band(166.5, 174.0, 16.0, 110.0)) == 0  # header, under the subject rows


def test_evidence_and_device_print_without_python_reprs():
    from cardiokit.report._render_text import _device_text, evidence_text

    assert evidence_text(None) == "—" and evidence_text(113.43) == "113.4" and evidence_text(True) == "yes"
    assert evidence_text({"ii": ["bsqi", None], "r_mv": 0.0912}) == "{ii: [bsqi, —], r_mv: 0.0912}"
    assert _device_text({"model": "ELI 250", "manufacturer": "Mortara"}) == "Mortara ELI 250"
    assert _device_text("MAC55") == "MAC55"


def test_many_statements_do_not_run_into_the_disclaimer(report12):
    from dataclasses import replace

    many = tuple(replace(report12.statements[0], text=f"Statement number {i} with a fairly long text to wrap it")
                 for i in range(9))
    fig = render.render_figures(replace(report12, statements=many))[0]
    boxes = _text_boxes(fig)
    assert _overlaps(boxes) == []
    texts = [t for t, _ in boxes]
    assert "Unconfirmed computer interpretation" in texts and any("continued on the details page" in t for t in texts)
    details = {t.get_text() for t in render.render_figures(replace(report12, statements=many))[-1].axes[0].texts}
    assert not any("None" in t for t in details)


def test_ppg_page_of_an_ecg_and_ppg_record_shows_the_ppg_measurements():
    rep = SimpleNamespace(measurements={"heart_rate_bpm": 92.0, "qrs_ms": 96.0, "sbp_mmhg": 141.0, "dbp_mmhg": 75.0,
                                        "respiratory_rate_bpm": 15.2},
                          recording=SimpleNamespace(kinds=("ecg", "ppg", "resp")),
                          ppg={"heart_rate_bpm": 91.4, "quality": {"grade": "good"}}, pcg=None, rppg=None)
    ecg_rows = dict(measurement_rows(rep))
    assert ecg_rows["QRS"] == "96 ms" and "SBP (est.)" not in ecg_rows
    ppg_rows = dict(measurement_rows(rep, page_kind="ppg"))
    assert ppg_rows["Heart rate"] == "91.4 bpm" and ppg_rows["SBP (est.)"] == "141 mmHg"
    assert ppg_rows["Resp. rate"] == "15.2 /min" and "QRS" not in ppg_rows


def test_details_page_names_every_statement_and_stays_on_the_page(report12):
    from dataclasses import replace

    base = report12.statements[0]
    long_ev = {f"lead_{i}": {"pattern": "rSr'", "r_mv": 0.5, "s_mv": -0.2, "q_ms": None} for i in range(12)}
    many = tuple(replace(base, text=f"Finding {i}", evidence=long_ev) for i in range(12))
    fig = render.render_figures(replace(report12, statements=many))[-1]
    boxes = _text_boxes(fig)
    assert _overlaps(boxes) == []
    texts = " ".join(t for t, _ in boxes)
    named = [i for i in range(12) if f"Finding {i} " in texts or f"Finding {i}" + " [" in texts]
    more = [t for t, _ in boxes if "more statement(s)" in t]
    assert named and (len(named) == 12 or more)
    if more:
        assert more[0].startswith(f"… {12 - len(named)} more")
    ax = fig.axes[0]
    inv = ax.transData.inverted()
    assert min(inv.transform(b.get_points())[0][1] for _, b in boxes) >= 5.0  # nothing runs off the page
    assert not any("None" in t for t, _ in boxes)


def test_heart_sound_details_list_the_pcg_result():
    fs = 2000.0
    t = np.arange(int(8 * fs)) / fs
    ph = (t * 1.1) % 1
    pcg = np.exp(-(((ph - 0.05) / 0.02) ** 2)) * np.sin(2 * np.pi * 50 * t)
    crec = Recording(pcg[:, None], fs, (Channel("PCG", "pcg", ""),))
    rep = cardiokit.analyze(crec)
    fig = render.render_figures(rep, crec)[-1]
    texts = [t for t, _ in _text_boxes(fig)]
    assert "Heart sounds (PCG)" in texts
    if isinstance(rep.pcg, dict) and rep.pcg.get("label"):  # the rows of the HTML section
        assert "Class" in texts and any(t.startswith(f"{rep.pcg['label']} (P(abnormal)") for t in texts)
        assert "Heart rate" in texts and "Cycles segmented" in texts
    assert _overlaps(_text_boxes(fig)) == []
