"""Receiving an upload: a size-limited multipart stream into a fresh temporary folder.

Client file names never become paths: each is reduced to a safe basename (letters,
digits, ``._-``), only so that the extension and WFDB record naming (``1.hea`` refers
to ``1.dat``) survive, and written inside a new ``tempfile.mkdtemp`` folder.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

__all__ = ["TooLarge", "Upload", "UploadProblem", "main_file", "safe_name", "save_upload"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_COPY_CHUNK = 1 << 20


class TooLarge(Exception):
    """The request body exceeded the upload limit."""


class UploadProblem(Exception):
    """The upload cannot be used (no file, duplicate names, several recordings...)."""


@dataclass
class Upload:
    folder: Path
    files: list[Path]
    fields: dict[str, str]
    n_bytes: int


def safe_name(name: str | None, index: int) -> str:
    """A basename safe inside our own folder: no separators, no leading dots, <= 100 chars."""
    base = PurePosixPath(str(name or "").replace("\\", "/")).name
    base = _UNSAFE.sub("_", base).lstrip("._-")
    if len(base) > 100:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 90] + dot + ext[:9]) if dot and len(ext) <= 9 else base[:100]
    return base or f"upload{index}"


async def _limited(stream: AsyncIterator[bytes], limit: int, counter: list[int]) -> AsyncIterator[bytes]:
    async for chunk in stream:
        counter[0] += len(chunk)
        if counter[0] > limit:
            raise TooLarge
        yield chunk


async def save_upload(request: Any, folder: Path, *, limit: int, max_files: int = 64) -> Upload:
    """Parse the multipart body of ``request`` (field ``file``, one or more) into ``folder``.

    Raises :class:`TooLarge` past ``limit`` bytes (declared or streamed) and
    :class:`UploadProblem` for a malformed body, no ``file`` part or clashing names.
    """
    from starlette.datastructures import UploadFile
    from starlette.formparsers import MultiPartException, MultiPartParser

    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge
    ctype = request.headers.get("content-type", "")
    if not ctype.lower().startswith("multipart/form-data"):
        raise UploadProblem("send the recording as multipart/form-data with the field 'file'")
    counter = [0]
    parser = MultiPartParser(request.headers, _limited(request.stream(), limit, counter),
                             max_files=max_files, max_fields=64, max_part_size=64 * 1024)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise UploadProblem(f"malformed multipart body: {exc.message}") from None
    files: list[Path] = []
    fields: dict[str, str] = {}
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key != "file":
                    raise UploadProblem(f"unexpected file field {key!r}; upload files in the field 'file'")
                name = safe_name(value.filename, len(files))
                dest = folder / name
                if dest.exists():
                    raise UploadProblem(f"two uploaded files are both named {name!r}")
                with open(dest, "xb") as out:
                    shutil.copyfileobj(value.file, out, _COPY_CHUNK)
                files.append(dest)
            else:
                fields[key] = str(value)
    finally:
        await form.close()
    if not files:
        raise UploadProblem("no file uploaded: send the recording in the multipart field 'file'")
    return Upload(folder, files, fields, counter[0])


_ANNOTATION_LIKE = {".ann", ".atr", ".qrs", ".ecgpuwave"}


def main_file(files: list[Path]) -> Path:
    """The file to read among the uploaded ones (``.hea`` of a WFDB record, ISHNE ``.ecg``...)."""
    heas = [f for f in files if f.suffix.lower() == ".hea"]
    if len(heas) > 1:
        raise UploadProblem("upload one recording per request (several .hea headers were sent)")
    if heas:
        return heas[0]
    if len(files) == 1:
        return files[0]
    ecg = [f for f in files if f.suffix.lower() == ".ecg"]
    if len(ecg) == 1:
        return ecg[0]
    rest = [f for f in files if f.suffix.lower() not in _ANNOTATION_LIKE]
    if len(rest) == 1:
        return rest[0]
    raise UploadProblem("several files that are not one recording: send a WFDB record (.hea + .dat ...) "
                        "or one recording file per request")
