/* cardiokit web viewer: upload or open an analysis, draw the ECG on paper grid (canvas).
   Plain JavaScript, no dependencies. Every /v1 request sends the API key kept in
   sessionStorage as "Authorization: Bearer <key>". */
"use strict";
(function () {
  const KEY = "cardiokitApiKey";
  const $ = (id) => document.getElementById(id);
  const state = {
    id: null, doc: null, duration: 0, sig: null, fetching: null,
    pxPerMm: 4, speed: 25, gain: 10, t0: 0, laneMm: 24,
  };
  const MEAS = [
    ["heart_rate_bpm", "Heart rate", "bpm", 0], ["rr_ms", "RR interval", "ms", 0],
    ["p_duration_ms", "P duration", "ms", 0], ["pr_ms", "PR interval", "ms", 0],
    ["qrs_ms", "QRS duration", "ms", 0], ["qt_ms", "QT interval", "ms", 0],
    ["qtc_ms", "QTc", "ms", 0], ["p_axis_deg", "P axis", "°", 0],
    ["qrs_axis_deg", "QRS axis", "°", 0], ["t_axis_deg", "T axis", "°", 0],
  ];
  // PPG results: shown when present (a PPG-only record has no ECG intervals to list)
  const MEAS_PPG = [
    ["respiratory_rate_bpm", "Resp. rate", "/min", 1], ["sbp_mmhg", "SBP (est.)", "mmHg", 0],
    ["dbp_mmhg", "DBP (est.)", "mmHg", 0], ["vascular_age_years", "Vascular age (est.)", "y", 0],
  ];
  const ECG_ONLY = new Set(["p_duration_ms", "pr_ms", "qrs_ms", "qt_ms", "qtc_ms", "p_axis_deg", "qrs_axis_deg", "t_axis_deg"]);
  function seconds(v) {
    if (v === null || v === undefined) return "–";
    return (v > 0 && v < 1 ? v.toPrecision(3) : v.toFixed(1)) + " s";
  }

  function apiKey() { return sessionStorage.getItem(KEY) || ""; }
  function setStatus(text, isError) {
    const el = $("status");
    el.textContent = text || "";
    el.className = isError ? "error" : "";
  }
  function showKeyState() {
    $("key-state").textContent = apiKey() ? "key set for this tab" : "no key: /v1 requests will be refused";
  }

  async function api(path, options) {
    const opts = Object.assign({}, options || {});
    opts.headers = Object.assign({}, opts.headers || {}, { Authorization: "Bearer " + apiKey() });
    const resp = await fetch(path, opts);
    if (!resp.ok) {
      let detail = resp.status + " " + resp.statusText;
      try { const j = await resp.json(); if (j && j.detail) detail = resp.status + ": " + (typeof j.detail === "string" ? j.detail : JSON.stringify(j.detail)); } catch (e) { /* not JSON */ }
      if (resp.status === 401) detail += " (set the API key above)";
      throw new Error(detail);
    }
    return resp;
  }

  function fmt(v, digits) {
    if (v === null || v === undefined) return "–";
    if (typeof v === "number") return v.toFixed(digits);
    return String(v);
  }
  function row(label, value, id) {
    const tr = document.createElement("tr");
    const a = document.createElement("td"); a.textContent = label;
    const b = document.createElement("td"); b.className = "v"; b.textContent = value;
    if (id) b.id = id;
    tr.append(a, b);
    return tr;
  }

  // the rhythm class (CinC 2017: normal, af, other, noisy) with the rhythm model's probability
  // of it when the model ran, as the PDF report prints it: "other (model 0.98)"
  function rhythmText(rh) {
    if (!rh || !rh.label) return "–";
    const p = rh.probabilities ? rh.probabilities[rh.label] : undefined;
    return typeof p === "number" ? `${rh.label} (model ${p.toFixed(2)})` : rh.label;
  }

  // the ECG grade; without ECG, the PPG's or the heart sounds' grade, named
  function signalQuality(doc) {
    if (doc.quality) return doc.quality.grade;
    if (doc.ppg && doc.ppg.quality) return "PPG " + doc.ppg.quality.grade;
    if (doc.pcg && doc.pcg.quality) return "PCG " + doc.pcg.quality;
    return "–";
  }

  function showDoc(doc) {
    state.doc = doc; state.id = doc.id;
    const rec = doc.recording || {};
    const rt = $("rec-table"); rt.replaceChildren();
    rt.append(row("Id", doc.id.slice(0, 16) + "…", "rec-id"));
    rt.append(row("Source", doc.source || "–"));
    const chans = rec.channels || [];
    const hasEcg = chans.some((c) => c.kind === "ecg");
    rt.append(row(hasEcg ? "Leads" : "Channels", chans.map((c) => c.name).join(" ")));
    rt.append(row("Rate", fmt(rec.fs, rec.fs % 1 ? 1 : 0) + " Hz"));
    rt.append(row("Duration", seconds(rec.duration_s)));
    rt.append(row("Quality", signalQuality(doc), "quality"));
    rt.append(row("Rhythm", rhythmText(doc.rhythm), "rhythm"));
    const mt = $("meas-table"); mt.replaceChildren();
    const m = doc.measurements || {};
    for (const [key, label, unit, digits] of MEAS.concat(MEAS_PPG)) {
      const missing = m[key] === null || m[key] === undefined;
      if (missing && ((!hasEcg && ECG_ONLY.has(key)) || MEAS_PPG.some((x) => x[0] === key))) continue;
      mt.append(row(label, missing ? "–" : fmt(m[key], digits) + " " + unit, "m-" + key));
    }
    if (m.qtc_formula) mt.append(row("QTc formula", m.qtc_formula));
    const ppg = doc.ppg, pcg = doc.pcg;
    if (ppg && ppg.quality && ppg.quality.grade === "unusable" && ppg.heart_rate_bpm != null) {
      // the analysis keeps an unusable PPG's rate and BP out of the measurements
      mt.append(row("Pulse rate", "– (" + fmt(ppg.heart_rate_bpm, 0) + " bpm, unreliable: PPG unusable)", "m-ppg-rate"));
    }
    if (pcg && pcg.label) {
      mt.append(row("Heart sounds", pcg.label + " (P(abnormal) " + fmt(pcg.probability_abnormal, 2) + ")", "m-pcg"));
    }
    const ul = $("statements"); ul.replaceChildren();
    for (const s of doc.statements || []) {
      const li = document.createElement("li");
      li.textContent = s.text + " ";
      if (s.code) { const c = document.createElement("span"); c.className = "code"; c.textContent = "SNOMED " + s.code; li.append(c); }
      ul.append(li);
    }
    if (!(doc.statements || []).length) { const li = document.createElement("li"); li.textContent = "No statements."; ul.append(li); }
    for (const e of doc.errors || []) { const li = document.createElement("li"); li.textContent = "error in " + e.stage + ": " + e.message; ul.append(li); }
    $("result").hidden = false;
    state.duration = rec.duration_s || 0;
    state.t0 = 0; state.sig = null;
    history.replaceState(null, "", "#id=" + doc.id);
    $("open-id").value = doc.id;
    const holter = doc.holter || null;
    $("holter").hidden = !holter;
    $("paper").hidden = !!holter;
    if (holter) { showHolter(holter); return; }
    layout();
    loadWindow();
  }

  // -- Holter recordings: summary and heart-rate trend (no signals are kept) -----------------
  function showHolter(h) {
    const t = $("holter-table"); t.replaceChildren();
    const hr = h.heart_rate || {}, p = h.pauses || {};
    t.append(row("Duration", (h.duration_s / 3600).toFixed(2) + " h"));
    t.append(row("Beats", String(h.n_beats), "holter-beats"));
    t.append(row("Heart rate min / mean / max", [hr.min_bpm, hr.mean_bpm, hr.max_bpm].map((v) => fmt(v, 0)).join(" / ") + " bpm"));
    t.append(row("Rhythm (minutes)", Object.entries(h.rhythm_minutes || {}).map(([k, v]) => k + " " + v).join(", ") || "–"));
    t.append(row("AF burden", h.af_burden_pct === null || h.af_burden_pct === undefined ? "–" : h.af_burden_pct.toFixed(1) + " %"));
    t.append(row("Pauses > " + p.threshold_s + " s", String(p.count || 0) + (p.count ? " (longest " + fmt(p.longest_s, 2) + " s)" : "")));
    drawTrend(h);
  }

  function drawTrend(h) {
    const canvas = $("trend"), dpr = window.devicePixelRatio || 1;
    const W = Math.max(300, ($("holter").clientWidth || 800) - 32), H = 260;
    canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
    canvas.style.width = W + "px"; canvas.style.height = H + "px";
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
    const L = 48, R = 12, T = 10, B = 30, dur = Math.max(1, h.duration_s);
    const hours = dur > 7200, per = hours ? 3600 : 60;
    const pts = (h.hr_trend || []).filter((m) => m.hr_bpm !== null && m.hr_bpm !== undefined);
    const vals = pts.map((m) => m.hr_bpm);
    let lo = vals.length ? Math.min(...vals) : 40, hi = vals.length ? Math.max(...vals) : 120;
    const mid = (lo + hi) / 2, half = Math.max((hi - lo) / 2 * 1.15, 20);
    lo = Math.max(0, mid - half); hi = mid + half;
    const X = (s) => L + (s / dur) * (W - L - R), Y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
    const shade = { af: "#f4b6b6", other: "#f7e3a1", noisy: "#d9d9d9" };
    (h.rhythm_per_chunk || []).forEach((label, i) => {
      if (!shade[label]) return;
      ctx.fillStyle = shade[label];
      const a = i * h.chunk_s, b = Math.min(dur, (i + 1) * h.chunk_s);
      ctx.fillRect(X(a), T, X(b) - X(a), H - T - B);
    });
    ctx.strokeStyle = "#e3e6eb"; ctx.lineWidth = 1; ctx.fillStyle = "#5b6474"; ctx.font = "11px system-ui, sans-serif";
    const step = (hi - lo) > 80 ? 20 : 10;
    for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) {
      ctx.beginPath(); ctx.moveTo(L, Math.round(Y(v)) + 0.5); ctx.lineTo(W - R, Math.round(Y(v)) + 0.5); ctx.stroke();
      ctx.fillText(String(v), 8, Y(v) + 4);
    }
    const nTicks = Math.min(12, Math.max(1, Math.floor(dur / per)));
    const tick = Math.max(1, Math.ceil(dur / per / nTicks));
    for (let k = 0; k * per <= dur; k += tick) ctx.fillText(k + (hours ? " h" : " min"), X(k * per) - 8, H - 10);
    ctx.strokeStyle = "#b00000"; ctx.setLineDash([3, 3]);
    for (const e of p_events(h)) { ctx.beginPath(); ctx.moveTo(X(e.start_s), T); ctx.lineTo(X(e.start_s), H - B); ctx.stroke(); }
    ctx.setLineDash([]);
    ctx.strokeStyle = "#1f4e79"; ctx.lineWidth = 1.5; ctx.beginPath();
    pts.forEach((m, i) => {
      const s = (m.minute + Math.min(dur / 60, m.minute + 1)) / 2 * 60;
      if (i === 0) ctx.moveTo(X(s), Y(m.hr_bpm)); else ctx.lineTo(X(s), Y(m.hr_bpm));
    });
    ctx.stroke();
    ctx.strokeStyle = "#9aa3b1"; ctx.lineWidth = 1; ctx.strokeRect(L + 0.5, T + 0.5, W - L - R, H - T - B);
  }
  function p_events(h) { return (h.pauses && h.pauses.events) || []; }

  // -- signal windows ----------------------------------------------------------------
  function visibleSeconds() {
    const w = $("plot-wrap").clientWidth || 800;
    return w / (state.pxPerMm * state.speed);
  }
  let pending = 0;
  async function loadWindow() {
    if (!state.id) return;
    const span = visibleSeconds();
    const have = state.sig;
    const wantA = Math.max(0, state.t0 - span), wantB = Math.min(state.duration, state.t0 + 2 * span);
    const maxPts = Math.min(100000, Math.max(2000, Math.round(($("plot-wrap").clientWidth || 800) * 6)));
    if (have && have.start_s <= state.t0 && have.stop_s >= Math.min(state.duration, state.t0 + span) - 1e-6 &&
        have.maxPts >= maxPts * 0.9 && have.stop_s - have.start_s <= 6 * span) { draw(); return; }
    const ticket = ++pending;
    const q = "?start_s=" + wantA.toFixed(3) + "&stop_s=" + Math.max(wantA + 0.01, wantB).toFixed(3) + "&max_points=" + maxPts;
    try {
      const r = await api("/v1/analyses/" + state.id + "/signal" + q);
      const j = await r.json();
      if (ticket !== pending) return;
      j.maxPts = maxPts;
      state.sig = j;
      draw();
    } catch (e) { setStatus("signal: " + e.message, true); }
  }

  function layout() {
    const canvas = $("ecg");
    const n = state.doc ? (state.doc.recording.channels || []).length : 1;
    const dpr = window.devicePixelRatio || 1;
    const w = $("plot-wrap").clientWidth || 800;
    const h = Math.max(1, n) * state.laneMm * state.pxPerMm + 24;
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
    canvas.style.width = w + "px"; canvas.style.height = h + "px";
    const sc = $("scroll");
    sc.max = Math.max(0, state.duration - visibleSeconds()).toFixed(2);
    sc.value = state.t0;
  }

  function draw() {
    const canvas = $("ecg"), ctx = canvas.getContext("2d");
    const dpr = window.devicePixelRatio || 1;
    const W = canvas.width / dpr, H = canvas.height / dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fffafa"; ctx.fillRect(0, 0, W, H);
    const mm = state.pxPerMm, pxPerS = mm * state.speed, pxPerMv = mm * state.gain;
    // paper grid: 1 mm minor, 5 mm major lines, anchored to time 0
    const offMm = (state.t0 * state.speed) % 5;
    for (let i = 0, x = -offMm * mm; x <= W; i++, x += mm) {
      const major = Math.round((state.t0 * state.speed + x / mm)) % 5 === 0;
      ctx.strokeStyle = major ? "#f0a3a3" : "#fbdada"; ctx.lineWidth = major ? 1 : 0.5;
      ctx.beginPath(); ctx.moveTo(Math.round(x) + 0.5, 0); ctx.lineTo(Math.round(x) + 0.5, H); ctx.stroke();
    }
    for (let k = 0, y = 0; y <= H; k++, y += mm) {
      const major = k % 5 === 0;
      ctx.strokeStyle = major ? "#f0a3a3" : "#fbdada"; ctx.lineWidth = major ? 1 : 0.5;
      ctx.beginPath(); ctx.moveTo(0, Math.round(y) + 0.5); ctx.lineTo(W, Math.round(y) + 0.5); ctx.stroke();
    }
    const sig = state.sig;
    const t1 = state.t0 + W / pxPerS;
    $("window-label").textContent = state.t0.toFixed(2) + "–" + Math.min(t1, state.duration).toFixed(2) + " s of " + state.duration.toFixed(1) + " s";
    if (!sig) return;
    const X = (t) => (t - state.t0) * pxPerS;
    // wave boundary markers across all lanes
    const F = sig.fiducials_s || {};
    const marks = [["p_on", "#1f5fbf"], ["p_off", "#1f5fbf"], ["qrs_on", "#c0392b"], ["qrs_off", "#c0392b"], ["t_off", "#1e8449"]];
    ctx.lineWidth = 1; ctx.setLineDash([4, 3]);
    for (const [k, color] of marks) {
      ctx.strokeStyle = color;
      for (const t of F[k] || []) {
        if (t < state.t0 || t > t1) continue;
        ctx.beginPath(); ctx.moveTo(Math.round(X(t)) + 0.5, 14); ctx.lineTo(Math.round(X(t)) + 0.5, H); ctx.stroke();
      }
    }
    ctx.setLineDash([]);
    ctx.fillStyle = "#c0392b";
    for (const t of sig.beats_s || []) {
      if (t < state.t0 || t > t1) continue;
      const x = X(t); ctx.beginPath(); ctx.moveTo(x - 4, 2); ctx.lineTo(x + 4, 2); ctx.lineTo(x, 10); ctx.closePath(); ctx.fill();
    }
    // stretches graded unusable (quality.unusable_segments): grey over their lane, left out of the measurements
    const lane = state.laneMm * mm;
    const doc = state.doc || {}, q = doc.quality || {}, bad = q.unusable_segments || [];
    // quality names the analysed ECG leads in the recording's ECG-channel order, in the standard
    // spelling ("Lead II" is "II"): back to the recorded channel names
    const chans = (doc.recording && doc.recording.channels) || [];
    let ecgChans = chans.filter((c) => c.kind === "ecg");
    if (!ecgChans.length && chans.every((c) => c.kind === "other")) ecgChans = chans;  // unlabelled: ECG
    const recorded = {};
    (q.leads || []).forEach((lq, i) => { if (i < ecgChans.length) recorded[String(lq.lead).toLowerCase()] = String(ecgChans[i].name).toLowerCase(); });
    let shaded = false;
    ctx.fillStyle = "rgba(154, 154, 154, 0.28)";
    sig.channels.forEach((ch, j) => {
      for (const u of bad) {
        const lead = String(u.lead).toLowerCase();
        if ((recorded[lead] || lead) !== String(ch.name).toLowerCase()) continue;
        const a = Math.max(u.start_s, state.t0), b = Math.min(u.stop_s, t1);
        if (b <= a) continue;
        ctx.fillRect(X(a), 14 + lane * j, X(b) - X(a), lane);
        shaded = true;
      }
    });
    if (shaded) $("window-label").textContent += " (grey: unusable, not measured)";
    // the P waves an AV block did not conduct (the AV-block statement's evidence.blocked_p_s): a red "P" on top
    const blockedP = (doc.statements || []).filter((s) => s.category === "av_conduction")
      .flatMap((s) => (s.evidence || {}).blocked_p_s || []).filter((t) => t >= state.t0 && t <= t1);
    ctx.fillStyle = "#d62728"; ctx.font = "bold 11px system-ui, sans-serif";
    for (const t of blockedP) ctx.fillText("P", X(t) - 3, 12);
    if (blockedP.length) $("window-label").textContent += " (red P: P wave not conducted)";
    // traces
    ctx.font = "bold 12px system-ui, sans-serif";
    sig.channels.forEach((ch, j) => {
      const y0 = 14 + lane * (j + 0.5);
      const ys = sig.signals[j];
      const unit = (ch.unit || "").toLowerCase();
      const toMv = unit === "uv" || unit === "µv" ? 1e-3 : unit === "v" ? 1e3 : 1;
      // baseline: median of the window, so wandering offsets do not push traces off the lane
      const sorted = ys.slice(0, 2000).sort((a, b) => a - b);
      const base = sorted.length ? sorted[sorted.length >> 1] : 0;
      ctx.strokeStyle = "#111"; ctx.lineWidth = 1.1; ctx.beginPath();
      let first = true;
      const i0 = Math.max(0, Math.floor((state.t0 - sig.t0_s) / sig.dt_s) - 1);
      const i1 = Math.min(ys.length, Math.ceil((t1 - sig.t0_s) / sig.dt_s) + 2);
      for (let i = i0; i < i1; i++) {
        const x = X(sig.t0_s + i * sig.dt_s), y = y0 - (ys[i] - base) * toMv * pxPerMv;
        if (first) { ctx.moveTo(x, y); first = false; } else ctx.lineTo(x, y);
      }
      ctx.stroke();
      ctx.fillStyle = "#222"; ctx.fillText(ch.name, 6, y0 - lane * 0.3);
    });
  }

  // -- controls ----------------------------------------------------------------------
  function setT0(t) {
    state.t0 = Math.max(0, Math.min(t, Math.max(0, state.duration - visibleSeconds())));
    $("scroll").value = state.t0;
    draw(); scheduleLoad();
  }
  let loadTimer = null;
  function scheduleLoad() { clearTimeout(loadTimer); loadTimer = setTimeout(loadWindow, 120); }
  function zoom(f) {
    const centre = state.t0 + visibleSeconds() / 2;
    state.pxPerMm = Math.max(1, Math.min(16, state.pxPerMm * f));
    layout(); setT0(centre - visibleSeconds() / 2);
  }

  $("zoom-in").onclick = () => zoom(1.5);
  $("zoom-out").onclick = () => zoom(1 / 1.5);
  $("speed").onchange = (e) => { state.speed = parseFloat(e.target.value); layout(); setT0(state.t0); };
  $("gain").onchange = (e) => { state.gain = parseFloat(e.target.value); draw(); };
  $("scroll").oninput = (e) => setT0(parseFloat(e.target.value));
  const wrap = $("plot-wrap");
  wrap.addEventListener("wheel", (e) => {
    if (e.ctrlKey) { e.preventDefault(); zoom(e.deltaY < 0 ? 1.25 : 0.8); return; }
    if (Math.abs(e.deltaX) > Math.abs(e.deltaY) || e.shiftKey) {
      e.preventDefault();
      setT0(state.t0 + (e.deltaX || e.deltaY) / (state.pxPerMm * state.speed));
    }
  }, { passive: false });
  let drag = null;
  wrap.addEventListener("pointerdown", (e) => { drag = { x: e.clientX, t0: state.t0 }; wrap.classList.add("dragging"); });
  window.addEventListener("pointerup", () => { drag = null; wrap.classList.remove("dragging"); });
  window.addEventListener("pointermove", (e) => {
    if (drag) setT0(drag.t0 - (e.clientX - drag.x) / (state.pxPerMm * state.speed));
  });
  window.addEventListener("resize", () => {
    if (!state.doc) return;
    if (state.doc.holter) { drawTrend(state.doc.holter); return; }
    layout(); setT0(state.t0);
  });

  $("key-form").onsubmit = (e) => {
    e.preventDefault();
    const k = $("api-key").value.trim();
    if (k) sessionStorage.setItem(KEY, k); else sessionStorage.removeItem(KEY);
    $("api-key").value = "";
    showKeyState();
  };

  $("upload-form").onsubmit = async (e) => {
    e.preventDefault();
    const files = $("upload-files").files;
    if (!files.length) { setStatus("choose the file(s) of one recording first", true); return; }
    const fd = new FormData();
    for (const f of files) fd.append("file", f, f.name);
    if ($("f-age").value) fd.append("age_years", $("f-age").value);
    if ($("f-sex").value) fd.append("sex", $("f-sex").value);
    if ($("f-fs").value) fd.append("fs", $("f-fs").value);
    setStatus("uploading and analysing…");
    try {
      const r = await api("/v1/analyses", { method: "POST", body: fd });
      const doc = await r.json();
      setStatus("analysed: " + (doc.source || doc.id.slice(0, 12)));
      showDoc(doc);
    } catch (err) { setStatus(err.message, true); }
  };

  async function openId(id) {
    setStatus("loading " + id.slice(0, 12) + "…");
    try {
      const r = await api("/v1/analyses/" + id);
      showDoc(await r.json());
      setStatus("");
    } catch (err) { setStatus(err.message, true); }
  }
  $("open-form").onsubmit = (e) => { e.preventDefault(); const id = $("open-id").value.trim().toLowerCase(); if (id) openId(id); };

  document.querySelectorAll("[data-report]").forEach((b) => {
    b.onclick = async () => {
      if (!state.id) return;
      setStatus("rendering " + b.dataset.report + "…");
      try {
        const r = await api("/v1/analyses/" + state.id + "/" + b.dataset.report);
        const url = URL.createObjectURL(await r.blob());
        window.open(url, "_blank");
        setStatus("");
      } catch (err) { setStatus(err.message, true); }
    };
  });

  showKeyState();
  const m = /#id=([0-9a-f]{64})/.exec(location.hash);
  if (m && apiKey()) openId(m[1]);
})();
