"""The JSON Schema of the analysis document (``analysis.schema.json``, shipped in the package).

``load_schema()`` returns it as a dict; ``validate(doc)`` checks one document (a dict from
:meth:`Report.to_dict`, or a line of ``cardiokit analyze --json``) and raises
:class:`~cardiokit.InvalidArgumentError` listing every violation. Validation needs the
``jsonschema`` package (``pip install 'cardiokit[test]'``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from .._core.errors import InvalidArgumentError, MissingDependencyError

__all__ = ["SCHEMA_FILE", "load_schema", "validate"]

SCHEMA_FILE = "analysis.schema.json"


@lru_cache(maxsize=1)
def _schema_text() -> str:
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def load_schema() -> dict[str, Any]:
    """The analysis JSON Schema (draft 2020-12) as a new dict."""
    return json.loads(_schema_text())


def validate(doc: dict[str, Any] | str) -> None:
    """Raise :class:`InvalidArgumentError` when ``doc`` does not follow the schema."""
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema is in the test extra
        raise MissingDependencyError("jsonschema", "validating analysis JSON", "test") from None
    if isinstance(doc, str):
        doc = json.loads(doc)
    validator = jsonschema.Draft202012Validator(load_schema())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}" for e in errors[:20]]
        raise InvalidArgumentError("analysis JSON does not follow the schema:\n" + "\n".join(lines))
