"""Interpretation statements: the rules live in :mod:`cardiokit.interpret` (``rules-v10``).

This module keeps the original import path (``cardiokit.report.statements``) working;
docs/STATEMENTS.md lists every rule, code, threshold and reference.
"""

from __future__ import annotations

from ..interpret import (
    CATEGORY_ORDER,
    CONVENTIONS,
    CRITERIA,
    RULES_VERSION,
    RhythmFeatures,
    interpret,
    rhythm_from_statements,
)

__all__ = ["CATEGORY_ORDER", "CONVENTIONS", "CRITERIA", "RULES_VERSION", "RhythmFeatures", "interpret", "rhythm_from_statements"]
