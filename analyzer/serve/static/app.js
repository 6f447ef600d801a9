// analyzer serve: the little JavaScript the pages need. No inline code (the CSP forbids it), no libraries.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;

async function api(method, url, body, raw) {
  const headers = { "X-CSRF-Token": csrf };
  let payload;
  if (raw) {
    headers["Content-Type"] = "application/octet-stream";
    payload = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok || (data && data.error && !data.stage)) {
    const message = data && data.error ? data.error.message : `${response.status} ${response.statusText}`;
    throw new Error(message);
  }
  return data;
}

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

// Start a server job and report its stage until it is done; resolves with the job's result.
async function runJob(start, progress) {
  let job = await start();
  while (!job.done) {
    progress.textContent = `${job.stage_text}… ${job.seconds.toFixed(1)} s`;
    await sleep(300);
    job = await api("GET", `/api/jobs/${job.id}`);
  }
  if (job.error) throw new Error(job.error.message);
  progress.textContent = `done in ${job.seconds.toFixed(1)} s`;
  return job.result;
}

// The listing given on a start or compare form: a file, else a URL, else pasted text.
function listingFrom(form) {
  const provider = form.querySelector('[name="provider"]');
  const chosen = provider ? provider.value : "heuristic";
  const file = form.querySelector('[name="file"]');
  if (file && file.files.length) {
    const f = file.files[0];
    const query = new URLSearchParams({ filename: f.name, provider: chosen });
    return { raw: f, query: query.toString() };
  }
  const source = form.querySelector('[name="source"]').value.trim();
  if (source) return { body: { source, provider: chosen } };
  const text = form.querySelector('[name="text"]').value;
  const filename = form.querySelector('[name="filename"]').value.trim() || "pasted.md";
  if (!text.trim()) throw new Error("give a URL, a file or the listing text");
  return { body: { text, filename, provider: chosen } };
}

function postListing(url, listing) {
  if (listing.raw) return api("POST", `${url}?${listing.query}`, listing.raw, true);
  return api("POST", url, listing.body);
}

function wireListingForm(form, url, onDone) {
  const progress = form.querySelector(".progress");
  const button = form.querySelector('button[type="submit"]');
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    progress.classList.remove("error");
    button.disabled = true;
    try {
      const listing = listingFrom(form);
      progress.textContent = "starting…";
      onDone(await runJob(() => postListing(url, listing), progress));
    } catch (err) {
      progress.textContent = err.message;
      progress.classList.add("error");
    } finally {
      button.disabled = false;
    }
  });
}

// Duplicate / delete buttons, on the start page and in the draft toolbar.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const id = button.dataset.id;
  try {
    if (button.dataset.action === "duplicate") {
      const made = await api("POST", `/api/drafts/${id}/duplicate`, {});
      window.location.assign(made.url);
    } else if (button.dataset.action === "keep") {
      const made = await api("POST", `/api/jobs/${button.dataset.job}/keep`, {});
      window.location.assign(made.url);
    } else if (button.dataset.action === "delete") {
      if (!window.confirm("Delete this draft?")) return;
      await api("DELETE", `/api/drafts/${id}`);
      button.closest("tr").remove();
    }
  } catch (err) {
    window.alert(err.message);
  }
});

function startPage() {
  wireListingForm(document.getElementById("analyze-form"), "/api/drafts", (result) => window.location.assign(result.url));
}

// ---------------------------------------------------------------------------- the draft editor

function highlight(start, end) {
  const pre = document.getElementById("listing");
  const old = pre.querySelector("mark");
  if (old) {
    old.replaceWith(document.createTextNode(old.textContent));
    pre.normalize();
  }
  const node = pre.firstChild;
  if (!node || end > node.length) return;
  const range = document.createRange();
  range.setStart(node, start);
  range.setEnd(node, end);
  const mark = document.createElement("mark");
  mark.id = "highlight";
  range.surroundContents(mark);
  // Scroll the listing panel only, not the report the analyst is reading.
  const panel = pre.closest(".listing-panel");
  if (panel && getComputedStyle(panel).position === "sticky") {
    panel.scrollTop = mark.offsetTop - panel.clientHeight / 3;
  } else {
    mark.scrollIntoView({ block: "center" });
  }
}

function editFor(control) {
  const key = control.dataset.key;
  switch (control.dataset.edit) {
    case "factor": return { set: { [key]: Number(control.value) } };
    case "kind": return { kind: control.value };
    case "fact": return { facts: { [key]: control.value } };
    case "threat": return { threat: control.value.trim() };
    case "mitigation": return { mitigation: control.value.trim() };
    case "stated-mitigation": {
      const ticked = [...document.querySelectorAll('[data-edit="stated-mitigation"]:checked')].map((c) => c.dataset.key);
      return { stated_mitigations: ticked };
    }
    default: return null;
  }
}

function draftPage() {
  const workspace = document.querySelector(".workspace");
  const id = workspace.dataset.draft;
  const report = document.getElementById("report");
  const status = document.getElementById("edit-status");
  const note = document.getElementById("edit-note");

  report.addEventListener("click", (event) => {
    const quote = event.target.closest("button.quote");
    if (quote) highlight(Number(quote.dataset.start), Number(quote.dataset.end));
  });

  report.addEventListener("change", async (event) => {
    const control = event.target.closest("[data-edit]");
    if (!control) return;
    const edit = editFor(control);
    if (!edit) return;
    const version = Number(report.querySelector(".draft").dataset.version);
    const before = document.querySelector(".badge .score").textContent;
    status.classList.remove("error");
    status.textContent = "re-scoring…";
    try {
      const body = { ...edit, version };
      if (note.value.trim()) body.note = note.value.trim();
      const result = await api("POST", `/api/drafts/${id}/edit`, body);
      report.innerHTML = result.html;
      note.value = "";
      const badge = report.querySelector(".badge");
      const live = document.getElementById("live-score");
      live.className = `pill ${[...badge.classList].find((c) => c.startsWith("band-"))}`;
      live.textContent = `AIVSS ${badge.querySelector(".score").textContent} ${badge.querySelector(".band").textContent}`;
      const after = document.querySelector(".badge .score").textContent;
      status.textContent = `saved (version ${result.draft.version}) · AIVSS ${before} → ${after}`;
    } catch (err) {
      status.textContent = err.message;
      status.classList.add("error");
    }
  });

  const title = document.getElementById("draft-title");
  title.addEventListener("change", async () => {
    try {
      const result = await api("POST", `/api/drafts/${id}/rename`, { title: title.value });
      document.title = `${result.draft.title} — draft`;
      status.textContent = "renamed";
    } catch (err) {
      status.textContent = err.message;
      status.classList.add("error");
    }
  });
}

function comparePage() {
  const form = document.getElementById("compare-form");
  const out = document.getElementById("comparison");
  wireListingForm(form, form.dataset.action, (result) => { out.innerHTML = result.html; });
}

const pages = { start: startPage, draft: draftPage, compare: comparePage };
const init = pages[document.body.dataset.page];
if (init) init();
