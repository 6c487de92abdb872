"""Fuzz every reader with mutated real files and count what comes out.

Usage::

    .venv/bin/python -m bench.fuzz --n 100000            # spread over all formats
    .venv/bin/python -m bench.fuzz --n 2000 --formats edf wfdb

Each iteration copies the smallest shared sample of a format (with companion files),
applies one random mutation (truncate, flip bytes, flip header bytes, shuffle/drop
header lines, insert garbage) and calls the format's reader directly. Outcomes:
``ok`` (a valid Recording), ``project_error`` (a CardiokitError: the wanted outcome for
damage) and ``unexpected`` (any other exception: a bug). Target: 0 unexpected.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path

from tests.conftest import SHARED_DATA
from tests.io._mutate import apply_mutation, companions, copy_record, data_file, synthetic_recording
from tests.io.samples import SAMPLES

import cardiokit
from cardiokit import CardiokitError, Recording
from cardiokit._core.registry import formats


def random_mutation(rnd: random.Random) -> tuple:
    kind = rnd.choice(["truncate", "flip", "head_flip", "lines", "insert"])
    if kind == "truncate":
        return (kind, rnd.random())
    if kind == "flip":
        return (kind, [(rnd.random(), rnd.randint(1, 255)) for _ in range(rnd.randint(1, 8))])
    if kind == "head_flip":
        return (kind, [(rnd.randint(0, 511), rnd.randint(1, 255)) for _ in range(rnd.randint(1, 6))])
    if kind == "lines":
        return (kind, random.Random(rnd.random()))
    return (kind, rnd.random(), bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 64))))


def sample_file(fmt: str, scratch: Path) -> Path | None:
    """The smallest shared sample of ``fmt``; for formats without one (SCP-ECG, ISHNE,
    Parquet) a file written by cardiokit's own writer from a generated recording."""
    files = [SHARED_DATA / f for f in SAMPLES[fmt].get("files", [])]
    files = [f for f in files if f.exists()]
    if files:
        return min(files, key=lambda f: sum(c.stat().st_size for c in companions(f)))
    spec = formats()[fmt]
    if spec.write is None or not SAMPLES[fmt].get("synthetic"):
        return None
    scratch.mkdir(parents=True, exist_ok=True)
    out = scratch / f"sample{spec.extensions[0]}"
    cardiokit.write(synthetic_recording(SAMPLES[fmt]["synthetic"]), out, format=fmt)
    return out


def fuzz_format(fmt: str, n: int, seed: int, work: Path) -> tuple[Counter, dict[str, str]]:
    """Run ``n`` mutations against one format's reader; return outcome counts and examples."""
    path = sample_file(fmt, work / "original")
    if path is None:
        return Counter(skipped=n), {}
    work = work / "mutated"
    spec = formats()[fmt]
    opts = SAMPLES[fmt].get("options", {})
    rnd = random.Random(seed)
    counts: Counter = Counter()
    examples: dict[str, str] = {}
    originals = {f.name: f.read_bytes() for f in companions(path)}
    main = copy_record(path, work)
    for _ in range(n):
        m = random_mutation(rnd)
        target = path.name if m[0] in ("lines", "head_flip") else data_file(path).name
        for name, raw in originals.items():
            (work / name).write_bytes(raw)
        (work / target).write_bytes(apply_mutation(originals[target], m))
        try:
            rec = spec.read(main, **opts)
            counts["ok" if isinstance(rec, Recording) else "unexpected"] += 1
        except CardiokitError:
            counts["project_error"] += 1
        except Exception as exc:  # the point of fuzzing: find these
            key = f"{type(exc).__name__}"
            counts["unexpected"] += 1
            examples.setdefault(key, f"{m[0]}: {exc!s:.200}\n{traceback.format_exc(limit=-3)}")
    return counts, examples


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10000, help="total mutations, spread over the formats")
    ap.add_argument("--formats", nargs="*", help="formats to fuzz (default: all with samples)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    fmts = args.formats or sorted(f for f in SAMPLES if SAMPLES[f].get("files") or SAMPLES[f].get("synthetic"))
    per = max(1, args.n // max(1, len(fmts)))
    total: Counter = Counter()
    all_examples: dict[str, dict[str, str]] = defaultdict(dict)
    print(f"{'format':<10} {'runs':>8} {'ok':>8} {'project':>8} {'unexpected':>10} {'s':>7}")
    for fmt in fmts:
        work = Path(tempfile.mkdtemp(prefix=f"fuzz-{fmt}-"))
        t0 = time.perf_counter()
        try:
            counts, ex = fuzz_format(fmt, per, args.seed, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        total.update(counts)
        all_examples[fmt] = ex
        print(
            f"{fmt:<10} {per:>8} {counts['ok']:>8} {counts['project_error']:>8} "
            f"{counts['unexpected']:>10} {time.perf_counter() - t0:>7.1f}",
            flush=True,
        )
    print(f"{'total':<10} {sum(total.values()):>8} {total['ok']:>8} {total['project_error']:>8} {total['unexpected']:>10}")
    for fmt, ex in all_examples.items():
        for key, text in ex.items():
            print(f"\n--- {fmt}: {key}\n{text}")
    return 1 if total["unexpected"] else 0


if __name__ == "__main__":
    sys.exit(main())
