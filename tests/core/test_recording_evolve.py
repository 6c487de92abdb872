"""Recording._evolve (the unchecked copy stages make) and clean()'s meta: frozen at every level."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pytest

from cardiokit import Channel, Recording
from cardiokit.ecg import clean


def _rec() -> Recording:
    sig = np.random.default_rng(1).standard_normal((2000, 4)).astype(np.float32)
    return Recording(sig, 500.0, tuple(Channel(f"ch{i}", "ecg", "mV") for i in range(4)),
                     meta={"subject": {"age_years": 50}, "source": "x"})


def test_evolve_freezes_a_plain_meta_and_keeps_the_other_fields():
    rec = _rec()
    src = {"a": {"b": 1}}
    new = rec._evolve(meta=src)
    src["a"]["b"] = 2  # the caller's dict is copied
    assert new.meta["a"]["b"] == 1 and type(new.meta["a"]) is MappingProxyType
    assert new.signals is rec.signals and new.fs == rec.fs and new.channels == rec.channels
    assert dict(rec._evolve(meta=None).meta) == {}
    with pytest.raises(AttributeError):
        new.fs = 3.0  # type: ignore[misc]


def test_clean_meta_is_frozen_like_a_constructed_recording():
    rec = _rec()
    c = clean(rec)
    assert dict(c.meta["ecg_filter"]) == {"low_hz": 0.5, "high_hz": 40.0, "channels": ["ch0", "ch1", "ch2", "ch3"]}
    assert c.meta["subject"]["age_years"] == 50 and c.meta["source"] == "x"
    for m in (c.meta, c.meta["ecg_filter"], c.meta["subject"]):
        with pytest.raises(TypeError):
            m["x"] = 1  # type: ignore[index]
    assert not c.signals.flags.writeable
    built = Recording(c.signals, c.fs, c.channels, meta=c.meta)  # the same meta through the constructor
    assert {k: dict(v) if isinstance(v, MappingProxyType) else v for k, v in built.meta.items()} == \
        {k: dict(v) if isinstance(v, MappingProxyType) else v for k, v in c.meta.items()}
