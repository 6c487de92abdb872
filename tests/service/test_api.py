"""The HTTP API with FastAPI's TestClient: auth, limits, uploads, reports, FHIR, signal."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from cardiokit.service import create_app
from tests.conftest import shared_path

KEY = "test-key-1"
H = {"Authorization": f"Bearer {KEY}"}
LIMIT = 3_000_000


@pytest.fixture(scope="module")
def ludb1() -> tuple[Path, Path]:
    d = shared_path("ludb", "data")
    return d / "1.hea", d / "1.dat"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("service-data")
    app = create_app(data_dir=data, api_keys=f"other,{KEY}", max_upload_bytes=LIMIT)
    with TestClient(app) as c:
        c.data_dir = data  # type: ignore[attr-defined]
        yield c


@pytest.fixture(scope="module")
def uploaded(client: TestClient, ludb1: tuple[Path, Path]) -> dict:
    hea, dat = ludb1
    files = [("file", ("1.hea", hea.read_bytes())), ("file", ("1.dat", dat.read_bytes()))]
    r = client.post("/v1/analyses", files=files, data={"age_years": "61", "sex": "female"}, headers=H)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"},
                                     {"Authorization": "Bearer "}, {"Authorization": f"Bearer {KEY}x"}])
def test_every_v1_route_needs_a_valid_key(client: TestClient, uploaded: dict, headers: dict) -> None:
    rid = uploaded["id"]
    for path in (f"/v1/analyses/{rid}", f"/v1/analyses/{rid}/report.html", f"/v1/analyses/{rid}/report.pdf",
                 f"/v1/analyses/{rid}/fhir", f"/v1/analyses/{rid}/signal"):
        r = client.get(path, headers=headers)
        assert r.status_code == 401, path
        assert r.headers["www-authenticate"] == "Bearer"
    r = client.post("/v1/analyses", files=[("file", ("a.csv", b"1\n2\n"))], headers=headers)
    assert r.status_code == 401


def test_no_configured_keys_refuses_everything(tmp_path: Path) -> None:
    with TestClient(create_app(data_dir=tmp_path, api_keys="")) as c:
        assert c.get("/v1/analyses/" + "0" * 64, headers={"Authorization": "Bearer "}).status_code == 401
        assert c.get("/v1/analyses/" + "0" * 64, headers=H).status_code == 401
        assert c.get("/healthz").status_code == 200


def test_wfdb_upload_is_analysed_with_subject_and_an_id(uploaded: dict, ludb1: tuple[Path, Path]) -> None:
    from cardiokit import analyze

    assert len(uploaded["id"]) == 64 and uploaded["id"] == uploaded["sha256"]
    assert uploaded["source"] == "1.hea"
    assert uploaded["recording"]["subject"] == {"age_years": 61.0, "sex": "F"}
    assert uploaded["recording"]["n_samples"] == 5000 and len(uploaded["recording"]["channels"]) == 12
    ref = analyze(ludb1[0]).to_dict()  # same schema and numbers as `cardiokit analyze --json`
    assert set(uploaded) == set(ref) | {"id"}
    assert uploaded["measurements"] == ref["measurements"]
    assert uploaded["measurements"]["qrs_ms"] is not None


def test_get_report_html_pdf_fhir_signal(client: TestClient, uploaded: dict) -> None:
    rid = uploaded["id"]
    got = client.get(f"/v1/analyses/{rid}", headers=H).json()
    assert got["id"] == rid and got["measurements"] == uploaded["measurements"]
    html = client.get(f"/v1/analyses/{rid}/report.html", headers=H)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "<svg" in html.text and "QRS" in html.text
    pdf = client.get(f"/v1/analyses/{rid}/report.pdf", headers=H)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    fhir = client.get(f"/v1/analyses/{rid}/fhir", headers=H).json()
    assert fhir["resourceType"] == "Bundle"
    assert any(e["resource"]["resourceType"] == "DiagnosticReport" for e in fhir["entry"])
    sig = client.get(f"/v1/analyses/{rid}/signal", params={"start_s": 2, "stop_s": 4, "max_points": 200},
                     headers=H).json()
    assert sig["decimation"] == 10 and len(sig["signals"]) == 12 and len(sig["signals"][0]) == 200
    assert all(2 <= t < 4 for t in sig["beats_s"]) and sig["fiducials_s"]["qrs_on"]
    assert client.get(f"/v1/analyses/{'f' * 64}", headers=H).status_code == 404
    assert client.get("/v1/analyses/not-a-hash", headers=H).status_code == 422


def test_too_large_uploads_get_413(client: TestClient) -> None:
    big = [("file", ("big.csv", b"0.1\n" * (LIMIT // 4 + 10)))]
    assert client.post("/v1/analyses", files=big, headers=H).status_code == 413

    def chunked():  # no Content-Length: the streamed byte count decides
        yield b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
        for _ in range(LIMIT // 65536 + 2):
            yield b"1\n" * 32768
        yield b"\r\n--xyz--\r\n"

    r = client.post("/v1/analyses", content=chunked(),
                    headers={**H, "Content-Type": "multipart/form-data; boundary=xyz"})
    assert r.status_code == 413


@pytest.mark.parametrize(("files", "data", "status", "reason"), [
    ([("file", ("x.edf", b"0" * 300))], {}, 422, "cannot read the upload"),
    ([("file", ("noise.bin", b"\x00\x01" * 50))], {}, 422, "cannot read the upload"),
    ([("file", ("1.hea", b"1 2 500 5000\n1.dat 16 1 16 0 0 0 0 i\n"))], {}, 422, "1.dat"),
    ([("other", ("a.csv", b"1\n"))], {}, 400, "field 'file'"),
    ([], {"age_years": "3"}, 400, "field 'file'"),
    ([("file", ("a.csv", b"1\n2\n"))], {"age_years": "500"}, 400, "age_years"),
    ([("file", ("a.csv", b"1\n2\n"))], {"colour": "red"}, 400, "unknown form field"),
    ([("file", ("a.csv", b"1\n2\n"))], {"kind": "eeg"}, 400, "kind"),
    ([("file", ("a.hea", b"x")), ("file", ("b.hea", b"y"))], {}, 400, "one recording"),
    ([("file", ("dir/a.csv", b"1")), ("file", ("a.csv", b"2"))], {}, 400, "both named"),
])
def test_bad_uploads_get_4xx_with_the_reason(client: TestClient, files: list, data: dict, status: int,
                                             reason: str) -> None:
    r = client.post("/v1/analyses", files=files or None, data=data, headers=H)
    assert r.status_code == status, r.text
    assert reason in r.json()["detail"]
    assert "cardiokit-upload-" not in r.text  # our temp paths are not shown


def test_not_multipart_is_400(client: TestClient) -> None:
    r = client.post("/v1/analyses", content=b"{}", headers={**H, "Content-Type": "application/json"})
    assert r.status_code == 400 and "multipart" in r.json()["detail"]


def test_client_file_names_never_become_paths(client: TestClient, tmp_path: Path) -> None:
    from cardiokit.service.uploads import safe_name

    assert safe_name("../../etc/passwd", 0) == "passwd"
    assert safe_name("..\\..\\win.ini", 0) == "win.ini"
    assert safe_name("/abs/.hidden", 0) == "hidden"
    assert safe_name("..", 3) == "upload3"
    assert safe_name("a b;rm -rf.csv", 0) == "a_b_rm_-rf.csv"
    csv = "\n".join(str(v) for v in [0.0] * 1000).encode()
    r = client.post("/v1/analyses", files=[("file", ("../../../../tmp/evil.csv", csv))], data={"fs": "250"},
                    headers=H)
    assert r.status_code == 201, r.text
    assert r.json()["source"] == "evil.csv"
    assert not Path("/tmp/evil.csv").exists()


def test_uploads_are_removed_and_logs_hold_no_subject_data(client: TestClient, ludb1: tuple[Path, Path],
                                                            caplog: pytest.LogCaptureFixture) -> None:
    import tempfile

    before = set(Path(tempfile.gettempdir()).glob("cardiokit-upload-*"))
    hea, dat = ludb1
    with caplog.at_level(logging.DEBUG):
        r = client.post("/v1/analyses", files=[("file", ("1.hea", hea.read_bytes())), ("file", ("1.dat", dat.read_bytes()))],
                        data={"subject_id": "PATIENT-4711", "age_years": "77"}, headers=H)
    assert r.status_code == 201
    assert set(Path(tempfile.gettempdir()).glob("cardiokit-upload-*")) == before
    assert "PATIENT-4711" not in caplog.text and "age_years" not in caplog.text


def test_openapi_documents_the_routes_and_bearer_auth(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for p in ("/v1/analyses", "/v1/analyses/{analysis_id}", "/v1/analyses/{analysis_id}/report.html",
              "/v1/analyses/{analysis_id}/report.pdf", "/v1/analyses/{analysis_id}/fhir"):
        assert p in paths
    body = paths["/v1/analyses"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["properties"]["file"]["type"] == "array"
    assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in spec["components"]["securitySchemes"].values())
    json.dumps(spec)


def test_viewer_page_and_assets_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "/static/viewer.js" in page.text and "sessionStorage" not in page.text
    js = client.get("/static/viewer.js")
    assert js.status_code == 200 and "sessionStorage" in js.text and "Authorization" in js.text
    assert "http" not in page.text.replace("http-equiv", "")  # no CDN


def test_long_uploads_are_analysed_in_chunks_with_a_holter_report(tmp_path: Path) -> None:
    from cardiokit import io
    from cardiokit.sim import simulate_ecg

    rec = simulate_ecg(duration_s=150, fs_hz=200, leads=["II", "V5"], heart_rate_bpm=72, hrv=30.0, seed=5)
    n_true = len(rec.annotation("truth").where("N").sample)
    io.write(rec.replace(annotations=()), tmp_path / "h.ecg")
    with TestClient(create_app(data_dir=tmp_path / "data", api_keys=KEY, long_s=60)) as c:
        r = c.post("/v1/analyses", files=[("file", ("h.ecg", (tmp_path / "h.ecg").read_bytes()))],
                   data={"age_years": "70"}, headers=H)
        assert r.status_code == 201, r.text
        doc = r.json()
        assert doc["source"] == "h.ecg" and doc["recording"]["subject"] == {"age_years": 70}
        assert doc["holter"]["n_beats"] == n_true and doc["rhythm"]["label"] == "normal"
        assert abs(doc["measurements"]["heart_rate_bpm"] - 72) < 3
        html = c.get(f"/v1/analyses/{doc['id']}/report.html", headers=H)
        assert html.status_code == 200 and "Holter ECG report" in html.text and "<svg" in html.text
        assert f"<td class='num'>{n_true}</td>" in html.text and "age_years" in html.text
        pdf = c.get(f"/v1/analyses/{doc['id']}/report.pdf", headers=H)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        # no signals are kept for a chunked analysis: the viewer's signal route says so
        assert c.get(f"/v1/analyses/{doc['id']}/signal", headers=H).status_code == 404
        assert c.get(f"/v1/analyses/{doc['id']}", headers=H).json()["holter"]["n_beats"] == n_true
