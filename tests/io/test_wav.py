"""WAV reader/writer on PhysioNet/CinC 2016 heart sounds, synthetic encodings and broken files."""

from __future__ import annotations

import struct
import wave

import numpy as np
import pytest
import scipy.io.wavfile

import cardiokit
from cardiokit import Channel, Recording
from cardiokit.io import detect_format
from tests.conftest import shared_path


def test_physionet2016_pcg_equals_scipy():
    p = shared_path("pcg_physionet2016", "training-a", "a0080.wav")
    assert detect_format(p).name == "wav"
    rec = cardiokit.read(p)
    fs, x = scipy.io.wavfile.read(p)
    assert rec.fs == fs == 2000 and rec.n_samples == x.size == 61998
    assert rec.channels == (Channel("PCG", "pcg", ""),)
    np.testing.assert_array_equal(rec.signals[:, 0], (x / 32768).astype(np.float32))
    assert rec.meta["comments"] == ("Normal",)  # from a0080.hea beside it
    assert rec.meta["format"] == "wav" and rec.meta["wav_encoding"] == "pcm16"


def test_training_b_abnormal_label():
    p = shared_path("pcg_physionet2016", "training-b", "b0033.wav")
    rec = cardiokit.read(p)
    assert rec.fs == 2000 and rec.meta["comments"] == ("Abnormal",)
    assert 0.01 < float(np.abs(rec.signals).max()) <= 1.0


@pytest.mark.parametrize(("width", "dtype", "full"), [(1, np.uint8, 128), (2, "<i2", 32768), (3, None, 2**23)])
def test_pcm_widths_with_stdlib_wave(tmp_path, width, dtype, full):
    ints = np.array([[-full // 2, 0], [full // 4, full - 1], [-full, 7]], dtype=np.int64)
    with wave.open(str(tmp_path / "w.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(width)
        w.setframerate(4000)
        if width == 1:
            w.writeframes((ints + 128).astype(np.uint8).tobytes())
        elif width == 2:
            w.writeframes(ints.astype(dtype).tobytes())
        else:
            u = (ints & 0xFFFFFF).astype(np.uint32)
            w.writeframes(np.stack([u & 255, (u >> 8) & 255, u >> 16], -1).astype(np.uint8).tobytes())
    rec = cardiokit.read(tmp_path / "w.wav")
    assert rec.fs == 4000 and rec.channel_names == ("ch1", "ch2")
    np.testing.assert_allclose(rec.signals, ints / full, atol=1e-7)


def test_float_wav(tmp_path):
    x = np.linspace(-2, 2, 50, dtype=np.float32)
    scipy.io.wavfile.write(tmp_path / "f.wav", 1000, x)
    rec = cardiokit.read(tmp_path / "f.wav")
    np.testing.assert_array_equal(rec.signals[:, 0], x)
    assert rec.meta["wav_encoding"] == "float32"


@pytest.mark.filterwarnings("ignore::scipy.io.wavfile.WavFileWarning")  # our extra ckit chunk
def test_round_trip_keeps_physical_values(tmp_path):
    src = cardiokit.read(shared_path("mitdb", "100.hea"), annotations=False).crop(0, 10)
    cardiokit.write(src, tmp_path / "m.wav")
    fs, raw = scipy.io.wavfile.read(tmp_path / "m.wav")  # other programs read plain 16-bit PCM
    assert fs == 360 and raw.dtype == np.int16 and raw.shape == (3600, 2)
    back = cardiokit.read(tmp_path / "m.wav")
    assert back.channels == src.channels and back.fs == 360
    peak = np.abs(src.signals).max(axis=0)
    assert np.all(np.abs(back.signals - src.signals).max(axis=0) <= peak / 65534 + 1e-7)
    pcg = cardiokit.read(shared_path("pcg_physionet2016", "training-a", "a0080.wav"))
    cardiokit.write(pcg, tmp_path / "p.wav")
    again = cardiokit.read(tmp_path / "p.wav")
    np.testing.assert_allclose(again.signals, pcg.signals, atol=float(np.abs(pcg.signals).max()) / 65534)
    assert again.meta["comments"] == ("Normal",)


def test_fractional_fs_round_trip(tmp_path):
    rec = Recording(np.sin(np.arange(300) / 5.0)[:, None], 99.5, (Channel("PCG", "pcg", ""),))
    cardiokit.write(rec, tmp_path / "r.wav")
    back = cardiokit.read(tmp_path / "r.wav")
    assert back.fs == 99.5


def test_truncated_data_chunk(tmp_path):
    data = shared_path("pcg_physionet2016", "training-a", "a0080.wav").read_bytes()
    (tmp_path / "t.wav").write_bytes(data[:5000])
    with pytest.raises(cardiokit.CorruptFileError, match="chunk 'data' declares 123996 bytes but only 4956"):
        cardiokit.read(tmp_path / "t.wav")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a RIFF/WAVE file"),
        (b"RIFX\0\0\0\0WAVE", "big-endian"),
        (b"RIFF\x04\0\0\0WAVEjunk", "not a RIFF/WAVE file|no 'fmt' chunk"),
        (b"RIFF\x10\0\0\0WAVE" + b"data\0\0\0\0", "no 'fmt' chunk"),
    ],
)
def test_bad_headers(tmp_path, content, message):
    (tmp_path / "b.wav").write_bytes(content)
    with pytest.raises(cardiokit.CorruptFileError, match=message):
        cardiokit.read(tmp_path / "b.wav", format="wav")


def test_inconsistent_fmt(tmp_path):
    fmt = struct.pack("<HHIIHH", 1, 2, 8000, 32000, 3, 16)  # block align should be 4
    body = b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 8) + b"\0" * 8
    (tmp_path / "i.wav").write_bytes(b"RIFF" + struct.pack("<I", len(body) + 4) + b"WAVE" + body)
    with pytest.raises(cardiokit.CorruptFileError, match="inconsistent fmt chunk"):
        cardiokit.read(tmp_path / "i.wav")
