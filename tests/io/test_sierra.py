"""Philips SierraECG XML reader: the two shared device files and hand-built XLI documents."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import numpy as np
import pytest

import cardiokit
from cardiokit._core.errors import CardiokitError, CorruptFileError, InvalidArgumentError
from cardiokit.io import detect_format
from tests.conftest import shared_path

MRX = ("ecg_formats", "sierra", "129DYPRG.XML")
TC = ("ecg_formats", "sierra", "2020-5-18_15-48-11.xml")
LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")


@pytest.mark.parametrize("parts", [MRX, TC])
def test_real_files_structure_and_einthoven(parts: tuple[str, ...]) -> None:
    rec = cardiokit.read(shared_path(*parts))
    assert rec.meta["format"] == "sierra" and rec.meta["compression"] == "XLI"
    assert rec.channel_names == LEADS and rec.fs == 500
    assert rec.n_samples == 5500  # durationperchannel 11000 ms at 500 Hz
    assert list(rec.meta["reconstructed_leads"]) == ["III", "aVR", "aVL", "aVF"]
    s = rec.signals.astype(np.float64)
    body = slice(0, 5300)  # before the calibration pulse at the end
    # Einthoven: II = I + III (5 uV per count; reconstruction is exact up to stored residual noise)
    assert np.abs(s[body, 1] - s[body, 0] - s[body, 2]).max() <= 0.0101
    # Goldberger: aVR = -(I + II)/2, aVL = (I - III)/2, aVF = (II + III)/2 within a few counts
    assert np.abs(s[body, 3] + (s[body, 0] + s[body, 1]) / 2).max() <= 0.02
    assert np.abs(s[body, 4] - (s[body, 0] - s[body, 2]) / 2).max() <= 0.02
    assert np.abs(s[body, 5] - (s[body, 1] + s[body, 2]) / 2).max() <= 0.02
    # a 1 mV calibration pulse (200 counts of 5 uV) closes every lead
    assert np.allclose(s[5350:5450, :], 1.0)
    peak = np.abs(s[body]).max(axis=0)
    assert np.all(peak < 5) and np.all(peak > 0.05)


def test_mrx_103_metadata() -> None:
    rec = cardiokit.read(shared_path(*MRX))
    assert rec.meta["document_version"] == "1.03"
    assert rec.meta["device"] == "HeartstartMRx"
    assert str(rec.start) == "2011-12-01 07:27:34"
    assert dict(rec.meta["subject"]) == {"id": "1112010721168bdc", "age_years": 50.0, "sex": "M"}
    m = dict(rec.meta["device_measurements"])
    assert m == {"heart_rate_bpm": 41, "atrial_rate_bpm": 41, "pr_ms": 151, "qrs_ms": 135, "qt_ms": 476,
                 "qtc_ms": 393, "p_axis_deg": 66, "qrs_axis_deg": -21, "t_axis_deg": 59}  # fmt: skip
    st = list(rec.meta["device_statements"])
    assert st[0] == "Sinus bradycardia, rate< 50" and st[-1] == ">>> Acute MI <<<" and len(st) == 4


def test_pagewriter_10401_metadata() -> None:
    path = shared_path(*TC)
    assert detect_format(path).name == "sierra"  # UTF-16 document
    rec = cardiokit.read(path)
    assert rec.meta["document_version"] == "1.04.01" and rec.meta["device"] == "PageWriter TC"
    m = dict(rec.meta["device_measurements"])
    assert (m["heart_rate_bpm"], m["rr_ms"], m["pr_ms"], m["qrs_ms"], m["qt_ms"], m["qtc_ms"]) == (
        64, 938, 164, 102, 399, 412)  # fmt: skip
    assert (m["p_axis_deg"], m["qrs_axis_deg"], m["t_axis_deg"], m["p_duration_ms"]) == (27, 22, 80, 104)
    assert list(rec.meta["device_statements"]) == [
        "Sinus rhythm, normal P axis, V-rate 50-99",
        "Abnormal R-wave progression, early transition, QRS area>0 in V2",
    ]
    assert rec.meta["device_severity"] == "- OTHERWISE NORMAL ECG -"


# ------------------------------------------------------------------ an independent XLI encoder
def _lzw10(data: bytes) -> bytes:
    table = {bytes([i]): i for i in range(256)}
    codes, w = [], b""
    for byte in data:
        wc = w + bytes([byte])
        if wc in table:
            w = wc
            continue
        codes.append(table[w])
        if len(table) < 1023:
            table[wc] = len(table)
        w = bytes([byte])
    if w:
        codes.append(table[w])
    codes.append(1023)
    bits = "".join(format(c, "010b") for c in codes)
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def _xli_chunk(values: np.ndarray) -> bytes:
    v = np.asarray(values, np.int64)
    codes = np.zeros(v.size, np.int64)
    codes[:2] = v[:2]
    first = 2 * v[1] - v[0] - v[2]
    codes[2:-1] = 2 * v[2:-1] - v[1:-2] - v[3:] + 64
    u = codes.astype(np.int16).view(np.uint16)
    payload = _lzw10(bytes((u >> 8).astype(np.uint8)) + bytes((u & 0xFF).astype(np.uint8)))
    return struct.pack("<iHh", len(payload), 1, int(first)) + payload


def _stored_leads(true: np.ndarray) -> list[np.ndarray]:
    """What a cardiograph stores: I, II, residuals for III/aVR/aVL/aVF, V1-V6 (integer counts)."""
    i, ii, iii, avr, avl, avf = (true[:, k].astype(np.int64) for k in range(6))
    r3 = ii - i - iii
    r4 = -avr - np.fix((i + ii) / 2).astype(np.int64)
    r5 = np.fix((i - iii) / 2).astype(np.int64) - avl
    r6 = np.fix((ii + iii) / 2).astype(np.int64) - avf
    return [i, ii, r3, r4, r5, r6] + [true[:, k] for k in range(6, true.shape[1])]


def _true_counts(n: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    t = np.arange(n) / 500
    i = np.round(150 * np.sin(2 * np.pi * 1.2 * t) + rng.normal(0, 3, n))
    ii = np.round(220 * np.sin(2 * np.pi * 1.2 * t + 0.3) + rng.normal(0, 3, n))
    iii = ii - i + rng.integers(-1, 2, n)  # not exactly Einthoven: residual noise must survive
    avr, avl, avf = -(i + ii) // 2 + 1, (i - iii) // 2 - 1, (ii + iii) // 2
    vs = [np.round(100 * k * np.cos(2 * np.pi * t * k)) for k in range(1, 7)]
    return np.column_stack([i, ii, iii, avr, avl, avf, *vs]).astype(np.int64)


def _doc(waveform: str, *, version: str = "1.04.01", attrs: str = "", extra_meas: str = "") -> str:
    wave_attrs = (
        f'compressflag="{"True" if "XLI" in attrs else "False"}" ' if version == "1.03" else ""
    ) + attrs
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<restingecgdata xmlns="http://www3.medical.philips.com">'
        f"<documentinfo><documenttype>SierraECG</documenttype><documentversion>{version}</documentversion>"
        "</documentinfo><dataacquisition date=\"2021-03-04\" time=\"05:06:07\"><machine>TestCart</machine>"
        "<signalcharacteristics><samplingrate>500</samplingrate><resolution>5</resolution>"
        "<numberchannelsvalid>12</numberchannelsvalid></signalcharacteristics></dataacquisition>"
        "<patient><generalpatientdata><patientid>Q1</patientid><age><years>61</years></age>"
        "<sex>Female</sex></generalpatientdata></patient>"
        f"{extra_meas}<waveforms><parsedwaveforms {wave_attrs}>{waveform}</parsedwaveforms></waveforms>"
        "</restingecgdata>"
    )


def _xli_attrs(n: int, version: str = "1.04.01") -> str:
    if version == "1.03":
        return f'compressmethod="XLI" dataencoding="Base64" durationperchannel="{n * 2}"'
    return (f'dataencoding="Base64" compression="XLI" numberofleads="12" samplespersecond="500" '
            f'durationperchannel="{n * 2}" resolution="5"')  # fmt: skip


@pytest.mark.parametrize("version", ["1.03", "1.04", "1.04.01"])
def test_hand_built_xli_round_trip(tmp_path: Path, version: str) -> None:
    n = 1500
    true = _true_counts(n)
    stored = _stored_leads(true)
    chunks = b"".join(_xli_chunk(v) for v in stored) + b"".join(_xli_chunk(np.zeros(n)) for _ in range(4))
    b64 = base64.b64encode(chunks).decode()
    b64 = "\n".join(b64[k : k + 76] for k in range(0, len(b64), 76))
    p = tmp_path / "ecg.xml"
    p.write_text(_doc(b64, version=version, attrs=_xli_attrs(n, version)))
    rec = cardiokit.read(p)
    assert rec.n_samples == n and rec.channel_names == LEADS
    np.testing.assert_allclose(rec.signals, true * 0.005, atol=1e-6)
    assert rec.meta["device"] == "TestCart" and str(rec.start) == "2021-03-04 05:06:07"
    assert dict(rec.meta["subject"]) == {"id": "Q1", "age_years": 61.0, "sex": "F"}


@pytest.mark.parametrize("encoding", ["Base64", "Plain"])
def test_uncompressed_waveforms_are_not_reconstructed(tmp_path: Path, encoding: str) -> None:
    n = 50
    true = _true_counts(n)
    if encoding == "Base64":
        text = base64.b64encode(true.T.astype("<i2").tobytes()).decode()
    else:
        text = " ".join(str(v) for v in true.T.ravel())
    attrs = (f'dataencoding="{encoding}" numberofleads="12" samplespersecond="500" '
             f'durationperchannel="{n * 2}" resolution="5"')  # fmt: skip
    p = tmp_path / "u.xml"
    p.write_text(_doc(text, attrs=attrs))
    rec = cardiokit.read(p)
    assert rec.meta["compression"] == "none" and list(rec.meta["reconstructed_leads"]) == []
    np.testing.assert_allclose(rec.signals, true * 0.005, atol=1e-6)


def test_measurement_fallback_to_device_globals(tmp_path: Path) -> None:
    meas = ("<internalmeasurements><crossleadmeasurements><meanventrate>77</meanventrate>"
            "<meanqtc>Failed</meanqtc><qrsfrontaxis>-30</qrsfrontaxis></crossleadmeasurements>"
            "</internalmeasurements>")  # fmt: skip
    n = 20
    attrs = f'dataencoding="Plain" numberofleads="12" durationperchannel="{n * 2}"'
    p = tmp_path / "m.xml"
    p.write_text(_doc(" ".join(["0"] * (12 * n)), attrs=attrs, extra_meas=meas))
    rec = cardiokit.read(p)
    assert dict(rec.meta["device_measurements"]) == {"heart_rate_bpm": 77, "qrs_axis_deg": -30}


@pytest.mark.parametrize(
    "mutate",
    [
        lambda c: c[: len(c) // 2],  # XLI stream cut in half
        lambda c: c[:3],
        lambda c: struct.pack("<i", 10**6) + c[4:],  # chunk size beyond the data
        lambda c: c[:8] + bytes([0xFF, 0xC0]) + c[10:],  # LZW code not yet defined
    ],
)
def test_corrupt_xli_raises(tmp_path: Path, mutate) -> None:
    n = 200
    chunks = b"".join(_xli_chunk(v) for v in _stored_leads(_true_counts(n)))
    p = tmp_path / "bad.xml"
    p.write_text(_doc(base64.b64encode(mutate(chunks)).decode(), attrs=_xli_attrs(n)))
    with pytest.raises(CorruptFileError):
        cardiokit.read(p)


def test_bad_header_values_and_options(tmp_path: Path) -> None:
    p = tmp_path / "v.xml"
    p.write_text(_doc("AAAA", version="2.0", attrs=_xli_attrs(10)))
    with pytest.raises(CorruptFileError, match=r"1\.03"):
        cardiokit.read(p)
    p.write_text(_doc("AAAA", attrs='dataencoding="Base64" durationperchannel="20" numberofleads="12"'))
    with pytest.raises(CorruptFileError, match="odd"):
        cardiokit.read(p)
    p.write_text(_doc("AAAAAAAA", attrs='dataencoding="Base64" durationperchannel="20" numberofleads="12"'))
    with pytest.raises(CorruptFileError, match="samples"):
        cardiokit.read(p)
    with pytest.raises(InvalidArgumentError, match="accepted options: none"):
        cardiokit.read(p, series="median")


def test_truncated_and_damaged_real_files_raise_project_errors(tmp_path: Path) -> None:
    data = shared_path(*MRX).read_bytes()
    rng = np.random.default_rng(0)
    variants = [data[:n] for n in (10, len(data) // 2, len(data) - 30)]
    for _ in range(3):
        b = bytearray(data)
        start = data.index(b"<parsedwaveforms")
        for pos in rng.integers(start + 300, start + 20000, 20):
            b[pos] = ord("A") + int(rng.integers(0, 26))
        variants.append(bytes(b))
    for k, v in enumerate(variants):
        p = tmp_path / f"v{k}.xml"
        p.write_bytes(v)
        try:
            cardiokit.read(p, format="sierra")
        except CardiokitError:
            pass
