"""Model cards: what each shipped model is, how it was trained and its file hashes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cardiokit._core.errors import AnalysisError, InvalidArgumentError

__all__ = ["MODEL_DIR", "ModelCard", "load_card", "sha256_file", "verify"]

#: Folder holding the shipped model files and cards.
MODEL_DIR = Path(__file__).resolve().parent


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class ModelCard:
    """The card of one shipped model (fields of ``<name>.json``).

    ``files`` maps each file name (relative to :data:`MODEL_DIR`) to its sha256.
    """

    name: str
    version: str
    task: str
    inputs: Mapping[str, Any]
    labels: tuple[str, ...]
    data: Mapping[str, Any]
    metrics: Mapping[str, Any]
    license: str
    files: Mapping[str, str]
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """``name@version``, the value reports carry in their ``model`` fields."""
        return f"{self.name}@{self.version}"

    def path(self, file: str) -> Path:
        if file not in self.files:
            raise InvalidArgumentError(f"model {self.name!r} has no file {file!r}; files: "
                                       + ", ".join(self.files))
        return MODEL_DIR / file

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "version": self.version, "task": self.task,
            "inputs": dict(self.inputs), "labels": list(self.labels), "data": dict(self.data),
            "metrics": dict(self.metrics), "license": self.license, "files": dict(self.files),
            **dict(self.extra),
        }


_KNOWN = ("name", "version", "task", "inputs", "labels", "data", "metrics", "license", "files")


@lru_cache(maxsize=16)
def load_card(name: str) -> ModelCard:
    """The card ``<name>.json`` shipped in :data:`MODEL_DIR`."""
    path = MODEL_DIR / f"{name}.json"
    if not path.is_file():
        known = sorted(p.stem for p in MODEL_DIR.glob("*.json"))
        raise InvalidArgumentError(f"no shipped model {name!r}; models: {', '.join(known) or 'none'}")
    raw = json.loads(path.read_text())
    missing = [k for k in _KNOWN if k not in raw]
    if missing:
        raise AnalysisError(f"model card {path.name} lacks {', '.join(missing)}")
    return ModelCard(
        name=raw["name"], version=raw["version"], task=raw["task"], inputs=raw["inputs"],
        labels=tuple(raw["labels"]), data=raw["data"], metrics=raw["metrics"],
        license=raw["license"], files=raw["files"],
        extra={k: v for k, v in raw.items() if k not in _KNOWN},
    )


def verify(card: ModelCard) -> None:
    """Raise :class:`AnalysisError` when a file's sha256 differs from the card's."""
    for file, digest in card.files.items():
        path = MODEL_DIR / file
        if not path.is_file():
            raise AnalysisError(f"model {card.name!r}: file {file} is missing from the package")
        got = sha256_file(path)
        if got != digest:
            raise AnalysisError(f"model {card.name!r}: {file} has sha256 {got}, card says {digest}")
