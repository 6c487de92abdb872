"""The web viewer in a real headless Chromium against a real uvicorn server on loopback."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import shared_path

#: LUDB's lead names in the standard spelling
_STD = {"i": "I", "ii": "II", "iii": "III", "avr": "aVR", "avl": "aVL", "avf": "aVF",
        **{f"v{k}": f"V{k}" for k in range(1, 7)}}

webdriver = pytest.importorskip("selenium.webdriver")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
KEY = "viewer-test-key"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    port = _free_port()
    env = {**os.environ, "CARDIOKIT_API_KEYS": KEY, "CARDIOKIT_DATA_DIR": str(tmp_path_factory.mktemp("viewer-data")),
           "CARDIOKIT_LONG_S": "60"}  # uploads over a minute are Holter recordings here
    proc = subprocess.Popen([sys.executable, "-m", "cardiokit", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 40
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"server did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed (make test installs them)")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1100",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    drv.set_page_load_timeout(30)
    yield drv
    drv.quit()


def _api(url: str, path: str) -> dict:
    req = urllib.request.Request(url + path, headers={"Authorization": f"Bearer {KEY}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def _upload_ludb(server: str, browser, name: str = "1") -> str:
    """Upload a LUDB record through the viewer's form (skips without the shared data);
    returns the analysis id the viewer put in its address."""
    ludb = shared_path("ludb", "data")
    return _upload(server, browser, [ludb / f"{name}.hea", ludb / f"{name}.dat"])


def _upload(server: str, browser, files: list[Path]) -> str:
    """Upload ``files`` (one recording) through the viewer's form; the analysis id."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/")
    wait = WebDriverWait(browser, 40)
    browser.find_element(By.ID, "api-key").send_keys(KEY)
    browser.find_element(By.CSS_SELECTOR, "#key-form button").click()
    assert browser.execute_script("return sessionStorage.getItem('cardiokitApiKey')") == KEY
    browser.find_element(By.ID, "upload-files").send_keys("\n".join(str(f) for f in files))
    browser.find_element(By.ID, "upload-btn").click()
    wait.until(lambda d: d.find_element(By.ID, "m-qrs_ms").text not in ("", "–")
               or "error" in d.find_element(By.ID, "status").get_attribute("class"))
    assert browser.find_element(By.ID, "status").get_attribute("class") != "error", \
        browser.find_element(By.ID, "status").text
    return browser.execute_script("return location.hash").split("=", 1)[1]


def test_upload_ludb_record_and_see_plot_and_qrs(server: str, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    rid = _upload_ludb(server, browser)
    wait = WebDriverWait(browser, 40)
    doc = _api(server, f"/v1/analyses/{rid}")
    qrs_text = browser.find_element(By.ID, "m-qrs_ms").text
    assert qrs_text == f"{doc['measurements']['qrs_ms']:.0f} ms"
    assert "QRS duration" in browser.find_element(By.ID, "meas-table").text
    # the rhythm class with the rhythm model's probability of it, as the PDF prints it
    rh = doc["rhythm"]
    assert browser.find_element(By.ID, "rhythm").text == f"{rh['label']} (model {rh['probabilities'][rh['label']]:.2f})"
    # the canvas shows the 12 traces: dark trace pixels on the paper, and paper-grid red
    wait.until(lambda d: d.execute_script("return document.getElementById('window-label').textContent").startswith("0.00"))
    wait.until(lambda d: d.execute_script(_DARK_PIXELS) > 5000)
    counts = browser.execute_script(_PIXEL_COUNTS)
    assert counts["dark"] > 5000 and counts["grid"] > 20000 and counts["red_marker"] > 100, counts
    # zoom in and scroll: the visible window changes
    before = browser.find_element(By.ID, "window-label").text
    for _ in range(2):
        browser.find_element(By.ID, "zoom-in").click()
    browser.execute_script("const s=document.getElementById('scroll'); s.value=2; s.dispatchEvent(new Event('input'))")
    after = browser.find_element(By.ID, "window-label").text
    assert after != before and after.startswith("2.00")
    shot = Path(os.environ.get("CARDIOKIT_VIEWER_SCREENSHOT", tmp_path / "viewer.png"))
    browser.execute_script("const s=document.getElementById('scroll'); s.value=0; s.dispatchEvent(new Event('input'))")
    for _ in range(2):
        browser.find_element(By.ID, "zoom-out").click()
    time.sleep(0.5)
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 20000


@pytest.mark.parametrize("renamed", [False, True])
def test_unusable_stretch_is_greyed_in_its_lane(server: str, browser, tmp_path: Path, renamed: bool) -> None:
    """LUDB 122: aVL is graded unusable over 0-5 s, so the viewer greys that stretch of its lane,
    also when the file names its channels "Lead I" ... (the analysis names them I ... aVL)."""
    from selenium.webdriver.support.ui import WebDriverWait

    from cardiokit import io

    if renamed:
        rec = io.read(shared_path("ludb", "data", "122.hea"))
        rec = rec.replace(channels=tuple(replace(c, name="Lead " + _STD[c.name]) for c in rec.channels),
                          annotations=())
        io.write(rec, tmp_path / "r122.hea")
        rid = _upload(server, browser, [tmp_path / "r122.hea", tmp_path / "r122.dat"])
    else:
        rid = _upload_ludb(server, browser, "122")
    doc = _api(server, f"/v1/analyses/{rid}")
    want = "aVL" if renamed else "avl"
    assert [(u["lead"], u["start_s"]) for u in doc["quality"]["unusable_segments"]] == [(want, 0.0)]
    WebDriverWait(browser, 40).until(lambda d: d.execute_script(_DARK_PIXELS) > 5000)
    assert "grey: unusable" in browser.execute_script("return document.getElementById('window-label').textContent")
    lanes = browser.execute_script(_GREY_BY_LANE)
    # aVL is the 5th lane; the other lanes hold only anti-aliased trace pixels of that grey
    assert lanes[4] > 20000 and max(lanes[:4] + lanes[5:]) < 0.05 * lanes[4], lanes


def test_blocked_p_waves_of_an_av_block_are_marked(server: str, browser, tmp_path: Path) -> None:
    """A simulated 2:1 AV block: the viewer marks each P wave the AV node did not conduct."""
    from selenium.webdriver.support.ui import WebDriverWait

    from cardiokit import io
    from cardiokit.sim.ecg import simulate_ecg

    io.write(simulate_ecg(av_block="2:1", heart_rate_bpm=40, seed=1, noise_snr_db=25.0), tmp_path / "avb.hea")
    rid = _upload(server, browser, [tmp_path / "avb.hea", tmp_path / "avb.dat"])
    doc = _api(server, f"/v1/analyses/{rid}")
    st = [s for s in doc["statements"] if s["key"] == "second_degree_av_block"]
    assert st and len(st[0]["evidence"]["blocked_p_s"]) >= 3
    WebDriverWait(browser, 40).until(lambda d: d.execute_script(_DARK_PIXELS) > 5000)
    assert "red P: P wave not conducted" in browser.execute_script(
        "return document.getElementById('window-label').textContent")


def test_open_stored_analysis_by_id_and_wrong_key_is_reported(server: str, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    rid = _upload_ludb(server, browser)  # on its own: it does not rely on another test's upload
    browser.get(server + "/")
    browser.execute_script("sessionStorage.setItem('cardiokitApiKey', 'wrong')")
    browser.find_element(By.ID, "open-id").send_keys(rid)
    browser.find_element(By.CSS_SELECTOR, "#open-form button").click()
    wait = WebDriverWait(browser, 20)
    wait.until(lambda d: "401" in d.find_element(By.ID, "status").text)
    browser.execute_script(f"sessionStorage.setItem('cardiokitApiKey', '{KEY}')")
    browser.find_element(By.CSS_SELECTOR, "#open-form button").click()
    wait.until(lambda d: d.find_element(By.ID, "m-qrs_ms").text.endswith("ms"))


def test_holter_upload_shows_summary_and_trend_instead_of_paper(server: str, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from cardiokit import io
    from cardiokit.sim import simulate_ecg

    rec = simulate_ecg(duration_s=150, fs_hz=200, leads=["II", "V5"], heart_rate_bpm=72, hrv=30.0, seed=5)
    io.write(rec.replace(annotations=()), tmp_path / "h.ecg")
    browser.get(server + "/")
    browser.execute_script(f"sessionStorage.setItem('cardiokitApiKey', '{KEY}')")
    browser.find_element(By.ID, "upload-files").send_keys(str(tmp_path / "h.ecg"))
    browser.find_element(By.ID, "upload-btn").click()
    wait = WebDriverWait(browser, 60)
    wait.until(lambda d: d.find_element(By.ID, "holter").is_displayed()
               or "error" in d.find_element(By.ID, "status").get_attribute("class"))
    assert browser.find_element(By.ID, "status").get_attribute("class") != "error", \
        browser.find_element(By.ID, "status").text
    rid = browser.execute_script("return location.hash").split("=", 1)[1]
    doc = _api(server, f"/v1/analyses/{rid}")
    assert browser.find_element(By.ID, "holter-beats").text == str(doc["holter"]["n_beats"])
    assert not browser.find_element(By.ID, "paper").is_displayed()
    blue = browser.execute_script(_TREND_PIXELS)
    assert blue > 300, blue  # the 1-min heart-rate line is drawn


_TREND_PIXELS = """
const c = document.getElementById('trend'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let n = 0;
for (let i = 0; i < d.length; i += 4) if (d[i] < 80 && d[i + 1] > 50 && d[i + 1] < 120 && d[i + 2] > 90) n++;
return n;
"""

_PIXEL_COUNTS = """
const c = document.getElementById('ecg'), g = c.getContext('2d');
const d = g.getImageData(0, 0, c.width, c.height).data;
let dark = 0, grid = 0, red = 0;
for (let i = 0; i < d.length; i += 4) {
  const r = d[i], gg = d[i + 1], b = d[i + 2];
  if (r < 90 && gg < 90 && b < 90) dark++;
  else if (r > 230 && gg > 150 && gg < 225 && b > 150 && b < 225) grid++;
  else if (r > 150 && gg < 90 && b < 90) red++;
}
return {dark: dark, grid: grid, red_marker: red};
"""
_DARK_PIXELS = _PIXEL_COUNTS.replace("return {dark: dark, grid: grid, red_marker: red};", "return dark;")
# grey (the unusable shading over the paper) per 12-lead lane (y from 14 px, lanes of equal height)
_GREY_BY_LANE = """
const c = document.getElementById('ecg'), g = c.getContext('2d');
const d = g.getImageData(0, 0, c.width, c.height).data, dpr = window.devicePixelRatio || 1;
const lane = (c.height / dpr - 24) / 12, out = new Array(12).fill(0);
for (let i = 0; i < d.length; i += 4) {
  const r = d[i], gg = d[i + 1], b = d[i + 2];
  if (r > 200 && r < 240 && Math.abs(r - gg) < 8 && Math.abs(r - b) < 8) {
    const y = Math.floor(i / 4 / c.width) / dpr - 14, k = Math.floor(y / lane);
    if (k >= 0 && k < 12) out[k]++;
  }
}
return out;
"""


def test_heart_sound_upload_shows_class_quality_and_rate(server: str, browser) -> None:
    """A PhysioNet 2016 WAV: no ECG, so the quality row names the PCG grade, and the heart-sound
    class with its probability is listed with the rate taken from the heart sounds."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wav = shared_path("pcg_physionet2016", "training-e", "e00176.wav")
    browser.get(server + "/")
    browser.execute_script(f"sessionStorage.setItem('cardiokitApiKey', '{KEY}')")
    browser.find_element(By.ID, "upload-files").send_keys(str(wav))
    browser.find_element(By.ID, "upload-btn").click()
    wait = WebDriverWait(browser, 60)
    wait.until(lambda d: d.find_elements(By.ID, "m-pcg")
               or "error" in d.find_element(By.ID, "status").get_attribute("class"))
    assert browser.find_element(By.ID, "status").get_attribute("class") != "error", \
        browser.find_element(By.ID, "status").text
    rid = browser.execute_script("return location.hash").split("=", 1)[1]
    doc = _api(server, f"/v1/analyses/{rid}")
    pcg = doc["pcg"]
    assert browser.find_element(By.ID, "m-pcg").text == f"{pcg['label']} (P(abnormal) {pcg['probability_abnormal']:.2f})"
    assert browser.find_element(By.ID, "quality").text == f"PCG {pcg['quality']}"
    assert browser.find_element(By.ID, "m-heart_rate_bpm").text == f"{doc['measurements']['heart_rate_bpm']:.0f} bpm"
