"""Time-point annotations (beats, wave boundaries, events) attached to a recording."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import InvalidArgumentError

__all__ = ["Annotations"]


@dataclass(frozen=True, eq=False)
class Annotations:
    """One annotation set, e.g. the reference beats of a record (WFDB ``atr``).

    Parameters
    ----------
    name
        Set name; for WFDB files the annotator extension (``atr``, ``q1c``, ``i``...).
    sample
        Sample index of each annotation (int64, ascending).
    symbol
        Label of each annotation (WFDB symbols: ``N``, ``V``, ``(``, ``)``, ``p``, ``t`` ...).
    chan
        Channel index each annotation refers to (0 where the format has none).
    aux
        Free-text note of each annotation ("" when none), e.g. rhythm labels ``(AFIB``.
    duration
        Duration in samples (0 for point events), e.g. from EDF+ annotations.
    """

    name: str
    sample: np.ndarray
    symbol: tuple[str, ...]
    chan: np.ndarray = field(default=None)  # type: ignore[assignment]
    aux: tuple[str, ...] = field(default=None)  # type: ignore[assignment]
    duration: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        sample = np.asarray(self.sample, dtype=np.int64).reshape(-1)
        n = sample.size
        symbol = tuple(str(s) for s in self.symbol)
        chan = np.zeros(n, np.int64) if self.chan is None else np.asarray(self.chan, np.int64).reshape(-1)
        aux = ("",) * n if self.aux is None else tuple("" if a is None else str(a) for a in self.aux)
        dur = np.zeros(n, np.int64) if self.duration is None else np.asarray(self.duration, np.int64).reshape(-1)
        if not (len(symbol) == chan.size == len(aux) == dur.size == n):
            raise InvalidArgumentError(
                f"annotation set {self.name!r}: sample, symbol, chan, aux and duration must have "
                f"the same length (got {n}, {len(symbol)}, {chan.size}, {len(aux)}, {dur.size})"
            )
        order = np.argsort(sample, kind="stable")
        if n and np.any(order != np.arange(n)):
            sample, chan, dur = sample[order], chan[order], dur[order]
            symbol = tuple(symbol[i] for i in order)
            aux = tuple(aux[i] for i in order)
        for arr in (sample, chan, dur):
            arr.flags.writeable = False
        object.__setattr__(self, "sample", sample)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "chan", chan)
        object.__setattr__(self, "aux", aux)
        object.__setattr__(self, "duration", dur)

    def __len__(self) -> int:
        return int(self.sample.size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Annotations):
            return NotImplemented
        return (
            self.name == other.name
            and np.array_equal(self.sample, other.sample)
            and self.symbol == other.symbol
            and np.array_equal(self.chan, other.chan)
            and self.aux == other.aux
            and np.array_equal(self.duration, other.duration)
        )

    def __hash__(self) -> int:
        return hash((self.name, len(self)))

    def take(self, index: Sequence[int] | np.ndarray) -> Annotations:
        """Subset by integer index or boolean mask."""
        idx = np.arange(len(self))[np.asarray(index)]
        return Annotations(
            self.name,
            self.sample[idx],
            tuple(self.symbol[i] for i in idx),
            self.chan[idx],
            tuple(self.aux[i] for i in idx),
            self.duration[idx],
        )

    def shift(self, offset: int) -> Annotations:
        """Return a copy with every sample index moved by ``offset``."""
        return Annotations(self.name, self.sample + offset, self.symbol, self.chan, self.aux, self.duration)

    def where(self, symbols: str | Sequence[str]) -> Annotations:
        """Annotations whose symbol is one of ``symbols``."""
        wanted = {symbols} if isinstance(symbols, str) else set(symbols)
        return self.take(np.array([s in wanted for s in self.symbol], dtype=bool))

    def counts(self) -> dict[str, int]:
        """Number of annotations per symbol."""
        out: dict[str, int] = {}
        for s in self.symbol:
            out[s] = out.get(s, 0) + 1
        return out
