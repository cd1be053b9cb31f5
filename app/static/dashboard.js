// Callup dashboard: plain JavaScript over the JSON API, with the key the user pastes in.
// The key lives in sessionStorage (this tab only). Every value from the API is put into the
// page as text, never as HTML.
"use strict";

const KEY_STORAGE = "callup.apiKey";
const WAIT_SECONDS = 10; // Prefer: wait for a prediction; then poll the job
const POLL_MS = 500;
const POLL_LIMIT_MS = 60000;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// --- the API -------------------------------------------------------------------------------

function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE) || "";
}

class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "";
    this.retryAfter = retryAfter;
  }
}

async function api(path, options = {}) {
  const headers = Object.assign({ Accept: "application/json" }, options.headers || {});
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch(path, Object.assign({}, options, { headers }));
  } catch (err) {
    throw new ApiError(0, { error: { message: "the API cannot be reached" } });
  }
  let body = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try { body = await response.json(); } catch (err) { body = null; }
  }
  if (!response.ok) {
    throw new ApiError(response.status, body, response.headers.get("Retry-After"));
  }
  return { status: response.status, body, headers: response.headers };
}

// A sentence for an error, with what to do about it.
function explain(err, notFound) {
  switch (err.status) {
    case 0: return "The API cannot be reached. Is it running?";
    case 401: return "The key was not accepted (401). Paste a valid key above.";
    case 403: return `This key's role may not do that (403): ${err.message}`;
    case 404: return notFound || `Not found: ${err.message}`;
    case 409: return err.message;
    case 429: return `Rate limit reached; try again in ${err.retryAfter || "a few"} seconds.`;
    case 503: return `Temporarily unavailable: ${err.message}. Retry in ${err.retryAfter || "a few"} seconds.`;
    default: return `Error ${err.status}: ${err.message}`;
  }
}

function show(id, text, kind) {
  const node = $(id);
  node.textContent = text || "";
  node.hidden = !text;
  node.className = `message ${kind || ""}`;
}

function needKey(id) {
  if (apiKey()) return false;
  show(id, "Paste an API key above to load this.", "empty");
  return true;
}

// --- the key -------------------------------------------------------------------------------

function initKey() {
  const input = $("api-key");
  input.value = apiKey();
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
    refreshAll();
  });
  $("forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORAGE);
    input.value = "";
    refreshAll();
  });
}

function keyStatus(text, kind) {
  const node = $("key-status");
  node.textContent = text;
  node.className = `status ${kind || ""}`;
}

// --- the ranking ---------------------------------------------------------------------------

const board = { rows: [], sortKey: "rank", ascending: true };

async function loadRanking() {
  $("ranking-table").hidden = true;
  $("ranking-meta").textContent = "";
  if (needKey("ranking-message")) return;
  show("ranking-message", "Loading the latest ranking…", "loading");
  try {
    const { body } = await api("/api/ml/rankings/latest?per_page=500");
    board.rows = body.items || [];
    const r = body.ranking || {};
    const model = r.model ? `model ${r.model.name} v${r.model.version} (${r.model.variant})` : "";
    $("ranking-meta").textContent =
      `Ranking #${r.ranking_id} as of ${r.as_of}, ${model}; ${body.total} prospects` +
      (body.total > board.rows.length ? `, showing the top ${board.rows.length}` : "") + ".";
    show("ranking-message", board.rows.length ? "" : "This ranking has no rows.", "empty");
    renderRanking();
  } catch (err) {
    board.rows = [];
    show("ranking-message", explain(err,
      "No ranking yet. Start one with POST /api/ml/rankings (see API docs); it appears here when it has finished."),
      err.status === 404 ? "empty" : "error");
  }
}

function matches(row, text, kind) {
  if (kind && row.kind !== kind) return false;
  if (!text) return true;
  const hay = [row.name, row.organization, row.position, row.level, row.prospect_id]
    .join(" ").toLowerCase();
  return text.toLowerCase().split(/\s+/).every((word) => hay.includes(word));
}

function compare(key, numeric) {
  return (a, b) => {
    const x = a[key], y = b[key];
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return numeric ? x - y : String(x).localeCompare(String(y));
  };
}

function renderRanking() {
  const table = $("ranking-table");
  const tbody = table.querySelector("tbody");
  const header = table.querySelector(`th[data-key="${board.sortKey}"]`);
  const numeric = header && header.dataset.type === "number";
  const text = $("ranking-filter").value.trim();
  const kind = $("ranking-kind").value;
  const rows = board.rows.filter((row) => matches(row, text, kind)).sort(compare(board.sortKey, numeric));
  if (!board.ascending) rows.reverse();
  for (const th of table.querySelectorAll("th")) {
    th.setAttribute("aria-sort", th.dataset.key === board.sortKey
      ? (board.ascending ? "ascending" : "descending") : "none");
  }
  tbody.replaceChildren(...rows.map((row) => {
    const tr = el("tr", { "data-prospect-id": row.prospect_id, title: "Click to predict" },
      el("td", { class: "num" }, row.rank),
      el("td", {}, row.name),
      el("td", {}, row.organization),
      el("td", {}, row.position),
      el("td", {}, row.level || "–"),
      el("td", { class: "num" }, row.age === null || row.age === undefined ? "–" : Number(row.age).toFixed(1)),
      el("td", { class: "num" }, percent(row.probability)),
      el("td", {}, el("span", { class: `badge ${row.confidence}` }, row.confidence)));
    tr.addEventListener("click", () => {
      $("predict-id").value = row.prospect_id;
      predict();
    });
    return tr;
  }));
  table.hidden = board.rows.length === 0;
  if (board.rows.length && !rows.length) show("ranking-message", "No prospect matches the filter.", "empty");
  else if (board.rows.length) show("ranking-message", "");
}

function initRanking() {
  for (const th of $("ranking-table").querySelectorAll("th")) {
    th.addEventListener("click", () => {
      if (board.sortKey === th.dataset.key) board.ascending = !board.ascending;
      else { board.sortKey = th.dataset.key; board.ascending = th.dataset.key !== "probability"; }
      renderRanking();
    });
  }
  $("ranking-filter").addEventListener("input", renderRanking);
  $("ranking-kind").addEventListener("change", renderRanking);
  $("ranking-refresh").addEventListener("click", loadRanking);
  $("ranking-start").addEventListener("click", startRanking);
}

// Start today's ranking (analysts and admins) and follow its chunks until it is on the board.
async function startRanking() {
  if (needKey("ranking-message")) return;
  $("ranking-start").disabled = true;
  try {
    const answer = await api("/api/ml/rankings", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
    });
    if (answer.status === 200) {
      show("ranking-message", "Today's ranking is already built.");
      await loadRanking();
      return;
    }
    await followRanking(answer.body.status_url);
    await loadRanking();
  } catch (err) {
    $("ranking-progress-line").hidden = true;
    show("ranking-message", err.status === 403
      ? "Starting a ranking needs an analyst or admin key (403)." : explain(err), "error");
  } finally {
    $("ranking-start").disabled = false;
  }
}

async function followRanking(url) {
  $("ranking-progress-line").hidden = false;
  for (;;) {
    const { body } = await api(url);
    const p = body.progress || { done: 0, total: 0 };
    $("ranking-progress").max = Math.max(p.total, 1);
    $("ranking-progress").value = p.done;
    $("ranking-progress-text").textContent =
      `Ranking ${body.status}: ${p.done} of ${p.total || "?"} chunks scored`;
    if (body.status === "succeeded") break;
    if (body.status === "failed") {
      throw new ApiError(409, { error: body.error || { message: "the ranking failed" } });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  $("ranking-progress-text").textContent = "Ranking finished.";
}

// --- a prediction --------------------------------------------------------------------------

function percent(p) {
  return typeof p === "number" ? `${(p * 100).toFixed(1)}%` : "–";
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function pollJob(url) {
  const deadline = Date.now() + POLL_LIMIT_MS;
  while (Date.now() < deadline) {
    const { body } = await api(url);
    if (body.status === "succeeded") return body.result;
    if (body.status === "failed") {
      throw new ApiError(409, { error: body.error || { message: "the prediction failed" } });
    }
    show("predict-message", `Job ${body.status}…`, "loading");
    await sleep(POLL_MS);
  }
  throw new ApiError(504, { error: { message: "the prediction did not finish in time; try again" } });
}

async function predict() {
  if (needKey("predict-message")) return;
  const query = $("predict-id").value.trim();
  $("predict-matches").hidden = true;
  if (!/^[0-9]+$/.test(query)) {
    await searchByName(query);
    return;
  }
  await predictId(Number(query));
}

// A name (or part of one): the prospects it matches; one match is predicted at once.
async function searchByName(text) {
  if (!text) {
    show("predict-message", "Enter a name or a prospect id.", "error");
    return;
  }
  show("predict-message", "Searching…", "loading");
  try {
    const found = await api(`/api/ml/prospects?q=${encodeURIComponent(text)}&per_page=10`);
    const items = found.body.items || [];
    if (!items.length) {
      show("predict-message", `No prospect's name contains “${text}”.`, "error");
      return;
    }
    if (items.length === 1) {
      await predictId(items[0].id);
      return;
    }
    show("predict-message", `${found.body.total} prospects match; pick one.`);
    $("predict-matches").replaceChildren(...items.map((p) => {
      const button = el("button", { type: "button", class: "secondary", "data-prospect-id": p.id },
        `${p.name} · ${p.position} · ${p.organization}${p.level ? " · " + p.level : ""} (#${p.id})`);
      button.addEventListener("click", () => {
        $("predict-matches").hidden = true;
        predictId(p.id);
      });
      return el("li", {}, button);
    }));
    $("predict-matches").hidden = false;
  } catch (err) {
    show("predict-message", explain(err, "No prospect found."), "error");
  }
}

async function predictId(id) {
  const body = { prospect_id: id };
  if ($("predict-as-of").value) body.as_of = $("predict-as-of").value;
  show("predict-message", "Predicting…", "loading");
  $("predict-button").disabled = true;
  try {
    const answer = await api("/api/ml/predict", {
      method: "POST",
      headers: { "Content-Type": "application/json", Prefer: `wait=${WAIT_SECONDS}` },
      body: JSON.stringify(body),
    });
    const result = answer.status === 200 ? answer.body.result : await pollJob(answer.body.status_url);
    renderPrediction(result, answer.body.cached);
    show("predict-message", "");
  } catch (err) {
    $("prediction").hidden = true;
    show("predict-message", explain(err, `No prospect with id ${id}.`), "error");
  } finally {
    $("predict-button").disabled = false;
  }
}

function renderPrediction(result, cached) {
  $("prediction-name").textContent = `${result.prospect_name} (#${result.prospect_id})`;
  const badge = $("prediction-confidence");
  if (result.probability === null) {
    // Not a prospect: the rule that excludes him, no number.
    $("prediction-model").textContent = `as of ${result.as_of}${cached ? " · from cache" : ""}`;
    $("prediction-probability").textContent = "not a prospect";
    badge.textContent = (result.eligibility && result.eligibility.reason || "").replace("_", " ");
    badge.className = "badge low";
    $("narrative").textContent = result.narrative || "";
    $("prediction-eligibility").textContent = (result.eligibility || {}).message || "";
    $("prediction-interval").textContent = "";
    $("confidence-reasons").replaceChildren();
    $("prediction-chart").replaceChildren();
    $("prediction-comparables").replaceChildren();
    $("prediction").hidden = false;
    return;
  }
  const m = result.model || {};
  $("prediction-model").textContent =
    `as of ${result.as_of} · model ${m.name} v${m.version} (${m.variant})${cached ? " · from cache" : ""}`;
  $("prediction-probability").textContent = percent(result.probability);
  badge.textContent = `${result.confidence} confidence`;
  badge.className = `badge ${result.confidence}`;
  $("narrative").textContent = result.narrative || "";
  $("confidence-reasons").replaceChildren(
    ...(result.confidence_reasons || []).map((reason) => el("li", {}, reason)));
  const span = result.interval;
  $("prediction-interval").textContent = span
    ? `${Math.round(span.level * 100)}% interval: ${percent(span.low)}–${percent(span.high)}` : "";
  $("prediction-eligibility").textContent = (result.eligibility || {}).message || "";
  $("prediction-chart-title").textContent =
    `What moved the chance (percentage points from the ${percent(result.base_rate)} base rate)`;
  drawGroups($("prediction-chart"), result.groups || []);
  const similar = result.comparables || [];
  $("prediction-comparables").replaceChildren(similar.length
    ? table(["name", "season", "level", "age", "FV", "what became of him"],
      similar.map((c) => [c.name, c.season, c.level, c.age, c.fv === null ? "–" : c.fv, c.outcome]),
      "comparables")
    : el("p", { class: "meta" }, "No earlier prospect at his level to compare with."));
  $("prediction").hidden = false;
}

// The concept groups as bars in percentage points; their facts in each bar's tooltip.
function drawGroups(container, groups) {
  const rows = groups.filter((g) => g.points !== 0).map((g) => ({
    feature: g.facts.join("; "), label: g.label, value: null, contribution: g.points,
  }));
  drawContributions(container, rows, [], { unit: " pts", digits: 1, named: true });
}

// Horizontal bars around a zero line: for (green, right), against (red, left).
function drawContributions(container, pro, con, style = { unit: "", digits: 3, named: false }) {
  const NS = "http://www.w3.org/2000/svg";
  const rows = [...pro, ...con].sort((a, b) => b.contribution - a.contribution);
  if (!rows.length) {
    container.replaceChildren(el("p", { class: "meta" }, "No contribution stood out."));
    return;
  }
  const width = 720, labelWidth = 260, rowHeight = 30, pad = 24;
  const height = rows.length * rowHeight + pad * 2;
  const maxAbs = Math.max(...rows.map((r) => Math.abs(r.contribution)), 1e-9);
  const half = (width - labelWidth - 80) / 2;
  const zero = labelWidth + 40 + half;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Top contributions for and against success");
  const add = (tag, attrs, text) => {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    svg.append(node);
    return node;
  };
  rows.forEach((row, i) => {
    const y = pad + i * rowHeight;
    const length = (Math.abs(row.contribution) / maxAbs) * half;
    const positive = row.contribution >= 0;
    const value = row.value === null || row.value === undefined ? "missing" : row.value;
    add("text", { x: labelWidth, y: y + rowHeight / 2 + 4, "text-anchor": "end", class: "label" },
      style.named ? row.label : `${row.label} = ${value}`);
    const bar = add("rect", {
      x: positive ? zero : zero - length, y: y + 5, width: Math.max(length, 1), height: rowHeight - 10,
      class: `bar ${positive ? "for" : "against"}`,
    });
    bar.append(Object.assign(document.createElementNS(NS, "title"),
      { textContent: style.named ? row.feature
        : `${row.feature} (${value}): ${row.contribution >= 0 ? "+" : ""}${row.contribution}` }));
    add("text", {
      x: positive ? zero + length + 4 : zero - length - 4, y: y + rowHeight / 2 + 4,
      "text-anchor": positive ? "start" : "end", class: "value",
    }, `${positive ? "+" : ""}${Number(row.contribution).toFixed(style.digits)}${style.unit}`);
  });
  add("line", { x1: zero, x2: zero, y1: pad / 2, y2: height - pad / 2, class: "axis" });
  add("text", { x: zero - 6, y: height - 4, "text-anchor": "end", class: "legend against" }, "← against");
  add("text", { x: zero + 6, y: height - 4, "text-anchor": "start", class: "legend for" }, "for →");
  container.replaceChildren(svg);
}

// --- models and the A/B test ---------------------------------------------------------------

function scalar(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(4);
  if (Array.isArray(value)) return value.map(scalar).join(", ");
  if (typeof value === "object") return Object.entries(value).map(([k, v]) => `${k}: ${scalar(v)}`).join("; ");
  return String(value);
}

function table(headers, rows, className) {
  return el("table", { class: className || "data" },
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c))))));
}

function badges(names) {
  const list = (names || []).map((name) => el("span", { class: `badge alias ${name}` }, name));
  return list.length ? el("span", {}, ...list) : "–";
}

function day(iso) {
  return iso ? String(iso).replace("T", " ").slice(0, 16) : "–";
}

// The model's moves, its alerts, and the feed's ingest jobs (each run, and a held batch forced in).
const HISTORY_KINDS = ["rollback", "promotion", "alert", "ingest"];

async function loadModels() {
  const target = $("models-body");
  target.replaceChildren();
  if (needKey("models-message")) return;
  show("models-message", "Loading models…", "loading");
  try {
    const { body } = await api("/api/ml/models");
    const versions = body.versions || [];
    const parts = [el("p", { class: "meta" },
      `${body.name}: champion ${body.champion ? "v" + body.champion : "none"}, ` +
      `challenger ${body.challenger ? "v" + body.challenger : "none"}.`)];
    parts.push(versions.length
      ? table(["Version", "Aliases", "Decision", "Registered", "Trained through", "AUC", "Brier", "ECE", "n"],
        versions.map((v) => {
          const h = v.holdout || {};
          return [`v${v.version}`, badges(v.aliases), v.decision, day(v.registered_at),
            v.trained_through || "–", scalar(h.auc), scalar(h.brier), scalar(h.ece), scalar(h.n)];
        }), "data models")
      : el("p", { class: "message empty" }, "No model version is registered yet (callup train)."));
    const moves = (body.history || []).filter((e) => HISTORY_KINDS.includes(e.kind));
    parts.push(el("h3", {}, "Promotions, rollbacks, alerts and feed ingests"));
    parts.push(moves.length
      ? table(["When", "Event", "From → to", "Trigger", "By", "Reason"], moves.map((e) => [
        day(e.at), e.kind, `${e.from_version ? "v" + e.from_version : "–"} → ${e.to_version ? "v" + e.to_version : "–"}`,
        e.trigger, e.actor || "–", e.reason]), "data history")
      : el("p", { class: "meta" }, "No promotion, rollback, alert or feed ingest yet."));
    const run = body.last_monitor_run;
    if (run) {
      parts.push(el("p", { class: "meta" },
        `Last monitoring run ${day(run.at)}: ${run.verdict} (${run.action}) on ${run.n_outcomes} outcomes — ${run.reason}`));
    }
    target.replaceChildren(...parts);
    show("models-message", "");
  } catch (err) {
    show("models-message", explain(err, "Model versions are not available from this API."),
      err.status === 404 ? "empty" : "error");
  }
}

function flatten(object, prefix, out) {
  for (const [key, value] of Object.entries(object || {})) {
    const name = prefix ? `${prefix} ${key}` : key;
    if (value && typeof value === "object" && !Array.isArray(value)) flatten(value, name, out);
    else out[name] = value;
  }
  return out;
}

async function loadExperiment() {
  const target = $("experiment-body");
  target.replaceChildren();
  if (needKey("experiment-message")) return;
  show("experiment-message", "Loading the A/B comparison…", "loading");
  try {
    const { body } = await api("/api/ml/experiments/current");
    if (!body.active) {
      show("experiment-message", body.message || "No A/B experiment is running.", "empty");
      return;
    }
    const share = typeof body.share === "number" ? `${Math.round(body.share * 100)}%` : "?";
    const parts = [el("p", { class: "meta" },
      `Champion v${body.champion} against challenger v${body.challenger}; the challenger serves ${share} of users` +
      (body.since ? ` since ${day(body.since)}.` : "."))];
    const variants = body.variants || {};
    const champion = flatten(variants.champion, "", {});
    const challenger = flatten(variants.challenger, "", {});
    const holdout = body.holdout || {};
    flatten(holdout.champion, "holdout", champion);
    flatten(holdout.challenger, "holdout", challenger);
    const rows = [...new Set([...Object.keys(champion), ...Object.keys(challenger)])]
      .map((name) => [name.replaceAll("_", " "), scalar(champion[name]), scalar(challenger[name])]);
    parts.push(table(["", `Champion v${body.champion}`, `Challenger v${body.challenger}`], rows, "data ab"));
    const agreement = flatten(body.agreement, "", {});
    if (Object.keys(agreement).length) {
      parts.push(el("h3", {}, "Agreement"));
      parts.push(table(["", ""], Object.entries(agreement).map(([k, v]) => [k.replaceAll("_", " "), scalar(v)]), "data kv"));
    }
    target.replaceChildren(...parts);
    show("experiment-message", "");
  } catch (err) {
    show("experiment-message", explain(err, "The A/B report is not available from this API."),
      err.status === 404 ? "empty" : "error");
  }
}

// --- start ---------------------------------------------------------------------------------

async function refreshAll() {
  if (!apiKey()) {
    keyStatus("Paste an API key (from `callup keys create`) to load data. It is kept in this tab only.");
  } else {
    keyStatus("Using the key from this tab.", "ok");
  }
  await Promise.all([loadRanking(), loadModels(), loadExperiment()]);
  if (apiKey() && document.querySelector(".message.error")?.textContent.includes("(401)")) {
    keyStatus("The key was not accepted: paste a valid one.", "error");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  initKey();
  initRanking();
  $("predict-form").addEventListener("submit", (event) => { event.preventDefault(); predict(); });
  $("models-refresh").addEventListener("click", loadModels);
  $("experiment-refresh").addEventListener("click", loadExperiment);
  refreshAll();
});
