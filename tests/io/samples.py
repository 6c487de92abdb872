"""Sample files for the shared reader conformance test (tests/io/test_conformance.py).

One entry per registered format: real files from ../shared/data (paths relative to it)
and/or ``synthetic`` — True when the format has a writer, so the conformance test also
writes a generated recording and reads it back. ``atol`` is the round-trip tolerance in
physical units (quantisation of the format); ``options`` are passed to ``read``.
Each format module's author adds its entry here.
"""

from __future__ import annotations

SAMPLES: dict[str, dict] = {
    "muse": {"files": ["ecg_formats/muse/SYNTHETIC_muse_from_ecg2dcm.xml"], "synthetic": False, "atol": 0.0,
             "options": {}},
    "sierra": {"files": ["ecg_formats/sierra/129DYPRG.XML", "ecg_formats/sierra/2020-5-18_15-48-11.xml"],
               "synthetic": False, "atol": 0.0, "options": {}},
    "scp": {"files": [], "synthetic": True, "atol": 1e-3, "options": {}},
    "ishne": {"files": [], "synthetic": True, "atol": 1e-3, "options": {}},
    "dicom": {"files": ["ecg_formats/dicom/test_ecg_ge_mac.dcm"], "synthetic": True, "atol": 5e-4,
              "options": {}},
    "aecg": {"files": ["ecg_formats/aecg/minimum_aecg.xml", "ecg_formats/aecg/ecg-kit_ecg_hl7.xml"],
             "synthetic": True, "atol": 5e-4, "options": {}},
    "video": {"files": ["rppg_bias_eval_roi/India/video10_rightcheek.avi"], "synthetic": False, "atol": 0.0,
              "options": {}},
    "wfdb": {"files": ["mitdb/100.hea", "ludb/data/1.hea", "cinc2017/A00005.mat", "qtdb/sel100.hea",
                       "pcg_physionet2016/training-a/a0080.hea"],
             "synthetic": True, "atol": 1e-4, "options": {}},
    "edf": {"files": ["ecg_formats/edf/cardio_sample_A00001.edf"], "synthetic": True, "atol": 1e-4,
            "options": {}},
    "text": {"files": ["ppg_bp/0_subject/2_1.txt", "bidmc_subset/bidmc_02_Signals.csv.gz"],
             "synthetic": True, "atol": 1e-6, "options": {"fs": 1000}},
    "wav": {"files": ["pcg_physionet2016/training-a/a0080.wav"], "synthetic": True, "atol": 1e-4,
            "options": {}},
    "parquet": {"files": [], "synthetic": True, "atol": 0.0, "options": {}},
    "schiller": {"files": ["ecg_formats/other_xml/schiller_at10p_sample.xml"], "synthetic": False,
                 "atol": 0.0, "options": {}},
}
