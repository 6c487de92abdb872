"""Shipped models: ONNX runtime sessions, tree heads and model cards.

The only place cardiokit touches ``onnxruntime``. Weights live next to this file
(``*.onnx``, ``*.npz``, ``*.json``) and are never downloaded at run time; every model
has a card (``<name>.json``, rendered in ``<name>.md``) with its task, inputs, labels,
training data and split, held-out metrics, licence and the sha256 of its files.
"""

from .cards import MODEL_DIR, ModelCard, load_card, sha256_file, verify
from .runtime import onnx_session, run_onnx
from .trees import TreeEnsemble

__all__ = [
    "MODEL_DIR",
    "ModelCard",
    "TreeEnsemble",
    "load_card",
    "onnx_session",
    "run_onnx",
    "sha256_file",
    "verify",
]
