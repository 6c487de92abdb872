"""Second- and third-degree AV block statements: sensitivity on simulated blocks, false
statements on real records without AV block.

Usage: ``.venv/bin/python -m bench.bench_av_block [--no-write]``

No shared database holds a non-paced second- or third-degree AV block (LUDB's five
third-degree blocks are paced; MIT-BIH 231, the 2:1 block, is reserved), so:

* sensitivity: ``cardiokit.sim.simulate_ecg(av_block=...)`` 10-s 12-lead ECGs (2:1,
  Mobitz I and II with 4:3 conduction, complete block with a regular escape rhythm) at
  several ventricular rates, 4 seeds, clean and with electrode noise at 20 and 12 dB, and
  sinus rhythm at the same rates (must stay free of AV-block statements), through
  ``cardiokit.analyze``;
* specificity: every statement ``cardiokit.analyze`` makes on all 200 LUDB records (12
  leads, 10 s), on 10-s windows every 30 s of the shared MIT-BIH records (2 leads, rich in
  ectopic beats: their compensatory pauses hold non-conducted sinus P waves) and on the 600
  shared CinC 2017 records (single lead, 300 Hz; AV block would be in the "other" class).
"""

from __future__ import annotations

import argparse
import collections
import csv
import logging
import re
import time
import warnings

import cardiokit
from cardiokit.sim.ecg import simulate_ecg

from ._common import data_path, markdown_table, record_names, today, versions, write_section

AV_KEYS = {"second_degree_av_block": "second-degree", "mobitz_type_i_av_block": "Mobitz I",
           "mobitz_type_ii_av_block": "Mobitz II", "complete_heart_block": "complete"}
#: simulated kind -> (ventricular rates, the statements that name it)
SIMULATED = {
    "2:1": ((35, 45, 55), {"second_degree_av_block"}),
    "mobitz1": ((45, 55, 65), {"mobitz_type_i_av_block", "second_degree_av_block"}),
    "mobitz2": ((45, 55, 65), {"mobitz_type_ii_av_block", "second_degree_av_block"}),
    "complete": ((35, 45, 55), {"complete_heart_block"}),
    "sinus": ((45, 60, 90), set()),
}
EXACT = {"2:1": "second_degree_av_block", "mobitz1": "mobitz_type_i_av_block",
         "mobitz2": "mobitz_type_ii_av_block", "complete": "complete_heart_block"}


def _av(rep: cardiokit.Report) -> list[str]:
    return [s.key for s in rep.statements if s.key in AV_KEYS]


def simulated(leads: str = "12") -> str:
    rows = []
    for kind, (rates, accept) in SIMULATED.items():
        n = hit = exact = 0
        rhythm = collections.Counter()
        for hr in rates:
            for seed in range(4):
                for snr in (None, 20.0, 12.0):
                    rec = simulate_ecg(av_block=None if kind == "sinus" else kind, heart_rate_bpm=hr, seed=seed,
                                       noise_snr_db=snr, leads=leads)
                    rep = cardiokit.analyze(rec)
                    got = _av(rep)
                    n += 1
                    hit += bool(got) and set(got) <= accept if accept else not got
                    exact += kind != "sinus" and got == [EXACT[kind]]
                    rhythm[next((s.key for s in rep.statements if s.category == "rhythm"), "-")] += 1
        rows.append((kind, ", ".join(map(str, rates)), n, f"{hit}/{n}", "-" if kind == "sinus" else f"{exact}/{n}",
                     ", ".join(f"{k} {v}" for k, v in rhythm.most_common(3))))
    return markdown_table(("simulated", "ventricular rates (bpm)", "records",
                           "AV block statement right (sinus: none)", "exact type", "rhythm statements"), rows)


def real() -> tuple[str, list[str], list[str]]:
    """Specificity table, the records with an AV-block statement, and what LUDB's own AV
    blocks (third degree, paced) read."""
    rows, hits, ludb_avb = [], [], []
    n = 0
    found = []
    conduction = {r["ID"]: r["Conduction abnormalities"] for r in csv.DictReader(open(data_path("ludb", "ludb.csv")))}
    for rid in range(1, 201):
        rep = cardiokit.analyze(cardiokit.read(data_path("ludb", "data", f"{rid}.hea")))
        if re.search(r"\bIii? degree", conduction[str(rid)]):  # LUDB's second- or third-degree AV block
            keys = [s.key for s in rep.statements if s.key in AV_KEYS or s.category in ("rhythm", "pacing")]
            ludb_avb.append(f"{rid} ({', '.join(keys) or 'none'})")
            continue
        n += 1
        if _av(rep):
            found.append(f"LUDB {rid}: {', '.join(_av(rep))}")
    rows.append(("LUDB (12 leads, 10 s; without its AV blocks of degree II-III)", n, len(found)))
    hits += found
    n, found, n_whole, found_whole = 0, [], 0, []
    for name in record_names("mitdb"):
        rec = cardiokit.read(data_path("mitdb", f"{name}.hea"))
        for t0 in range(0, int(rec.duration_s) - 10, 30):  # 10-s strips, judged whole
            rep = cardiokit.analyze(rec.crop(t0, t0 + 10))
            n += 1
            if _av(rep):
                found.append(f"MIT-BIH {name} {t0}-{t0 + 10} s: {', '.join(_av(rep))}")
        n_whole += int(rec.duration_s // 10)  # the whole record, judged in consecutive 10-s windows
        for s in cardiokit.analyze(rec).statements:
            if s.key in AV_KEYS:
                found_whole += [f"MIT-BIH {name} (whole record) {e['start_s']:g}-{e['stop_s']:g} s: {e['av_block']}"
                                for e in s.evidence.get("episodes") or ()]
    rows.append(("MIT-BIH shared records, 10-s windows every 30 s (2 leads)", n, len(found)))
    rows.append(("MIT-BIH shared records whole (30 min, judged in 10-s windows)", n_whole, len(found_whole)))
    hits += found + found_whole
    labels = {r[0]: r[1] for r in csv.reader(open(data_path("cinc2017", "REFERENCE-v3.csv"))) if len(r) >= 2}
    n, found = 0, []
    for name in record_names("cinc2017"):
        rep = cardiokit.analyze(cardiokit.read(data_path("cinc2017", f"{name}.hea")))
        n += 1
        if _av(rep):
            found.append(f"CinC 2017 {name} (label {labels.get(name, '?')}): {', '.join(_av(rep))}")
    rows.append(("CinC 2017 shared records (1 lead, 9-60 s)", n, len(found)))
    hits += found
    return markdown_table(("records without AV block", "records (windows)", "with an AV-block statement"), rows), \
        hits, ludb_avb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/BENCHMARKS.md alone")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    sim = simulated()
    sim1 = simulated("1")
    table, hits, ludb_avb = real()
    v = versions(["numpy", "scipy", "onnxruntime"])
    body = (
        f"Command: `.venv/bin/python -m bench.bench_av_block` ({today()}, {time.perf_counter() - t0:.0f} s; "
        + ", ".join(f"{k} {x}" for k, x in v.items()) + ").\n\n"
        "Every P wave is searched by multi-lead template matching (`cardiokit.ecg.atrial`); second- and "
        "third-degree AV block are stated from blocked P waves (docs/STATEMENTS.md). No shared database has a "
        "non-paced second- or third-degree AV block (LUDB's five third-degree blocks are paced, MIT-BIH 231 is "
        "reserved), so sensitivity is measured on simulated ECGs (`simulate_ecg(av_block=...)`, 10 s, 12 leads, "
        "4 seeds, clean and with electrode noise at 20 and 12 dB) and specificity on real records without AV "
        "block. Before 2026-11-25 no second- or third-degree AV block was ever stated (the second-degree rule "
        "read a value nothing computed).\n\n"
        + sim + "\n\nThe same, lead II alone (a single-lead or Holter recording):\n\n" + sim1 + "\n\n" + table + "\n\n"
        + ("Records with an AV-block statement: " + "; ".join(hits) + "." if hits else
           "No AV-block statement on any of these records.")
        + " LUDB's own third-degree AV blocks are paced (pacing statements, no AV-block statement expected "
        "under pacing): " + "; ".join(ludb_avb) + "."
        + "\n\nRecords longer than 62 s (Holter chunks, whole MIT-BIH records) are judged in consecutive 10-s "
        "windows (`evidence.episodes`; the Holter summary's `av_block_episodes`); there no AV block is stated "
        "when the rhythm model gives the record atrial fibrillation a probability >= 0.5 (in 10-s windows of "
        "CinC 2017 strips, f waves of an AF record lined up like blocked P waves). In a strip the regular P "
        "waves outweigh the model, which reads Wenckebach's group beating in lead II alone as AF."
        + "\n\nThe search runs only when a block can show (ventricular rate < 60/min, a pause of >= 1.5 "
        "median RR, or a regular rhythm with P waves before < 80 % of the QRS complexes): a 2:1 block at "
        "an atrial rate of 120/min or more is not looked for. P waves inside a T wave are not looked for "
        "either while the delineation finds P waves before the QRS complexes (a T wave at half the RR "
        "interval would pass for the blocked P wave of a 2:1 block): the simulated 2:1 blocks at 55/min "
        "(atrial 110/min), whose blocked P wave falls on the T wave, read as sinus bradycardia. Tried "
        "(2026-11-25, not shipped): testing the one spot a 2:1 block puts it, midway between two conducted "
        "P waves, with the P template's multi-lead correlation after a quadratic detrend (which takes most "
        "of the T wave's curvature): median over the beats 0.76-0.89 in the simulated 2:1 blocks at 55/min, "
        "but up to 0.71 in LUDB's 70 sinus records below 62/min (59: 0.71; 133: 0.67; 107: 0.66), a margin "
        "too thin to state an AV block on without real 2:1 recordings to check it on."
    )
    print(body)
    if not args.no_write:
        write_section("AV block (second and third degree)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
