"""``design_sos`` remembers its valid designs by argument: the same arrays again, and invalid
arguments that compare equal to cached valid ones still raise."""

from __future__ import annotations

import numpy as np
import pytest

from cardiokit._core.errors import InvalidArgumentError
from cardiokit.dsp.filters import design_sos


def test_repeated_designs_are_the_same_and_invalid_ones_still_raise() -> None:
    a = design_sos(fs_hz=500.0, low_hz=0.5, high_hz=40.0, order=2, notch_hz=(50.0,))
    b = design_sos(fs_hz=500, low_hz=0.5, high_hz=40, order=2, notch_hz=(50,))
    assert b is a and not a.flags.writeable
    c = design_sos(fs_hz=500.0, low_hz=0.5, high_hz=40.0, order=2, notch_hz=[50.0])  # a list: not cached
    assert np.array_equal(c, a)
    with pytest.raises(InvalidArgumentError):
        design_sos(fs_hz=500.0, low_hz=0.5, high_hz=40.0, order=2.0, notch_hz=(50.0,))  # == 2, not an int
    with pytest.raises(InvalidArgumentError):
        design_sos(fs_hz=500.0, low_hz=300.0, high_hz=40.0)
    assert design_sos(fs_hz=500.0, low_hz=0.5, order=True).shape == design_sos(fs_hz=500.0, low_hz=0.5, order=1).shape
