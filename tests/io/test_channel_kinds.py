"""Channel kinds survive writing and reading back, also when the name does not tell them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cardiokit
from cardiokit._core.errors import WriteError
from cardiokit._core.recording import Channel, Recording
from cardiokit.io._channels import guess_kind, typed_name

KINDS = ("ecg", "ppg", "pcg", "resp", "abp")


def _rec(channels: tuple[Channel, ...], n: int = 2000) -> Recording:
    x = np.random.default_rng(3).normal(size=(n, len(channels))).astype(np.float32)
    return Recording(x, 500.0, channels)


@pytest.mark.parametrize("ext", ["edf", "bdf", "hea", "csv", "parquet"])
def test_kinds_round_trip(tmp_path, ext):
    chans = (Channel("ch1", "ppg", ""), Channel("mic", "pcg", ""), Channel("II", "ecg", "mV"),
             Channel("x", "ecg", "mV"), Channel("chest", "resp", ""), Channel("aux", "other", ""))
    back = cardiokit.read(cardiokit.write(_rec(chans), tmp_path / f"k.{ext}")[-1])
    assert [c.kind for c in back.channels] == [c.kind for c in chans]
    # names that already tell the kind are kept as they are; the others get its type word
    names = [c.name for c in back.channels]
    assert names[1:3] == ["mic", "II"] and names[5] == "aux"
    assert names[0] in ("ch1", "PPG ch1") and names[3] in ("x", "ECG x")


@settings(max_examples=60, deadline=None)
@given(name=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_ ", min_size=1, max_size=10),
       kind=st.sampled_from(KINDS))
def test_typed_name_reads_back_as_its_kind(name, kind):
    ch = Channel(name, kind, "")
    assert guess_kind(typed_name(ch)) == kind
    if guess_kind(name) == kind:
        assert typed_name(ch) == name


@pytest.mark.parametrize("ext", ["ecg", "scp"])
def test_ecg_only_formats_refuse_other_signals(tmp_path, ext):
    rec = _rec((Channel("II", "ecg", "mV"), Channel("PLETH", "ppg", "")))
    with pytest.raises(WriteError, match=r"ECG leads only; not ECG: PLETH \(ppg\)"):
        cardiokit.write(rec, tmp_path / f"k.{ext}")
    assert not (tmp_path / f"k.{ext}").exists()


def test_cli_convert_and_info_take_kind(monkeypatch, tmp_path, capsys):
    """`cardiokit convert IN OUT --kind ppg` labels an unnamed text column as PPG in the EDF."""
    from tests.cli.test_analyze import run_cli
    from tests.conftest import shared_path

    src = shared_path("ppg_bp", "0_subject", "2_1.txt")
    out = tmp_path / "p.edf"
    assert run_cli(monkeypatch, "convert", src, out, "--fs", "1000", "--kind", "ppg") == 0
    back = cardiokit.read(out)
    assert [c.kind for c in back.channels] == ["ppg"] and back.fs == 1000.0
    assert run_cli(monkeypatch, "info", src, "--fs", "1000", "--kind", "ppg") == 0
    assert " ppg " in capsys.readouterr().out
