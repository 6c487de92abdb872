"""SCP-ECG Huffman coding and difference coding (EN 1064, ISO 11073-91064, annex C).

A Huffman table is a list of code structures (prefix bits, total bits, mode, base value,
base code). The base code is stored bit-reversed: its least significant bit is the first
bit sent. Mode 1 is a value: when total bits exceed prefix bits, the remaining bits are
the value itself in two's complement; mode 0 switches to table number ``base value``.
The default table (section 2 says 19999) codes 0 as ``0``, +-1..8 as ``1..10s`` and has
8- and 16-bit escapes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "DEFAULT_TABLE",
    "HuffmanCode",
    "difference_decode",
    "difference_encode",
    "huffman_decode",
    "huffman_encode_default",
    "parse_tables",
]


@dataclass(frozen=True)
class HuffmanCode:
    prefix_bits: int
    total_bits: int
    mode: int
    base_value: int
    base_code: int  # bit-reversed, as stored in section 2

    @property
    def prefix(self) -> int:
        """The prefix in transmission order (first bit most significant)."""
        out = 0
        for k in range(self.prefix_bits):
            out = (out << 1) | ((self.base_code >> k) & 1)
        return out


def _default_table() -> list[HuffmanCode]:
    codes = [HuffmanCode(1, 1, 1, 0, 0)]
    for k in range(1, 9):
        for sign, value in ((0, k), (1, -k)):
            bits = "1" * k + "0" + str(sign)
            codes.append(HuffmanCode(k + 2, k + 2, 1, value, int(bits[::-1], 2)))
    codes.append(HuffmanCode(10, 18, 1, 0, int("1111111110"[::-1], 2)))
    codes.append(HuffmanCode(10, 26, 1, 0, int("1111111111"[::-1], 2)))
    return codes


DEFAULT_TABLE: tuple[HuffmanCode, ...] = tuple(_default_table())


def parse_tables(body: bytes) -> list[list[HuffmanCode]]:
    """Section 2 body -> Huffman tables (the default table when it says 19999)."""
    if len(body) < 2:
        raise ValueError("section 2 is too short to hold the number of tables")
    n_tables = int.from_bytes(body[:2], "little")
    if n_tables == 19999:
        return [list(DEFAULT_TABLE)]
    if n_tables == 0:
        raise ValueError("section 2 declares zero Huffman tables")
    tables, off = [], 2
    for t in range(n_tables):
        if off + 2 > len(body):
            raise ValueError(f"section 2 ends inside table {t + 1}")
        n_codes = int.from_bytes(body[off : off + 2], "little")
        off += 2
        if n_codes == 0 or off + 9 * n_codes > len(body):
            raise ValueError(f"section 2 table {t + 1}: {n_codes} code structures do not fit")
        table = []
        for _ in range(n_codes):
            pb, tb, mode = body[off], body[off + 1], body[off + 2]
            base = int.from_bytes(body[off + 3 : off + 5], "little", signed=True)
            code = int.from_bytes(body[off + 5 : off + 9], "little")
            off += 9
            if not 1 <= pb <= 32 or tb < pb or tb - pb > 32 or mode not in (0, 1):
                raise ValueError(f"section 2 table {t + 1}: invalid code structure ({pb}, {tb}, {mode})")
            table.append(HuffmanCode(pb, tb, mode, base, code))
        tables.append(table)
    return tables


def huffman_decode(data: bytes, n: int, tables: list[list[HuffmanCode]]) -> np.ndarray:
    """Decode ``n`` values from the MSB-first bit stream ``data``; raises ValueError when short."""
    lookups = [{(c.prefix_bits, c.prefix): c for c in tab} for tab in tables]
    max_prefix = [max(c.prefix_bits for c in tab) for tab in tables]
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8)).tolist()
    nbits = len(bits)
    out = np.empty(n, dtype=np.int64)
    pos, count, cur = 0, 0, 0
    switches = 0
    while count < n:
        code, length, entry = 0, 0, None
        lookup, limit = lookups[cur], max_prefix[cur]
        while length < limit:
            if pos >= nbits:
                raise ValueError(f"Huffman data end after {count} of {n} samples")
            code = (code << 1) | bits[pos]
            pos += 1
            length += 1
            entry = lookup.get((length, code))
            if entry is not None:
                break
        if entry is None:
            raise ValueError(f"invalid Huffman code at bit {pos} (sample {count + 1})")
        if entry.mode == 0:
            if not 1 <= entry.base_value <= len(tables):
                raise ValueError(f"Huffman table switch to table {entry.base_value}; {len(tables)} exist")
            cur = entry.base_value - 1
            switches += 1
            if switches > 8 * max(len(data), 1):
                raise ValueError("Huffman data only switch tables")
            continue
        extra = entry.total_bits - entry.prefix_bits
        if extra:
            if pos + extra > nbits:
                raise ValueError(f"Huffman data end inside sample {count + 1}")
            v = 0
            for b in bits[pos : pos + extra]:
                v = (v << 1) | b
            pos += extra
            if v >= 1 << (extra - 1):
                v -= 1 << extra
            out[count] = v
        else:
            out[count] = entry.base_value
        count += 1
    return out


def huffman_encode_default(values: np.ndarray) -> bytes:
    """Encode integers in [-32768, 32767] with the default table (MSB first, zero padded)."""
    parts = []
    for v in np.asarray(values, dtype=np.int64).tolist():
        if v == 0:
            parts.append("0")
        elif -8 <= v <= 8:
            parts.append("1" * abs(v) + "0" + ("0" if v > 0 else "1"))
        elif -128 <= v <= 127:
            parts.append("1111111110" + format(v & 0xFF, "08b"))
        elif -32768 <= v <= 32767:
            parts.append("1111111111" + format(v & 0xFFFF, "016b"))
        else:
            raise ValueError(f"value {v} does not fit the 16-bit escape of the default Huffman table")
    bitstr = "".join(parts)
    bits = np.frombuffer(bitstr.encode("ascii"), dtype=np.uint8) - ord("0")
    return np.packbits(bits).tobytes()


def difference_decode(d: np.ndarray, order: int) -> np.ndarray:
    """Undo first (``order=1``) or second (``order=2``) difference coding; 0 returns ``d``."""
    x = np.asarray(d, dtype=np.int64).copy()
    if order == 1:
        return np.cumsum(x)
    if order == 2:
        if x.size <= 2:
            return x
        out = x.tolist()
        for i in range(2, len(out)):
            out[i] = out[i] + 2 * out[i - 1] - out[i - 2]
        return np.asarray(out, dtype=np.int64)
    return x


def difference_encode(x: np.ndarray, order: int) -> np.ndarray:
    """First or second differences as SCP stores them (the first ``order`` values kept)."""
    x = np.asarray(x, dtype=np.int64)
    if order == 1:
        return np.concatenate([x[:1], np.diff(x)])
    if order == 2:
        if x.size <= 2:
            return x.copy()
        return np.concatenate([x[:2], x[2:] - 2 * x[1:-1] + x[:-2]])
    return x.copy()
