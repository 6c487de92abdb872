"""The FastAPI application: ``create_app()``.

Routes (all ``/v1`` routes need ``Authorization: Bearer <key>``):

* ``POST /v1/analyses``: multipart, field ``file`` (one or more files of one recording,
  e.g. ``.hea`` + ``.dat``), optional fields ``age_years``, ``sex``, ``height_cm``,
  ``weight_kg``, ``subject_id``, ``fs``, ``kind``; returns the analysis JSON (the schema
  of ``cardiokit analyze --json``) plus ``id`` (the content sha256).
* ``GET /v1/analyses/{id}`` (+ ``/report.html``, ``/report.pdf``, ``/fhir``, ``/signal``).
* ``GET /`` the web viewer, ``GET /healthz``, ``GET /openapi.json``.
"""

from __future__ import annotations

import hmac
import logging
import shutil
import tempfile
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from .. import __version__
from .._core.errors import CardiokitError, InvalidArgumentError
from .data import DataDir
from .settings import Settings
from .uploads import TooLarge, UploadProblem, main_file, save_upload

__all__ = ["create_app"]

_log = logging.getLogger("cardiokit.service")

_ID = Annotated[str, PathParam(pattern="^[0-9a-f]{64}$", description="Analysis id: the content sha256.")]
_SUBJECT_FORM = {"age_years": "age_years", "sex": "sex", "height_cm": "height_cm", "weight_kg": "weight_kg",
                 "subject_id": "id"}
_KINDS = ("ecg", "ppg", "pcg", "video")

_UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object",
            "required": ["file"],
            "additionalProperties": False,
            "properties": {
                "file": {"type": "array", "items": {"type": "string", "format": "binary"}, "minItems": 1,
                         "description": "The file(s) of one recording, e.g. 1.hea and 1.dat."},
                "age_years": {"type": "number", "minimum": 0, "maximum": 130},
                "sex": {"type": "string", "enum": ["M", "F"]},
                "height_cm": {"type": "number", "minimum": 30, "maximum": 272},
                "weight_kg": {"type": "number", "minimum": 0.3, "maximum": 650},
                "subject_id": {"type": "string", "maxLength": 128},
                "fs": {"type": "number", "exclusiveMinimum": 0,
                       "description": "Sampling rate (Hz) for files that do not store one."},
                "kind": {"type": "string", "enum": list(_KINDS)},
            },
        }}},
    },
}

class ErrorDetail(BaseModel):
    """An error: what was wrong and what is accepted."""

    detail: str


_ERR: dict[str, Any] = {"model": ErrorDetail, "description": "Error with a 'detail' message"}


_bearer = HTTPBearer(auto_error=False, description="An API key from CARDIOKIT_API_KEYS")


def require_key(request: Request,
                cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    """401 unless ``Authorization: Bearer <key>`` names a configured key (constant-time compare)."""
    given = cred.credentials.encode() if cred is not None else b""
    ok = False
    for k in request.app.state.api_keys:  # compare with every key; each compare is constant-time
        ok |= hmac.compare_digest(given, k)
    if cred is None or not ok:
        raise HTTPException(401, "missing or invalid API key (Authorization: Bearer <key>)",
                            headers={"WWW-Authenticate": "Bearer"})


def _problem(status: int, detail: str) -> HTTPException:
    return HTTPException(status_code=status, detail=detail)


def create_app(*, data_dir: str | Path | None = None, api_keys: str | tuple[str, ...] | None = None,
               max_upload_bytes: int | None = None, long_s: float | None = None) -> FastAPI:
    """The service app. Settings default to the environment (see :mod:`cardiokit.service.settings`)."""
    settings = Settings.from_env(data_dir=data_dir, api_keys=api_keys, max_upload_bytes=max_upload_bytes,
                                 long_s=long_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
        yield
        app.state.data.close()

    app = FastAPI(title="cardiokit", version=__version__, lifespan=lifespan,
                  description="Cardiac recordings in, validated measurements, findings and reports out.")
    app.state.settings = settings
    app.state.data = DataDir(settings.data_dir)
    app.state.api_keys = tuple(k.encode() for k in settings.api_keys)
    auth = [Depends(require_key)]
    data: DataDir = app.state.data
    responses: dict[int | str, dict[str, Any]] = {401: _ERR, 404: _ERR}

    def stored(rid: str) -> dict[str, Any]:
        doc = data.store.get(rid)
        if doc is None:
            raise _problem(404, "no analysis with this id")
        return {"id": rid, **doc}

    links = {name: {"operationId": op, "parameters": {"analysis_id": "$response.body#/id"}}
             for name, op in (("GetAnalysis", "get_analysis"), ("GetReportHtml", "get_report_html"),
                              ("GetReportPdf", "get_report_pdf"), ("GetFhir", "get_fhir"),
                              ("GetSignal", "get_signal"))}

    @app.post("/v1/analyses", dependencies=auth, openapi_extra=_UPLOAD_SCHEMA, tags=["analyses"],
              status_code=201, operation_id="create_analysis",
              responses={201: {"description": "The analysis JSON with its id", "links": links},
                         400: _ERR, 401: _ERR, 413: _ERR, 422: _ERR})
    async def create_analysis(request: Request) -> JSONResponse:
        """Upload one recording (field ``file``, repeat it for multi-file records) and analyse it."""
        folder = Path(tempfile.mkdtemp(prefix="cardiokit-upload-"))
        try:
            try:
                up = await save_upload(request, folder, limit=settings.max_upload_bytes)
                main = main_file(up.files)
            except TooLarge:
                raise _problem(413, f"upload larger than the limit of {settings.max_upload_bytes} bytes") from None
            except UploadProblem as exc:
                raise _problem(400, str(exc)) from None
            subject, fs, kind = _options(up.fields)
            doc = await run_in_threadpool(_analyze_upload, data, main, folder, subject, fs, kind,
                                          settings.long_s)
            _log.info("analysis %s stored (%d files, %d bytes)", doc["id"][:12], len(up.files), up.n_bytes)
            return JSONResponse(doc, status_code=201)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    @app.get("/v1/analyses/{analysis_id}", dependencies=auth, tags=["analyses"], responses=responses,
             operation_id="get_analysis")
    def get_analysis(analysis_id: _ID) -> dict[str, Any]:
        """The stored analysis JSON (with ``id``)."""
        return stored(analysis_id)

    def _render(analysis_id: str, ext: str) -> Path:
        doc = stored(analysis_id)
        path = data.rendered(analysis_id, doc, ext)
        if path is None:
            raise _problem(404, "no signals kept for this analysis (stored by a batch run?): no report")
        return path

    @app.get("/v1/analyses/{analysis_id}/report.html", dependencies=auth, tags=["reports"],
             operation_id="get_report_html", response_model=None,
             responses={**responses, 200: {"content": {"text/html": {"schema": {"type": "string"}}}}})
    def report_html(analysis_id: _ID) -> FileResponse:
        """The self-contained HTML report."""
        return FileResponse(_render(analysis_id, "html"), media_type="text/html; charset=utf-8")

    @app.get("/v1/analyses/{analysis_id}/report.pdf", dependencies=auth, tags=["reports"],
             operation_id="get_report_pdf", response_model=None,
             responses={**responses, 200: {"content": {"application/pdf": {"schema": {"type": "string",
                                                                                      "format": "binary"}}}}})
    def report_pdf(analysis_id: _ID) -> FileResponse:
        """The PDF report (A4 landscape, ECG paper)."""
        return FileResponse(_render(analysis_id, "pdf"), media_type="application/pdf",
                            filename=f"{analysis_id[:16]}.pdf")

    @app.get("/v1/analyses/{analysis_id}/fhir", dependencies=auth, tags=["reports"], operation_id="get_fhir",
             response_model=None,
             responses={**responses, 200: {"content": {"application/fhir+json": {"schema": {"type": "object"}}}}})
    def report_fhir(analysis_id: _ID) -> Response:
        """A FHIR R4 Bundle (DiagnosticReport + Observations)."""
        from ..report.fhir import to_fhir

        doc = stored(analysis_id)
        doc.pop("id")
        bundle = to_fhir(_StoredDoc(doc))  # type: ignore[arg-type]
        return JSONResponse(bundle, media_type="application/fhir+json")

    @app.get("/v1/analyses/{analysis_id}/signal", dependencies=auth, tags=["viewer"], operation_id="get_signal",
             responses={**responses, 400: _ERR})
    def signal(
        analysis_id: _ID,
        start_s: Annotated[float, Query(ge=0, le=1e7, description="Window start (s).")] = 0.0,
        stop_s: Annotated[float | None, Query(gt=0, le=1e7, description="Window end (s); default: the end.")] = None,
        max_points: Annotated[int, Query(ge=100, le=100_000, description="Points per channel at most.")] = 20_000,
    ) -> dict[str, Any]:
        """The signals of a window (min/max decimated), beats and wave boundaries, for the viewer."""
        stored(analysis_id)
        if stop_s is not None and stop_s <= start_s:
            raise _problem(400, "stop_s must be greater than start_s")
        out = data.signal(analysis_id, start_s=start_s, stop_s=stop_s, max_points=max_points)
        if out is None:
            raise _problem(404, "no signals kept for this analysis")
        return out

    @app.get("/healthz", tags=["service"], operation_id="healthz")
    def healthz() -> dict[str, str]:
        """Liveness check (no authentication)."""
        return {"status": "ok", "version": __version__}

    static = resources.files("cardiokit.service") / "static"

    @app.get("/", include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse((static / "index.html").read_text(encoding="utf-8"))

    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    return app


class _StoredDoc:
    """A stored JSON document where a Report is expected (FHIR export reads ``to_dict``)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self._doc = doc
        self.source = doc.get("source")
        self.sha256 = doc.get("sha256")

    def to_dict(self) -> dict[str, Any]:
        return self._doc


def _options(fields: dict[str, str]) -> tuple[dict[str, Any], float | None, str | None]:
    from ..pipeline import validate_subject

    unknown = set(fields) - set(_SUBJECT_FORM) - {"fs", "kind"}
    if unknown:
        raise _problem(400, f"unknown form field(s) {', '.join(sorted(unknown))}; accepted: file, "
                            + ", ".join([*_SUBJECT_FORM, "fs", "kind"]))
    raw = {_SUBJECT_FORM[k]: v for k, v in fields.items() if k in _SUBJECT_FORM and v.strip() != ""}
    try:
        subject = validate_subject(raw)
    except InvalidArgumentError as exc:
        raise _problem(400, str(exc)) from None
    fs = None
    if fields.get("fs", "").strip():
        try:
            fs = float(fields["fs"])
        except ValueError:
            raise _problem(400, f"fs must be a number in Hz; got {fields['fs']!r}") from None
        if not (0 < fs < 1e6):
            raise _problem(400, f"fs must be a number in Hz > 0; got {fields['fs']!r}")
    kind = fields.get("kind", "").strip() or None
    if kind is not None and kind not in _KINDS:
        raise _problem(400, f"kind must be one of {', '.join(_KINDS)}; got {kind!r}")
    return subject, fs, kind


def _analyze_upload(data: DataDir, main: Path, folder: Path, subject: dict[str, Any], fs: float | None,
                    kind: str | None, long_s: float = 3600.0) -> dict[str, Any]:
    """Read, analyse, store; keeps the signals for the viewer. Runs in a worker thread."""
    from ..batch.long import analyze_if_long
    from ..io import read
    from ..pipeline import analyze, content_sha256

    rid = content_sha256(main)
    try:  # a Holter-length upload (CARDIOKIT_LONG_S): analysed in chunks, no signals kept
        holter = analyze_if_long(main, long_s=long_s, fs=fs, kind=kind, sha256=rid, subject=subject,
                                 source=main.name)
    except (CardiokitError, OSError) as exc:
        msg = str(exc).replace(str(folder) + "/", "").replace(str(folder), "")
        raise _problem(422, f"cannot analyse the long recording: {msg}") from None
    if holter is not None:
        data.store.put(holter)
        return {"id": rid, **holter.to_dict()}
    try:
        rec = read(main, fs=fs, kind=kind)
    except (CardiokitError, OSError) as exc:
        msg = str(exc).replace(str(folder) + "/", "").replace(str(folder), "")
        raise _problem(422, f"cannot read the upload: {msg}") from None
    try:
        report = analyze(rec, subject=subject, source=main.name, sha256=rid)
    except InvalidArgumentError as exc:
        raise _problem(400, str(exc)) from None
    data.keep_recording(rid, rec)
    data.store.put(report)
    return {"id": rid, **report.to_dict()}
