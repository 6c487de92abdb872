"""SCP-ECG reader and writer: round trips and files built by hand, section by section."""

from __future__ import annotations

import binascii
import struct
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

import cardiokit
from cardiokit._core.errors import (
    CardiokitError,
    CorruptFileError,
    InvalidArgumentError,
    ReadError,
    WriteError,
)
from cardiokit._core.recording import Channel, Recording
from cardiokit.io import detect_format


def _crc(b: bytes) -> int:
    return binascii.crc_hqx(b, 0xFFFF)


def _section(sid: int, body: bytes) -> bytes:
    body += b"\0" * (len(body) % 2)
    rest = struct.pack("<HIBB", sid, 16 + len(body), 20, 20) + b"SCPECG" + body
    return struct.pack("<H", _crc(rest)) + rest


def _file(bodies: dict[int, bytes]) -> bytes:
    """Independent SCP framing: file header, section 0 pointers for ids 0-11, sections, CRCs."""
    secs = {sid: _section(sid, b) for sid, b in bodies.items()}
    len0 = 16 + 10 * 12
    pos = 6 + len0 + 1  # 1-based index of the first section after section 0
    ptrs = struct.pack("<HII", 0, len0, 7)
    for sid in range(1, 12):
        if sid in secs:
            ptrs += struct.pack("<HII", sid, len(secs[sid]), pos)
            pos += len(secs[sid])
        else:
            ptrs += struct.pack("<HII", sid, 0, 0)
    content = _section(0, ptrs) + b"".join(secs[s] for s in sorted(secs))
    rest = struct.pack("<I", 6 + len(content)) + content
    return struct.pack("<H", _crc(rest)) + rest


def _s3(n: int, ids: list[int], flags: int = 0x04) -> bytes:
    return bytes([len(ids), flags]) + b"".join(struct.pack("<IIB", 1, n, i) for i in ids)


def _s6(blocks: list[bytes], *, avm: int = 1000, interval: int = 2000, order: int = 0, bimodal: int = 0) -> bytes:
    return (struct.pack("<HHBB", avm, interval, order, bimodal)
            + b"".join(struct.pack("<H", len(b)) for b in blocks) + b"".join(blocks))  # fmt: skip


def _bits(s: str) -> bytes:
    s = s.replace(" ", "")
    s += "0" * (-len(s) % 8)
    return int(s, 2).to_bytes(len(s) // 8, "big") if s else b""


def _write(tmp_path: Path, data: bytes, name: str = "x.scp") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_uncompressed_first_differences(tmp_path: Path) -> None:
    lead1 = np.array([100, 102, 101, 90, -50], np.int64)
    lead2 = np.array([-7, -7, 0, 7, 7], np.int64)
    blocks = [np.concatenate([x[:1], np.diff(x)]).astype("<i2").tobytes() for x in (lead1, lead2)]
    p = _write(tmp_path, _file({3: _s3(5, [1, 64]), 6: _s6(blocks, avm=2500, interval=4000, order=1)}))
    rec = cardiokit.read(p)
    assert rec.fs == 250 and rec.channel_names == ("I", "aVF")
    np.testing.assert_allclose(rec.signals[:, 0], lead1 * 2.5e-3, rtol=1e-6)
    np.testing.assert_allclose(rec.signals[:, 1], lead2 * 2.5e-3, rtol=1e-6)
    assert rec.meta["compression"] == "none" and rec.meta["difference_order"] == 1


def test_default_huffman_table_by_hand(tmp_path: Path) -> None:
    # codes written out from the standard's default table (annex C), no difference coding
    values = [0, 1, -1, 2, 8, -8, 100, -2000]
    stream = ("0 100 101 1100 1111111100 1111111101 1111111110" + format(100, "08b")
              + "1111111111" + format(-2000 & 0xFFFF, "016b"))  # fmt: skip
    s2 = struct.pack("<H", 19999)
    p = _write(tmp_path, _file({2: s2, 3: _s3(8, [2]), 6: _s6([_bits(stream)], avm=5000, order=0)}))
    rec = cardiokit.read(p)
    np.testing.assert_allclose(rec.signals[:, 0], np.array(values) * 5e-3, rtol=1e-6)
    assert rec.channel_names == ("II",) and rec.fs == 500


def test_default_huffman_with_second_differences_by_hand(tmp_path: Path) -> None:
    x = np.array([10, 12, 15, 15, 11, 4, 0], np.int64)
    d = np.concatenate([x[:2], x[2:] - 2 * x[1:-1] + x[:-2]])  # 10 12 1 -3 -4 -3 3
    table = {0: "0", 1: "100", -1: "101", 3: "11100", -3: "11101", -4: "111101"}
    stream = "".join(table.get(int(v), "1111111110" + format(int(v) & 0xFF, "08b")) for v in d)
    p = _write(tmp_path, _file({2: struct.pack("<H", 19999), 3: _s3(7, [3]), 6: _s6([_bits(stream)], order=2)}))
    np.testing.assert_allclose(cardiokit.read(p).signals[:, 0], x * 1e-3, rtol=1e-6)


def _code(prefix: str, total: int, mode: int, base: int) -> bytes:
    return struct.pack("<BBBhI", len(prefix), total, mode, base, int(prefix[::-1], 2))


def test_custom_huffman_tables_with_switching(tmp_path: Path) -> None:
    t1 = [_code("0", 1, 1, 0), _code("10", 2, 1, 5), _code("11", 2, 0, 2)]
    t2 = [_code("0", 1, 1, -3), _code("10", 6, 1, 0), _code("11", 2, 0, 1)]
    s2 = struct.pack("<H", 2) + struct.pack("<H", 3) + b"".join(t1) + struct.pack("<H", 3) + b"".join(t2)
    # 5, 0, switch->2, -3, 4-bit value -6, 4-bit value 7, switch->1, 5, 0
    stream = "10 0 11 0 10" + "1010" + "10" + "0111" + "11 10 0"
    p = _write(tmp_path, _file({2: s2, 3: _s3(7, [5]), 6: _s6([_bits(stream)])}))
    rec = cardiokit.read(p)
    np.testing.assert_allclose(rec.signals[:, 0], np.array([5, 0, -3, -6, 7, 5, 0]) * 1e-3, rtol=1e-6)
    assert rec.channel_names == ("V3",)


def test_reference_beat_is_added_back(tmp_path: Path) -> None:
    n, fs_interval = 40, 2000  # 500 Hz
    ref = np.array([0, 10, 50, 200, 50, 10, 0, -5], np.int64)  # 8 samples = 16 ms, fiducial at sample 4
    residual = np.arange(n, dtype=np.int64) % 3 - 1
    qrs = [(0, 9, 12, 15), (1, 20, 23, 26), (0, 29, 32, 35)]  # type, start, fiducial, end (1-based)
    expected = residual.copy()
    for btype, sb, fcm, se in qrs:
        if btype == 0:
            for s in range(sb, se + 1):
                expected[s - 1] += ref[s - fcm + 4 - 1]
    s4 = struct.pack("<HHH", 16, 4, len(qrs)) + b"".join(struct.pack("<HIII", *q) for q in qrs)
    s4 += b"".join(struct.pack("<II", q[1], q[3]) for q in qrs)
    s5 = struct.pack("<HHBB", 1000, fs_interval, 0, 0) + struct.pack("<H", 16) + ref.astype("<i2").tobytes()
    s6 = _s6([residual.astype("<i2").tobytes()], interval=fs_interval)
    p = _write(tmp_path, _file({3: _s3(n, [1], flags=0x05), 4: s4, 5: s5, 6: s6}))
    rec = cardiokit.read(p)
    assert rec.meta["reference_beat_subtraction"] is True
    np.testing.assert_allclose(rec.signals[:, 0], expected * 1e-3, rtol=1e-6)


def test_demographics_tags(tmp_path: Path) -> None:
    def tag(t: int, v: bytes) -> bytes:
        return struct.pack("<BH", t, len(v)) + v

    device = struct.pack("<HHHBB", 1, 2, 3, 0, 0) + b"ELI2\0\0" + bytes(5) + bytes(16) + b"\x03v1\0"
    device += b"SN1\0SW\0IMPL\0Mortara\0"
    s1 = (tag(0, b"Doe\0") + tag(2, b"PID-9\0") + tag(4, struct.pack("<HB", 6, 2)) + tag(6, struct.pack("<HB", 170, 1))
          + tag(7, struct.pack("<HB", 80, 1)) + tag(8, b"\x02") + tag(14, device)
          + tag(25, struct.pack("<HBB", 2019, 12, 31)) + tag(26, bytes([23, 59, 58])) + tag(255, b""))  # fmt: skip
    blocks = [np.zeros(4, "<i2").tobytes()]
    p = _write(tmp_path, _file({1: s1, 3: _s3(4, [1]), 6: _s6(blocks)}))
    rec = cardiokit.read(p)
    assert dict(rec.meta["subject"]) == {"id": "PID-9", "age_years": 0.5, "height_cm": 170.0, "weight_kg": 80.0,
                                         "sex": "F"}  # fmt: skip
    assert rec.meta["device"] == "Mortara ELI2"
    assert rec.start == datetime(2019, 12, 31, 23, 59, 58)


def _recording(fs: float = 500.0) -> Recording:
    t = np.arange(2500) / fs
    rng = np.random.default_rng(3)
    sig = np.column_stack([np.sin(2 * np.pi * 1.1 * t) * (k + 1) * 0.4 + rng.normal(0, 0.01, t.size)
                           for k in range(12)])  # fmt: skip
    names = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
    return Recording(sig, fs, tuple(Channel(n, "ecg", "mV") for n in names), start=datetime(2022, 2, 3, 4, 5, 6),
                     meta={"subject": {"id": "S1", "sex": "M", "age_years": 71}, "device": "CartX"})  # fmt: skip


@pytest.mark.parametrize("compression", ["huffman", "none"])
def test_writer_round_trip(tmp_path: Path, compression: str) -> None:
    rec = _recording()
    out = tmp_path / "r.scp"
    cardiokit.write(rec, out, compression=compression, resolution_nv=1000)
    back = cardiokit.read(out)
    assert back.channel_names == rec.channel_names and back.fs == rec.fs and back.n_samples == rec.n_samples
    np.testing.assert_allclose(back.signals, rec.signals, atol=0.5e-3 + 1e-6)
    assert back.start == rec.start and back.meta["device"] == "CartX"
    assert dict(back.meta["subject"]) == {"id": "S1", "sex": "M", "age_years": 71.0}
    assert back.meta["compression"] == compression and back.meta["difference_order"] == 2
    raw = out.read_bytes()
    assert struct.unpack_from("<I", raw, 2)[0] == len(raw) and _crc(raw[2:]) == struct.unpack_from("<H", raw)[0]


def test_writer_default_resolution_and_limits(tmp_path: Path) -> None:
    rec = _recording()
    cardiokit.write(rec, tmp_path / "a.scp")
    back = cardiokit.read(tmp_path / "a.scp")
    step = back.meta["amplitude_nv"] * 1e-6
    assert np.abs(back.signals - rec.signals).max() <= step / 2 + 1e-6
    with pytest.raises(WriteError, match="microseconds"):
        cardiokit.write(_recording(fs=360.0 * 1.0001), tmp_path / "b.scp")
    with pytest.raises(InvalidArgumentError, match="huffman, none"):
        cardiokit.write(rec, tmp_path / "c.scp", compression="zip")
    with pytest.raises(InvalidArgumentError, match="compression, resolution_nv"):
        cardiokit.write(rec, tmp_path / "c.scp", level=3)
    with pytest.raises(WriteError, match="int16"):
        cardiokit.write(rec, tmp_path / "d.scp", resolution_nv=1)


def test_crc_errors_and_check_crc_option(tmp_path: Path) -> None:
    blocks = [np.arange(10, dtype="<i2").tobytes()]
    data = bytearray(_file({3: _s3(10, [1]), 6: _s6(blocks)}))
    data[-3] ^= 0x01  # one sample changes: file and section 6 CRCs no longer match
    p = _write(tmp_path, bytes(data))
    with pytest.raises(CorruptFileError, match="CRC"):
        cardiokit.read(p)
    rec = cardiokit.read(p, check_crc=False)
    assert rec.n_samples == 10
    with pytest.raises(InvalidArgumentError, match="check_crc"):
        cardiokit.read(p, crc=False)


def test_bimodal_and_missing_sections(tmp_path: Path) -> None:
    blocks = [np.zeros(4, "<i2").tobytes()]
    p = _write(tmp_path, _file({3: _s3(4, [1]), 6: _s6(blocks, bimodal=1)}))
    with pytest.raises(ReadError, match="bimodal"):
        cardiokit.read(p)
    p = _write(tmp_path, _file({3: _s3(4, [1])}))
    with pytest.raises(CorruptFileError, match="section 6"):
        cardiokit.read(p)
    p = _write(tmp_path, _file({6: _s6(blocks)}))
    with pytest.raises(CorruptFileError, match="section 3"):
        cardiokit.read(p)
    p = _write(tmp_path, _file({3: _s3(4, [1], flags=0x05), 6: _s6(blocks)}))
    with pytest.raises(CorruptFileError, match="section 4 or 5"):
        cardiokit.read(p)
    p = _write(tmp_path, _file({2: struct.pack("<H", 19999), 3: _s3(400, [1]), 6: _s6([b"\x00"])}))
    with pytest.raises(CorruptFileError, match="cannot hold"):
        cardiokit.read(p)


def test_sniffed_without_extension(tmp_path: Path) -> None:
    cardiokit.write(_recording(), tmp_path / "r.scp")
    p = tmp_path / "r.bin"
    (tmp_path / "r.scp").rename(p)
    assert detect_format(p).name == "scp"
    assert cardiokit.read(p).n_channels == 12


def test_truncated_and_damaged_files_raise_project_errors(tmp_path: Path) -> None:
    cardiokit.write(_recording(), tmp_path / "r.scp")
    data = (tmp_path / "r.scp").read_bytes()
    rng = np.random.default_rng(5)
    variants = [data[:n] for n in (0, 5, 21, 100, len(data) // 2, len(data) - 1)]
    for _ in range(6):
        b = bytearray(data)
        for pos in rng.integers(0, len(b), 8):
            b[pos] = int(rng.integers(0, 256))
        variants.append(bytes(b))
    for k, v in enumerate(variants):
        p = _write(tmp_path, v, f"v{k}.scp")
        for check in (True, False):
            try:
                cardiokit.read(p, format="scp", check_crc=check)
            except CardiokitError:
                pass


def test_cli_info_and_convert_on_all_four_formats(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cardiokit.cli import app
    from tests.conftest import shared_path

    muse = shared_path("ecg_formats", "muse", "SYNTHETIC_muse_from_ecg2dcm.xml")
    sierra = shared_path("ecg_formats", "sierra", "2020-5-18_15-48-11.xml")
    runner = CliRunner()
    res = runner.invoke(app, ["convert", str(muse), str(tmp_path / "m.scp")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["convert", str(sierra), str(tmp_path / "s.ecg")])
    assert res.exit_code == 0, res.output
    for path, fmt in ((muse, "muse"), (sierra, "sierra"), (tmp_path / "m.scp", "scp"), (tmp_path / "s.ecg", "ishne")):
        res = runner.invoke(app, ["info", str(path)])
        assert res.exit_code == 0, res.output
        assert fmt in res.output and "500 Hz" in res.output and "aVF" in res.output
    np.testing.assert_allclose(cardiokit.read(tmp_path / "m.scp").signals, cardiokit.read(muse).signals, atol=1e-3)
    np.testing.assert_allclose(cardiokit.read(tmp_path / "s.ecg").signals, cardiokit.read(sierra).signals, atol=1e-3)
