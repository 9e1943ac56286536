//! `graph.html`: one self-contained page to explore the graph offline. Its script and styles
//! are written here (no library, nothing fetched: a Content-Security-Policy forbids any request),
//! and the [`View`] is embedded as JSON.
//!
//! The page never draws everything: it draws the neighbourhood of the entity searched for or
//! clicked (its strongest 40 relations), so it stays fast on graphs of any size. Details (aliases,
//! documents, relations, the sentences supporting an edge with document and page) are HTML
//! text in a side panel, readable and copyable. `graph.html#NAME` opens an entity by name or
//! alias; `graph.html?search=TEXT` types TEXT into the search box and takes the first
//! completion (what a person does with the keyboard), for links and for tests.

use super::View;
use crate::error::{Error, Result};

/// The page for `view`, titled `title`.
pub fn page(view: &View, title: &str) -> Result<String> {
    let data = serde_json::to_string(view).map_err(|e| Error::Serialize {
        what: "graph.html",
        message: e.to_string(),
    })?;
    // Inside <script>, only "</" could end the element early; JSON allows "<\/" for it.
    let data = data.replace("</", "<\\/");
    Ok(TEMPLATE
        .replace("{{TITLE}}", &crate::graph::export::xml_escape(title))
        .replace("{{DATA}}", &data))
}

const TEMPLATE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}} · docgraph</title>
<style>
  :root { --bg:#fbfbfa; --fg:#1d1d1f; --muted:#6b6b70; --line:#d9d9de; --panel:#ffffff; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg);
         display:grid; grid-template-columns: minmax(0,1fr) 400px; grid-template-rows:auto minmax(0,1fr); height:100vh; }
  header { grid-column:1 / 3; display:flex; gap:16px; align-items:center; padding:10px 16px; border-bottom:1px solid var(--line); background:var(--panel); }
  header h1 { font-size:16px; margin:0; white-space:nowrap; }
  #searchbox { position:relative; width:min(360px, 40vw); }
  #search { width:100%; padding:7px 10px; font:inherit; border:1px solid var(--line); border-radius:6px; }
  #suggestions { position:absolute; z-index:5; left:0; right:0; top:100%; margin:2px 0 0; padding:0; list-style:none; background:#fff;
                 border:1px solid var(--line); border-radius:6px; box-shadow:0 4px 14px rgba(0,0,0,.12); max-height:320px; overflow:auto; }
  #suggestions:empty { display:none; }
  #suggestions li { padding:5px 10px; cursor:pointer; }
  #suggestions li[aria-selected="true"], #suggestions li:hover { background:#eef2ff; }
  #suggestions .alias { color:var(--muted); }
  #legend { display:flex; flex-wrap:wrap; gap:4px 12px; font-size:12px; color:var(--muted); }
  #legend span.sw { display:inline-block; width:10px; height:10px; border-radius:50%; margin-right:4px; vertical-align:-1px; }
  #legend span.ln { display:inline-block; width:16px; height:3px; margin-right:4px; vertical-align:3px; }
  main { position:relative; overflow:hidden; }
  svg { width:100%; height:100%; display:block; }
  svg text { font:12px system-ui, sans-serif; paint-order:stroke; stroke:var(--bg); stroke-width:3px; }
  svg .node { cursor:pointer; }
  svg .edge { cursor:pointer; }
  svg .edge:hover line, svg .edge.selected line { stroke-width:5; }
  aside { border-left:1px solid var(--line); background:var(--panel); overflow:auto; padding:14px 16px; }
  aside h2 { font-size:18px; margin:0 0 2px; }
  aside h3 { font-size:13px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin:18px 0 6px; }
  aside ul { margin:0; padding-left:18px; }
  aside li { margin:3px 0; }
  .type { display:inline-block; font-size:11px; padding:1px 6px; border-radius:9px; color:#fff; vertical-align:2px; }
  .pred { font-weight:600; }
  .muted { color:var(--muted); }
  blockquote { margin:6px 0 10px; padding:4px 10px; border-left:3px solid var(--line); }
  blockquote cite { display:block; font-style:normal; font-size:12px; color:var(--muted); }
  button.link { background:none; border:0; padding:0; font:inherit; color:#1f4fd1; cursor:pointer; text-align:left; }
  button.link:hover { text-decoration:underline; }
  #empty { position:absolute; inset:0; display:flex; align-items:center; justify-content:center; color:var(--muted); padding:40px; text-align:center; }
</style>
</head>
<body>
<header>
  <h1>{{TITLE}}</h1>
  <form id="searchform" role="search" autocomplete="off">
    <div id="searchbox">
      <input id="search" type="search" placeholder="Search names and aliases…" aria-label="Search an entity by name or alias"
             aria-autocomplete="list" aria-controls="suggestions" role="combobox" aria-expanded="false">
      <ul id="suggestions" role="listbox"></ul>
    </div>
  </form>
  <div id="legend" aria-label="Legend"></div>
</header>
<main>
  <svg id="canvas" role="img" aria-label="Neighbourhood of the selected entity"></svg>
  <div id="empty"></div>
</main>
<aside id="panel" aria-live="polite"></aside>
<script type="application/json" id="data">{{DATA}}</script>
<script>
"use strict";
const DATA = JSON.parse(document.getElementById("data").textContent);
const E = DATA.entities, R = DATA.relations, D = DATA.documents;
const TYPE_COLOR = { PER: "#d1495b", ORG: "#2e86ab", LOC: "#3f9b4a", MISC: "#8e6bbf" };
const TYPE_NAME = { PER: "person", ORG: "organisation", LOC: "location", MISC: "other" };
// Types of the user's own (a list of entities, --entities): colours of a second palette, in
// name order.
const EXTRA_COLORS = ["#e9a52a", "#e76f51", "#264653", "#ef476f", "#06aed5", "#9c6644", "#606c38", "#8338ec"];
[...new Set(E.map(e => e.type))].filter(t => !(t in TYPE_COLOR)).sort().forEach((t, i) => {
  TYPE_COLOR[t] = EXTRA_COLORS[i % EXTRA_COLORS.length];
  TYPE_NAME[t] = t.toLowerCase().replace(/_/g, " ");
});
const PRED_COLOR = { Work_For: "#e07a1f", OrgBased_In: "#2a9d8f", Live_In: "#6a4c93", Located_In: "#577590", Kill: "#b5179e" };
// Predicates of a model trained on the user's own schema: a palette of their own, in name order.
const EXTRA_PRED_COLORS = ["#d62828", "#1d3557", "#2b9348", "#7b2cbf", "#bc6c25", "#0077b6", "#c9184a", "#495057"];
[...new Set(R.map(r => r.predicate))].filter(p => p !== null && !(p in PRED_COLOR)).sort().forEach((p, i) => {
  PRED_COLOR[p] = EXTRA_PRED_COLORS[i % EXTRA_PRED_COLORS.length];
});
const COOC_COLOR = "#b8b8bf";
const MAX_NEIGHBOURS = 40;
const SVGNS = "http://www.w3.org/2000/svg";
const norm = s => s.toLowerCase().replace(/\s+/g, " ").trim();
const $ = id => document.getElementById(id);
const el = (tag, attrs, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, v);
  for (const k of kids) n.append(k);
  return n;
};
const svg = (tag, attrs) => {
  const n = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, v);
  return n;
};

// Names and aliases, for look-up and completion.
const byName = new Map();
const names = [];
E.forEach((e, i) => {
  const forms = new Set([e.name, ...e.aliases.map(a => a[0])]);
  for (const f of forms) {
    const k = norm(f);
    if (!byName.has(k) || E[byName.get(k)].mentions < e.mentions) byName.set(k, i);
    names.push({ key: k, form: f, entity: i });
  }
});
const relationsOf = E.map(() => []);
R.forEach((r, i) => { relationsOf[r.source].push(i); relationsOf[r.target].push(i); });

function legend() {
  const l = $("legend");
  for (const [t, c] of Object.entries(TYPE_COLOR))
    l.append(el("span", {}, el("span", { class: "sw", style: `background:${c}` }), `${t} ${TYPE_NAME[t]}`));
  const used = new Set(R.map(r => r.predicate));
  for (const [p, c] of Object.entries(PRED_COLOR))
    if (used.has(p)) l.append(el("span", {}, el("span", { class: "ln", style: `background:${c}` }), p));
  if (used.has(null)) l.append(el("span", {}, el("span", { class: "ln", style: `background:${COOC_COLOR}` }), "co-occurrence"));
}

function typeBadge(t) {
  return el("span", { class: "type", style: `background:${TYPE_COLOR[t] || "#777"}`, title: TYPE_NAME[t] || t }, t);
}

function entityButton(i) {
  const b = el("button", { class: "link", type: "button" }, E[i].name);
  b.addEventListener("click", () => select(i));
  return b;
}

function predLabel(r) { return (r.predicate || "co-occurs with") + (r.inferred ? " (inferred)" : ""); }

// The panel for an entity: name, type, aliases, documents, relations.
function showEntity(i) {
  const e = E[i], p = $("panel");
  p.replaceChildren();
  p.append(el("h2", {}, e.name, " ", typeBadge(e.type)));
  p.append(el("div", { class: "muted" }, `${e.mentions} mention${e.mentions === 1 ? "" : "s"} in ${e.documents.length} document${e.documents.length === 1 ? "" : "s"}`));
  p.append(el("h3", {}, "Aliases"));
  p.append(el("ul", {}, ...e.aliases.map(a => el("li", {}, a[0], el("span", { class: "muted" }, ` ×${a[1]}`)))));
  p.append(el("h3", {}, "Documents"));
  p.append(el("ul", {}, ...e.documents.map(d => el("li", {}, D[d]))));
  const rels = relationsOf[i].slice().sort((a, b) => (R[a].predicate === null) - (R[b].predicate === null) || R[b].weight - R[a].weight);
  p.append(el("h3", {}, `Relations (${rels.length})`));
  if (!rels.length) p.append(el("div", { class: "muted" }, "none"));
  const list = el("ul", { id: "relations" });
  for (const ri of rels) {
    const r = R[ri];
    const show = el("button", { class: "link", type: "button", title: "Show the supporting sentences" }, "sentences");
    show.addEventListener("click", () => showRelation(ri));
    const conf = r.confidence === null ? "" : ` ${r.confidence.toFixed(2)}`;
    list.append(el("li", {},
      r.source === i ? e.name : entityButton(r.source), " ",
      el("span", { class: "pred", style: `color:${PRED_COLOR[r.predicate] || "#666"}` }, predLabel(r) + conf), " ",
      r.target === i ? e.name : entityButton(r.target),
      el("span", { class: "muted" }, ` (${r.weight}) `), show));
  }
  p.append(list);
}

// The panel for an edge: predicate, confidence, supporting sentences with document and page.
function showRelation(ri) {
  const r = R[ri], p = $("panel");
  document.querySelectorAll(".edge.selected").forEach(n => n.classList.remove("selected"));
  const drawn = document.querySelector(`.edge[data-relation="${ri}"]`);
  if (drawn) drawn.classList.add("selected");
  p.replaceChildren();
  p.append(el("h2", {}, E[r.source].name, " → ", E[r.target].name));
  p.append(el("div", {}, el("span", { class: "pred", style: `color:${PRED_COLOR[r.predicate] || "#666"}` }, predLabel(r)),
    r.confidence === null ? "" : ` · confidence ${r.confidence.toFixed(3)}`, ` · ${r.weight} sentence${r.weight === 1 ? "" : "s"}`));
  p.append(el("h3", {}, "Supporting sentences"));
  for (const v of r.evidence) {
    if (v.basis === "chain") {
      p.append(el("div", { class: "muted" }, "Inferred along a Located_In chain from:"));
      p.append(el("ul", {}, ...v.premises.map(q => el("li", {}, q))));
    }
    if (v.basis === "country")
      p.append(el("div", { class: "muted" }, "Inferred: the only country the document names (a prior, not a reading)"));
    if (v.basis === "topic") {
      p.append(el("div", { class: "muted" }, "Inferred: the document is about a place, which lies there (a prior, not a reading):"));
      p.append(el("ul", {}, ...v.premises.map(q => el("li", {}, q))));
    }
    const how = v.basis === "reference" ? el("div", { class: "muted" }, "resolved: ", (v.references || []).join("; "))
      : v.basis === "across" ? el("div", { class: "muted" }, "read across these sentences (the two are never named in one)") : "";
    p.append(el("blockquote", {}, v.sentence, how, el("cite", {}, `${D[v.document]}, page ${v.page}`)));
  }
  if (r.weight > r.evidence.length)
    p.append(el("div", { class: "muted" }, `${r.weight - r.evidence.length} more not kept`));
  const back = el("div", {}, "Back to ", entityButton(r.source), " or ", entityButton(r.target));
  p.append(el("h3", {}, "Entities"), back);
}

// Draws entity i in the centre and its strongest relations around it.
function draw(i) {
  const c = $("canvas");
  c.replaceChildren();
  $("empty").textContent = "";
  const w = c.clientWidth || 800, h = c.clientHeight || 600, cx = w / 2, cy = h / 2;
  const rels = relationsOf[i].slice().sort((a, b) => R[b].weight - R[a].weight).slice(0, MAX_NEIGHBOURS);
  const others = [...new Set(rels.map(ri => R[ri].source === i ? R[ri].target : R[ri].source))];
  const radius = Math.max(120, Math.min(w, h) / 2 - 70);
  const pos = new Map([[i, [cx, cy]]]);
  others.forEach((o, k) => {
    const a = (2 * Math.PI * k) / Math.max(others.length, 1) - Math.PI / 2;
    pos.set(o, [cx + radius * Math.cos(a), cy + radius * Math.sin(a)]);
  });
  const defs = svg("defs");
  for (const [p, col] of Object.entries(PRED_COLOR)) {
    const m = svg("marker", { id: `arrow-${p}`, viewBox: "0 0 10 10", refX: "22", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" });
    m.append(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: col }));
    defs.append(m);
  }
  c.append(defs);
  // Several relations between one pair are fanned out a little.
  const seen = new Map();
  for (const ri of rels) {
    const r = R[ri];
    const [x1, y1] = pos.get(r.source), [x2, y2] = pos.get(r.target);
    const key = [r.source, r.target].sort().join("-");
    const n = seen.get(key) || 0; seen.set(key, n + 1);
    const off = n * 10, dx = y2 - y1, dy = x1 - x2, len = Math.hypot(dx, dy) || 1;
    const g = svg("g", { class: "edge", "data-relation": ri, tabindex: "0" });
    const col = PRED_COLOR[r.predicate] || COOC_COLOR;
    const line = svg("line", { x1: x1 + dx / len * off, y1: y1 + dy / len * off, x2: x2 + dx / len * off, y2: y2 + dy / len * off,
      stroke: col, "stroke-width": Math.min(1.5 + r.weight, 5), "stroke-dasharray": r.inferred ? "2 3" : r.predicate ? "" : "5 4" });
    if (r.predicate) line.setAttribute("marker-end", `url(#arrow-${r.predicate})`);
    const title = svg("title"); title.textContent = `${E[r.source].name} ${predLabel(r)} ${E[r.target].name}`;
    g.append(line, title);
    if (r.predicate) {
      const label = svg("text", { x: (x1 + x2) / 2 + dx / len * (off + 8), y: (y1 + y2) / 2 + dy / len * (off + 8), "text-anchor": "middle", fill: col, "font-size": "11" });
      label.textContent = r.predicate;
      g.append(label);
    }
    g.addEventListener("click", () => showRelation(ri));
    g.addEventListener("keydown", ev => { if (ev.key === "Enter") showRelation(ri); });
    c.append(g);
  }
  for (const [n, [x, y]] of pos) {
    const e = E[n];
    const g = svg("g", { class: "node", tabindex: "0" });
    const r = n === i ? 16 : 9 + Math.min(Math.sqrt(e.mentions), 6);
    g.append(svg("circle", { cx: x, cy: y, r, fill: TYPE_COLOR[e.type] || "#777", stroke: "#fff", "stroke-width": 2 }));
    const t = svg("text", { x, y: y + r + 14, "text-anchor": "middle", "font-weight": n === i ? "700" : "400" });
    t.textContent = e.name;
    const title = svg("title"); title.textContent = `${e.name} (${e.type})`;
    g.append(t, title);
    g.addEventListener("click", () => select(n));
    g.addEventListener("keydown", ev => { if (ev.key === "Enter") select(n); });
    c.append(g);
  }
  if (relationsOf[i].length > rels.length) {
    const note = svg("text", { x: 12, y: h - 12, fill: "#6b6b70" });
    note.textContent = `${relationsOf[i].length - rels.length} weaker relations not drawn: all are listed on the right`;
    c.append(note);
  }
}

function select(i) {
  draw(i);
  showEntity(i);
  const want = "#" + encodeURIComponent(E[i].name);
  if (location.hash !== want) history.replaceState(null, "", want);
  document.title = `${E[i].name} · docgraph`;
}

function overview() {
  const p = $("panel");
  p.replaceChildren();
  p.append(el("h2", {}, "Knowledge graph"));
  const typed = R.filter(r => r.predicate).length;
  p.append(el("div", { class: "muted" }, `${E.length} entities, ${typed} typed relations, ${R.length - typed} co-occurrences, ${D.length} documents`));
  p.append(el("h3", {}, "Most mentioned"));
  const top = E.map((e, i) => i).sort((a, b) => E[b].mentions - E[a].mentions).slice(0, 25);
  p.append(el("ul", {}, ...top.map(i => el("li", {}, entityButton(i), " ", typeBadge(E[i].type)))));
  $("canvas").replaceChildren();
  $("empty").textContent = E.length ? "Search a name, or pick one on the right." : "This graph has no entities.";
}

// Search with completion on names and aliases.
let active = -1, shown = [];
function complete(q) {
  const k = norm(q), list = $("suggestions");
  list.replaceChildren();
  active = -1; shown = [];
  if (!k) { $("search").setAttribute("aria-expanded", "false"); return; }
  const seenEntities = new Set();
  const score = f => f.key === k ? 0 : f.key.startsWith(k) ? 1 : f.key.includes(" " + k) ? 2 : f.key.includes(k) ? 3 : 9;
  const hits = names.map(f => [score(f), f]).filter(([s]) => s < 9)
    .sort((a, b) => a[0] - b[0] || E[b[1].entity].mentions - E[a[1].entity].mentions);
  for (const [, f] of hits) {
    if (seenEntities.has(f.entity)) continue;
    seenEntities.add(f.entity);
    shown.push(f.entity);
    const e = E[f.entity];
    const li = el("li", { role: "option", id: `s${shown.length}` }, e.name, " ", typeBadge(e.type),
      f.form !== e.name ? el("span", { class: "alias" }, ` (as “${f.form}”)`) : "");
    li.addEventListener("mousedown", ev => { ev.preventDefault(); pick(f.entity); });
    list.append(li);
    if (shown.length >= 12) break;
  }
  $("search").setAttribute("aria-expanded", shown.length ? "true" : "false");
}
function pick(i) {
  $("suggestions").replaceChildren();
  $("search").value = E[i].name;
  $("search").setAttribute("aria-expanded", "false");
  select(i);
}
$("search").addEventListener("input", ev => complete(ev.target.value));
$("search").addEventListener("keydown", ev => {
  const items = [...$("suggestions").children];
  if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
    ev.preventDefault();
    if (!items.length) return;
    active = (active + (ev.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
    items.forEach((li, k) => li.setAttribute("aria-selected", k === active ? "true" : "false"));
    $("search").setAttribute("aria-activedescendant", items[active].id);
  } else if (ev.key === "Escape") {
    $("suggestions").replaceChildren();
  }
});
$("searchform").addEventListener("submit", ev => {
  ev.preventDefault();
  const q = $("search").value;
  const exact = byName.get(norm(q));
  if (active >= 0 && shown[active] !== undefined) pick(shown[active]);
  else if (exact !== undefined) pick(exact);
  else if (shown.length) pick(shown[0]);
});

function fromLocation() {
  const name = decodeURIComponent(location.hash.slice(1));
  const i = name ? byName.get(norm(name)) : undefined;
  if (i !== undefined) { select(i); return true; }
  if (name) {
    overview();
    $("empty").textContent = `No entity is named “${name}”.`;
  }
  return false;
}
window.addEventListener("hashchange", fromLocation);
window.addEventListener("resize", () => {
  const i = byName.get(norm(decodeURIComponent(location.hash.slice(1))));
  if (i !== undefined) draw(i);
});

legend();
const search = new URLSearchParams(location.search).get("search");
if (search) {
  // As typed: fill the box, let completion run, take what Enter takes.
  const box = $("search");
  box.value = search;
  box.dispatchEvent(new Event("input"));
  $("searchform").requestSubmit();
} else if (!fromLocation()) {
  overview();
}
</script>
</body>
</html>
"##;
