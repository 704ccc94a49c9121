// MemoryPlatform web page: plain JS against the public /v1 API (no build step, no CDN).
"use strict";

const $ = (id) => document.getElementById(id);
const state = { key: localStorage.getItem("memplat.key") || "", model: null, docs: [], selected: null, poll: null, query: null, file: null };

// ---------- API ----------

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(path, { method = "GET", body, headers = {}, key = state.key, signal } = {}) {
  const init = { method, headers: { ...headers }, signal };
  if (key) init.headers.Authorization = "Bearer " + key;
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
  const response = await fetch(path, init);
  if (!response.ok) throw await toError(response);
  return response.status === 204 ? null : response.json();
}

async function toError(response) {
  let code = "http_" + response.status, message = response.statusText || "request failed";
  try { const e = (await response.json()).error; code = e.code; message = e.message; } catch { /* not the error shape */ }
  if (response.status === 429) {
    const after = response.headers.get("Retry-After");
    if (after) message += ` (retry in ${after} s)`;
  }
  return new ApiError(response.status, code, message);
}

// ---------- formatting ----------

const fmtInt = (n) => Number(n).toLocaleString("en-US");
function fmtBytes(n) {
  if (!n) return "0 B";
  const units = ["B", "KB", "MB", "GB", "TB"];
  const i = Math.min(units.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
  return (n / Math.pow(1024, i)).toFixed(i === 0 ? 0 : 1) + " " + units[i];
}
const fmtRatio = (r) => !isFinite(r) || r <= 0 ? "—" : (r >= 10 ? r.toFixed(0) : r.toFixed(1)) + "×";

let toastTimer;
function toast(message, isError = true) {
  const t = $("toast");
  t.textContent = message;
  t.className = "toast" + (isError ? " error" : "");
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 5000);
}

// ---------- session ----------

function setSession(connected, label) {
  $("session-dot").classList.toggle("on", connected);
  $("session-label").textContent = label;
  $("disconnect").hidden = !connected;
  $("upload").disabled = !connected;
  updateAskButton();
}

async function connect(key) {
  state.key = key.trim();
  if (!state.key) { toast("Enter an API key first."); return; }
  try {
    const tenant = await api("/v1/tenant");
    localStorage.setItem("memplat.key", state.key);
    setSession(true, tenant.name + " · " + tenant.tenant_id);
    await refreshDocs();
  } catch (e) {
    setSession(false, "Not connected");
    toast(e.status === 401 ? "That API key was not accepted." : e.message);
  }
}

function disconnect() {
  localStorage.removeItem("memplat.key");
  state.key = ""; state.docs = []; state.selected = null;
  $("api-key").value = "";
  setSession(false, "Not connected");
  renderDocs();
  showMemory(null);
}

async function createTenant(event) {
  event.preventDefault();
  const admin = $("admin-key").value.trim(), name = $("tenant-name").value.trim();
  if (!admin || !name) { toast("The admin key and a tenant name are both needed."); return; }
  try {
    const created = await api("/v1/tenants", { method: "POST", body: { name }, key: admin });
    $("new-key-value").textContent = created.api_key;
    $("new-key").hidden = false;
    $("api-key").value = created.api_key;
    $("admin-key").value = "";
    await connect(created.api_key);
  } catch (e) { toast(e.message); }
}

// ---------- documents ----------

async function refreshDocs() {
  if (!state.key) return;
  try {
    state.docs = (await api("/v1/documents")).documents;
    renderDocs();
  } catch (e) { toast(e.message); }
}

function renderDocs() {
  const list = $("docs");
  list.replaceChildren();
  if (!state.docs.length) {
    const li = document.createElement("li");
    li.className = "empty";
    li.textContent = state.key ? "No documents yet. Add one above." : "Connect to see your documents.";
    list.append(li);
    return;
  }
  for (const d of state.docs) {
    const li = document.createElement("li");
    li.dataset.id = d.id;
    li.className = d.id === state.selected?.id ? "selected" : "";
    const name = document.createElement("span"); name.className = "name"; name.textContent = d.id;
    const meta = document.createElement("span"); meta.className = "meta"; meta.textContent = `${fmtInt(d.tokens)} tokens · ${fmtBytes(d.memory_bytes)}`;
    const chip = document.createElement("span"); chip.className = "chip " + d.status; chip.textContent = d.status;
    const right = document.createElement("span"); right.className = "row"; right.append(meta, chip);
    li.append(name, right);
    li.addEventListener("click", () => select(d));
    list.append(li);
  }
}

function select(doc) {
  state.selected = doc;
  renderDocs();
  showMemory(doc);
  $("reconstructed").hidden = true;
  if (doc.status === "encoding") watch(doc.id);
}

async function upload(event) {
  event.preventDefault();
  const text = $("doc-text").value, id = $("doc-id").value.trim();
  let request;
  if (state.file) {
    const form = new FormData();
    form.append("file", state.file, state.file.name);
    if (id) form.append("id", id);
    request = { method: "POST", body: form };
  } else {
    if (!text.trim()) { toast("Paste some text or choose a file first."); return; }
    request = { method: "POST", body: id ? { id, text } : { text } };
  }
  $("upload").disabled = true;
  try {
    const doc = await api("/v1/documents", request);
    $("doc-text").value = ""; $("doc-id").value = ""; clearFile();
    state.docs = [doc, ...state.docs.filter((d) => d.id !== doc.id)];
    select(doc);
    watch(doc.id);
  } catch (e) { toast(e.message); }
  finally { $("upload").disabled = !state.key; }
}

function setFile(file) {
  state.file = file || null;
  $("file-name").textContent = file ? `${file.name} · ${fmtBytes(file.size)}` : "UTF-8 text, up to the gateway's size limit";
  $("doc-text").disabled = !!file;
  $("doc-text").placeholder = file ? "The chosen file will be uploaded" : "…or paste the text here";
}
function clearFile() { $("doc-file").value = ""; setFile(null); }

// Polls the status until the document is ready or failed; drives the progress bar and the memory panel.
function watch(id) {
  clearTimeout(state.poll);
  const block = $("progress-block");
  block.hidden = false;
  $("progress-doc").textContent = id;
  const tick = async () => {
    let doc;
    try { doc = await api("/v1/documents/" + encodeURIComponent(id)); }
    catch (e) { toast(e.message); return; }
    const pct = doc.spans ? Math.round(100 * doc.spans_done / doc.spans) : 0;
    const bar = $("progress-bar");
    bar.style.width = (doc.status === "ready" ? 100 : pct) + "%";
    bar.className = "progress-bar" + (doc.status === "ready" ? " done" : doc.status === "failed" ? " failed" : "");
    $("progress").setAttribute("aria-valuenow", String(doc.status === "ready" ? 100 : pct));
    $("progress-label").textContent = doc.status === "failed" ? "failed" : (doc.status === "ready" ? 100 : pct) + "%";
    $("progress-detail").textContent = doc.status === "failed"
      ? "Encoding failed: " + (doc.error || "unknown error")
      : doc.status === "ready"
        ? `Ready · ${fmtInt(doc.spans)} span${doc.spans === 1 ? "" : "s"} encoded into ${fmtBytes(doc.memory_bytes)} of memory`
        : `Encoding span ${Math.min(doc.spans_done + 1, doc.spans)} of ${doc.spans}…`;
    state.docs = state.docs.map((d) => d.id === doc.id ? doc : d);
    if (state.selected?.id === doc.id) { state.selected = doc; showMemory(doc); }
    renderDocs();
    if (doc.status === "encoding") state.poll = setTimeout(tick, 400);
  };
  tick();
}

// ---------- memory panel ----------

function showMemory(doc) {
  $("memory").hidden = !doc;
  $("memory-empty").hidden = !!doc;
  updateAskButton();
  if (!doc) return;
  const m = state.model;
  $("memory-doc").textContent = doc.id;
  const chip = $("doc-status"); chip.textContent = doc.status; chip.className = "chip " + doc.status;
  $("m-tokens").textContent = fmtInt(doc.tokens);
  $("m-spans").textContent = `${fmtInt(doc.spans_done)} / ${fmtInt(doc.spans)}`;
  $("m-slots").textContent = m ? fmtInt(doc.spans_done * m.slots_per_span) : "—";
  $("m-bytes").textContent = fmtBytes(doc.memory_bytes);

  // Compare with what the memory replaces: the raw text, and the KV cache the decoder would need for the same tokens.
  const text = doc.text_bytes, mem = doc.memory_bytes, kv = m ? doc.tokens * m.kv_bytes_per_token : 0;
  const max = Math.max(text, mem, kv, 1);
  const width = (v) => Math.max(v > 0 ? 1.5 : 0, 100 * v / max) + "%";
  $("b-text").style.width = width(text); $("v-text").textContent = fmtBytes(text);
  $("b-kv").style.width = width(kv); $("v-kv").textContent = m ? fmtBytes(kv) : "—";
  $("b-mem").style.width = width(mem); $("v-mem").textContent = fmtBytes(mem);
  $("r-text").textContent = mem ? (mem <= text ? fmtRatio(text / mem) + " smaller" : fmtRatio(mem / text) + " larger") : "—";
  $("r-kv").textContent = mem && kv ? fmtRatio(kv / mem) : "—";
  $("model-line").textContent = m
    ? `${m.name}: ${m.span_length} tokens → ${m.slots_per_span} slots of ${m.hidden_size} values per span (${fmtBytes(m.slot_bytes_per_span)}); KV cache ${fmtBytes(m.kv_bytes_per_token)} per token.`
    : "";
}

async function reconstruct() {
  const doc = state.selected; if (!doc) return;
  const out = $("reconstructed");
  out.hidden = false; out.textContent = "Decoding spans from memory…";
  try { out.textContent = (await api(`/v1/documents/${encodeURIComponent(doc.id)}/reconstruct`, { method: "POST" })).text; }
  catch (e) { out.textContent = ""; out.hidden = true; toast(e.message); }
}

async function remove() {
  const doc = state.selected; if (!doc) return;
  if (!confirm(`Delete ${doc.id} and its memory?`)) return;
  try {
    await api(`/v1/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
    state.docs = state.docs.filter((d) => d.id !== doc.id);
    state.selected = null; renderDocs(); showMemory(null);
    $("progress-block").hidden = true;
    toast("Deleted " + doc.id, false);
  } catch (e) { toast(e.message); }
}

// ---------- ask (SSE over fetch streaming) ----------

function updateAskButton() {
  $("ask").disabled = !state.key || !state.selected || state.selected.status !== "ready" || !!state.query;
}

async function ask(event) {
  event.preventDefault();
  const prompt = $("prompt").value.trim();
  if (!prompt) { toast("Type a question first."); return; }
  const doc = state.selected;
  const body = {
    documents: [doc.id], prompt, stream: true,
    max_tokens: Number($("max-tokens").value) || 64, temperature: Number($("temperature").value) || 0,
  };
  const out = $("answer"), usage = $("usage");
  $("answer-box").hidden = false;
  out.textContent = ""; out.className = "answer-text streaming"; usage.textContent = "";
  const controller = new AbortController();
  state.query = controller; updateAskButton(); $("stop").hidden = false;
  try {
    const response = await fetch("/v1/query", {
      method: "POST", signal: controller.signal,
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + state.key, Accept: "text/event-stream" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw await toError(response);
    for await (const { event: name, data } of readEvents(response.body)) {
      if (name === "token") out.textContent += data.text;
      else if (name === "usage") usage.textContent =
        `${fmtInt(data.completion_tokens)} tokens · ${fmtInt(data.memory_slots)} memory slots · prompt ${fmtInt(data.prompt_tokens)} tokens · ` +
        `E²-LLM scale ${data.scale} · ${data.seconds.toFixed(2)} s · ${data.finish_reason}`;
      else if (name === "error") throw new ApiError(0, data.error.code, data.error.message);
    }
  } catch (e) {
    if (e.name === "AbortError") usage.textContent = "Stopped.";
    else { out.classList.add("error"); out.textContent += (out.textContent ? "\n" : "") + e.message; }
  } finally {
    out.classList.remove("streaming");
    state.query = null; $("stop").hidden = true; updateAskButton();
  }
}

// Splits a text/event-stream body into {event, data} records as bytes arrive.
async function* readEvents(stream) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end); buffer = buffer.slice(end + 2);
      let name = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      yield { event: name, data: data ? JSON.parse(data) : null };
    }
  }
}

// ---------- wiring ----------

async function init() {
  $("connect-form").addEventListener("submit", (e) => { e.preventDefault(); connect($("api-key").value); });
  $("disconnect").addEventListener("click", disconnect);
  $("tenant-form").addEventListener("submit", createTenant);
  $("upload-form").addEventListener("submit", upload);
  $("doc-file").addEventListener("change", (e) => setFile(e.target.files[0]));
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); if (e.dataTransfer.files[0]) setFile(e.dataTransfer.files[0]); });
  $("ask-form").addEventListener("submit", ask);
  $("prompt").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("ask-form").requestSubmit(); });
  $("stop").addEventListener("click", () => state.query?.abort());
  $("reconstruct").addEventListener("click", reconstruct);
  $("delete").addEventListener("click", remove);
  try { state.model = await api("/v1/model", { key: "" }); } catch { /* the memory panel shows what it can */ }
  if (state.key) { $("api-key").value = state.key; await connect(state.key); }
}

init();
