// The llmstxt web page: submit a crawl over the WebSocket, show progress, then the result.
"use strict";

const $ = (id) => document.getElementById(id);
const MAX_LOG_LINES = 500;
const state = { socket: null, jobId: null, token: "", result: "", failed: false, finished: false };

function show(el, visible) {
  el.hidden = !visible;
}

function showError(message) {
  $("error").textContent = message;
  show($("error"), Boolean(message));
  if (message) state.failed = true;
}

function setBusy(busy) {
  $("start").disabled = busy;
  $("start").textContent = busy ? "Generating…" : "Generate";
  show($("cancel"), busy);
}

function addLog(line) {
  const log = $("log");
  const item = document.createElement("li");
  item.textContent = line;
  log.append(item);
  while (log.childElementCount > MAX_LOG_LINES) log.firstElementChild.remove();
  log.scrollTop = log.scrollHeight;
}

function showProgress(p) {
  for (const name of ["found", "fetched", "kept", "skipped", "errors"]) {
    $(`c-${name}`).textContent = String(p[name] ?? 0);
  }
  const total = Math.min(p.max_pages || Infinity, Math.max(p.found || 0, p.fetched || 0));
  const bar = $("bar");
  if (p.phase === "composing" || p.phase === "done") bar.value = bar.max;
  else if (total > 0 && Number.isFinite(total)) bar.value = Math.round((100 * (p.fetched || 0)) / total);
  $("status").textContent = `${p.phase}: ${p.fetched || 0} fetched, ${p.kept || 0} kept`;
}

function showResult(text) {
  state.result = text;
  $("result").value = text;
  show($("result-panel"), true);
  $("bar").value = $("bar").max;
}

function showHosted(url) {
  const link = $("hosted");
  link.href = url;
  link.textContent = url;
}

const handlers = {
  job: (c) => { state.jobId = c.id; },
  log: (c) => addLog(c),
  progress: (c) => showProgress(c),
  status: (c) => { $("status").textContent = `Job ${c}`; if (c === "succeeded") state.finished = true; },
  result: (c) => showResult(c),
  url: (c) => showHosted(c),
  error: (c) => { showError(c); addLog(`Error: ${c}`); },
  ping: () => {},
};

function onMessage(event) {
  let message;
  try {
    message = JSON.parse(event.data);
  } catch {
    return;
  }
  const handle = handlers[message.type];
  if (handle) handle(message.content);
}

async function fetchToken(key) {
  if (!key) return "";
  const response = await fetch("/auth/token", { method: "POST", headers: { "X-API-Key": key } });
  if (!response.ok) throw new Error("The API key was refused.");
  return (await response.json()).token;
}

function socketUrl(token) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = token ? `?token=${encodeURIComponent(token)}` : "";
  return `${scheme}//${location.host}/ws/crawl${query}`;
}

function readForm() {
  const url = $("url").value.trim();
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("Enter a full address that starts with http:// or https://");
  }
  if (!["http:", "https:"].includes(parsed.protocol)) throw new Error("Only http and https addresses can be crawled.");
  const maxPages = Number($("max-pages").value);
  if (!Number.isInteger(maxPages) || maxPages < 1) throw new Error("Max pages must be a whole number of at least 1.");
  const auto = $("auto-update").checked;
  const interval = Number($("interval").value);
  if (auto && (!Number.isInteger(interval) || interval < 60)) throw new Error("The update interval must be at least 60 minutes.");
  return {
    url, maxPages, full: $("full").checked, descLength: 0,
    enableAutoUpdate: auto, recrawlIntervalMinutes: auto ? interval : null,
  };
}

function reset() {
  showError("");
  state.failed = false;
  state.finished = false;
  state.jobId = null;
  state.result = "";
  $("log").replaceChildren();
  $("bar").removeAttribute("value");
  $("status").textContent = "Connecting…";
  for (const name of ["found", "fetched", "kept", "skipped", "errors"]) $(`c-${name}`).textContent = "0";
  show($("result-panel"), false);
  show($("progress-panel"), true);
}

async function start(event) {
  event.preventDefault();
  let payload;
  try {
    payload = readForm();
  } catch (error) {
    showError(error.message);
    $("url").focus();
    return;
  }
  reset();
  setBusy(true);
  try {
    state.token = await fetchToken($("api-key").value.trim());
  } catch (error) {
    showError(error.message);
    setBusy(false);
    return;
  }
  const socket = new WebSocket(socketUrl(state.token));
  state.socket = socket;
  socket.onopen = () => { addLog(`Starting crawl of ${payload.url}`); socket.send(JSON.stringify(payload)); };
  socket.onmessage = onMessage;
  socket.onerror = () => { if (!state.failed) showError("Connection to the service failed."); };
  socket.onclose = () => {
    setBusy(false);
    state.socket = null;
    if (!state.result && !state.failed) showError("The connection closed before a result arrived.");
    if (state.result) $("result").focus();
  };
}

async function cancel() {
  if (!state.jobId) return state.socket?.close();
  const headers = state.token ? { Authorization: `Bearer ${state.token}` } : {};
  const response = await fetch(`/api/v1/jobs/${state.jobId}`, { method: "DELETE", headers });
  if (!response.ok) showError("The job could not be cancelled.");
}

async function copyResult() {
  try {
    await navigator.clipboard.writeText(state.result);
  } catch {
    $("result").select();
    document.execCommand("copy");
  }
  $("copied").textContent = "Copied.";
  setTimeout(() => { $("copied").textContent = ""; }, 2000);
}

function downloadResult() {
  const blob = new Blob([state.result], { type: "text/markdown;charset=utf-8" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = "llms.txt";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  $("generate").addEventListener("submit", start);
  $("cancel").addEventListener("click", cancel);
  $("copy").addEventListener("click", copyResult);
  $("download").addEventListener("click", downloadResult);
  $("auto-update").addEventListener("change", (e) => { $("interval").disabled = !e.target.checked; });
});
