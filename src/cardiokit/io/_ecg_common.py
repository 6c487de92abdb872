"""Helpers shared by the resting-ECG and Holter format modules (MUSE, Sierra, SCP, ISHNE).

Not a format module: nothing here registers a format.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np
from defusedxml import ElementTree as SafeET

from .._core.errors import CorruptFileError, InvalidArgumentError, ReadError
from .._core.leads import STANDARD_LEADS, derive_limb_leads
from .._core.recording import Recording
from .._core.registry import FormatSpec, register_format

__all__ = [
    "LIMB_LEADS",
    "STANDARD_12",
    "check_options",
    "crc_ccitt",
    "derive_limb_leads",
    "device_text",
    "local_name",
    "number",
    "parse_xml",
    "register_xml_format",
    "sniff_xml_root",
]

#: The standard 12-lead order used by every reader here.
STANDARD_12 = STANDARD_LEADS
#: Leads that follow from I and II (Einthoven and Goldberger).
LIMB_LEADS = ("III", "aVR", "aVL", "aVF")


def device_text(device: Any) -> str:
    """``meta["device"]`` as one line of text: a string as is; the values of a mapping (DICOM,
    aECG: manufacturer, model, software, ...) joined by spaces."""
    if isinstance(device, Mapping):
        return " ".join(str(v).strip() for v in device.values() if v is not None and str(v).strip())
    return "" if device is None else str(device).strip()


def crc_ccitt(data: bytes | memoryview, init: int = 0xFFFF) -> int:
    """CRC-CCITT (polynomial 0x1021, initial value 0xFFFF, no reflection), as used by SCP-ECG and ISHNE."""
    return binascii.crc_hqx(bytes(data), init)


def check_options(options: Mapping[str, Any], accepted: Iterable[str], fmt: str) -> None:
    """Raise :class:`InvalidArgumentError` naming the accepted options when an unknown one is given."""
    accepted = tuple(accepted)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise InvalidArgumentError(
            f"{fmt} reader: unknown option(s) {', '.join(unknown)}; accepted options: "
            + (", ".join(accepted) if accepted else "none")
        )


def local_name(tag: str) -> str:
    """Tag name without its ``{namespace}``."""
    return tag.rsplit("}", 1)[-1]


def parse_xml(path: Path, root_name: str, fmt: str) -> Element:
    """Parse an XML file safely (no entity expansion, no network); check the root element name."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"cannot open file: {exc.strerror or exc}", path=path) from None
    try:
        root = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except Exception as exc:  # ParseError, defusedxml's own errors, UnicodeDecodeError
        raise CorruptFileError(f"not well-formed XML ({type(exc).__name__}: {exc})", path=path) from None
    if local_name(root.tag) != root_name:
        raise CorruptFileError(
            f"{fmt}: root element is {local_name(root.tag)!r}; expected {root_name!r}", path=path
        )
    return root


def sniff_xml_root(head: bytes, root_name: str) -> bool:
    """True when the first element of an XML document in ``head`` is ``root_name``.

    Handles UTF-8/Latin-1 and UTF-16 (with byte-order mark) documents, XML declarations,
    comments, processing instructions and DOCTYPE lines. Never raises.
    """
    try:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = head[: len(head) - (len(head) % 2)].decode("utf-16", errors="ignore")
        else:
            text = head.decode("latin-1")
        text = text.lstrip("\ufeff \t\r\n")
        pos = 0
        while True:
            start = text.find("<", pos)
            if start < 0 or start + 1 >= len(text):
                return False
            nxt = text[start + 1]
            if nxt in "?!":
                end = text.find(">", start)
                if end < 0:
                    return False
                pos = end + 1
                continue
            name = text[start + 1 :].split(None, 1)[0].split(">", 1)[0].split("/", 1)[0]
            return name.split(":")[-1] == root_name
    except Exception:
        return False


def number(text: str | None) -> float | None:
    """A finite float from element text, or None for empty / non-numeric ("Failed", "Indeterminate")."""
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def register_xml_format(name: str, description: str, root: str, read: Callable[..., Recording]) -> None:
    """Register a vendor XML ECG reader recognised by its root element ``root`` (``.xml``)."""

    def sniff(head: bytes, path: Path) -> bool:
        return sniff_xml_root(head, root)

    register_format(FormatSpec(name=name, description=description, extensions=(".xml",), read=read,
                               sniff=sniff, priority=5))
