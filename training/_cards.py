"""Render a model card JSON (src/cardiokit/models/<name>.json) as markdown (<name>.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _fmt(v: Any, indent: int = 0) -> list[str]:
    pad = "  " * indent
    if isinstance(v, dict):
        out = []
        for k, x in v.items():
            if isinstance(x, (dict, list)):
                out.append(f"{pad}- **{k}**:")
                out += _fmt(x, indent + 1)
            else:
                out.append(f"{pad}- **{k}**: {x}")
        return out
    if isinstance(v, list):
        return [f"{pad}- {x}" for x in v]
    return [f"{pad}{v}"]


def write_card_md(json_path: Path) -> Path:
    card = json.loads(json_path.read_text())
    lines = [f"# Model card: {card['name']} {card['version']}", "", card["task"], ""]
    for key in ("inputs", "labels", "data", "architecture", "metrics", "license", "files"):
        if key in card and card[key] is not None:
            lines += [f"## {key.capitalize()}", "", *_fmt(card[key]), ""]
    rest = {k: v for k, v in card.items() if k not in
            ("name", "version", "task", "inputs", "labels", "data", "architecture", "metrics",
             "license", "files")}
    lines += ["## Other fields", "", *_fmt(rest), ""]
    out = json_path.with_suffix(".md")
    out.write_text("\n".join(lines))
    return out
