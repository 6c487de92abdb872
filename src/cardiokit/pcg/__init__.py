"""Heart sounds (phonocardiogram, PCG): cleaning, envelopes, segmentation, heart rate and
the normal/abnormal classifier.

Imports :mod:`cardiokit._core`, :mod:`cardiokit.dsp` and :mod:`cardiokit.models` only.
"""

from .classify import PCG_LABELS, PCGAnalysis, PCGClassification, analyze_pcg, classify_pcg
from .clean import PCG_FS_HZ, bandpass_pcg, clean_pcg, pcg_channel, remove_spikes, to_pcg_rate
from .envelopes import (
    ENVELOPE_NAMES,
    Envelopes,
    envelope_features,
    hilbert_envelope,
    homomorphic_envelope,
    psd_envelope,
    wavelet_envelope,
)
from .segment import (
    STATES,
    HeartRateEstimate,
    HeartSoundSegmentation,
    Segment,
    estimate_heart_rate,
    segment_heart_sounds,
)

__all__ = [
    "ENVELOPE_NAMES",
    "PCG_FS_HZ",
    "PCG_LABELS",
    "STATES",
    "Envelopes",
    "HeartRateEstimate",
    "HeartSoundSegmentation",
    "PCGAnalysis",
    "PCGClassification",
    "Segment",
    "analyze_pcg",
    "bandpass_pcg",
    "classify_pcg",
    "clean_pcg",
    "envelope_features",
    "estimate_heart_rate",
    "hilbert_envelope",
    "homomorphic_envelope",
    "pcg_channel",
    "psd_envelope",
    "remove_spikes",
    "segment_heart_sounds",
    "to_pcg_rate",
    "wavelet_envelope",
]
