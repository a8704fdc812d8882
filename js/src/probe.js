// The probe interpreter: runs the ticket's probe program (data the server generated for
// this ticket alone, see sdk/humangate/probes/) and turns its answers into what keys the
// rest of the solve. It is a fixed interpreter, not generated code, so it runs under
// the page's strict CSP (no eval); what changes per ticket is the data it is given.
//
// Families: "box" builds an element tree in a closed shadow root and measures the laid-
// out boxes; "path" asks the 2D canvas for hit tests on a path; "style" reads back
// computed styles of random colours and calc() values. Raw answers never leave
// the page: only a digest per family (so the server can say which family failed), and
// a key that seeds the proof-of-work and signs the body.

import { sha256 } from "./sha256.js";

const UNIT = 4; // px; answers are reported in these units, rounded
export const ZERO_PROOF = "0".repeat(64);
const encoder = new TextEncoder();

export function toHex(bytes) {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

export function sha256Hex(text) {
  return toHex(sha256(encoder.encode(text)));
}

function fromHex(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** HMAC-SHA256(key, message) in hex (crypto.subtle is missing on plain-http origins). */
export function hmacHex(keyText, message) {
  let key = encoder.encode(keyText);
  if (key.length > 64) key = sha256(key);
  const block = new Uint8Array(64);
  block.set(key);
  const inner = block.map((b) => b ^ 0x36);
  const outer = block.map((b) => b ^ 0x5c);
  return toHex(sha256(concat(outer, sha256(concat(inner, encoder.encode(message))))));
}

/** The body with its zeroed proof replaced by the MAC under `key` (binding.py sign). */
export function signBody(key, body) {
  const zero = `"proof":"${ZERO_PROOF}"`;
  return body.replace(zero, `"proof":"${hmacHex(key, body)}"`);
}

function unscramble(bytes, key) {
  const out = new Uint8Array(bytes.length);
  for (let offset = 0, counter = 0; offset < bytes.length; counter++) {
    const count = new Uint8Array([counter >>> 24, (counter >>> 16) & 255, (counter >>> 8) & 255, counter & 255]);
    const stream = sha256(concat(key, count));
    for (let i = 0; i < 32 && offset < bytes.length; i++, offset++) out[offset] = bytes[offset] ^ stream[i];
  }
  return out;
}

function rename(value, roles) {
  if (Array.isArray(value)) return value.map((item) => rename(item, roles));
  if (value && typeof value === "object") {
    const out = {};
    for (const [name, item] of Object.entries(value)) out[roles.get(name) || name] = rename(item, roles);
    return out;
  }
  return value;
}

/** The program from its encoded form: {k: key hex, l: legend, p: base64 of scrambled JSON}. */
export function decodeProgram(encoded) {
  const raw = Uint8Array.from(atob(encoded.p), (c) => c.charCodeAt(0));
  const text = new TextDecoder().decode(unscramble(raw, fromHex(encoded.k)));
  const roles = new Map(Object.entries(encoded.l).map(([role, name]) => [name, role]));
  const program = rename(JSON.parse(text), roles);
  for (const task of program.tasks) task.f = roles.get(task.f) || task.f;
  return program;
}

function buildBox(doc, node, byId) {
  const element = doc.createElement("div");
  for (const [property, value] of node.css) element.style.setProperty(property, value);
  byId.set(node.id, element);
  for (const kid of node.kids) element.appendChild(buildBox(doc, kid, byId));
  return element;
}

/** "box": the picked boxes' border boxes relative to the root, in UNIT px. */
export function runBox(task, doc = document) {
  const host = doc.createElement("div");
  for (const [property, value] of [
    ["position", "fixed"],
    ["left", "0"],
    ["top", "0"],
    ["visibility", "hidden"],
    ["pointer-events", "none"],
  ]) {
    host.style.setProperty(property, value);
  }
  // A closed shadow root: the page's (or the site owner's template's) styles stay out.
  const scope = typeof host.attachShadow === "function" ? host.attachShadow({ mode: "closed" }) : host;
  const byId = new Map();
  const root = buildBox(doc, task.root, byId);
  scope.appendChild(root);
  (doc.body || doc.documentElement).appendChild(host);
  try {
    const origin = root.getBoundingClientRect();
    return task.pick
      .map((id) => {
        const rect = byId.get(id).getBoundingClientRect();
        return [rect.left - origin.left, rect.top - origin.top, rect.width, rect.height]
          .map((v) => Math.round(v / UNIT))
          .join(",");
      })
      .join(";");
  } finally {
    host.remove();
  }
}

/** "path": canvas hit tests (0 nonzero fill, 1 evenodd fill, 2 stroke) as bits. */
export function runPath(task, doc = document) {
  const canvas = doc.createElement("canvas");
  canvas.width = 128;
  canvas.height = 128;
  const ctx = canvas.getContext("2d");
  if (!ctx || typeof Path2D !== "function") return "";
  const path = new Path2D();
  const [first, ...rest] = task.pts;
  path.moveTo(first[0], first[1]);
  for (const [x, y] of rest) path.lineTo(x, y);
  path.closePath();
  const [cx, cy, r, anticlockwise] = task.arc;
  path.moveTo(cx + r, cy);
  // A whole circle either way round (an anticlockwise arc to +2π would be empty).
  path.arc(cx, cy, r, 0, anticlockwise ? -2 * Math.PI : 2 * Math.PI, Boolean(anticlockwise));
  ctx.lineWidth = task.lw;
  ctx.lineJoin = "round";
  return task.q
    .map(([x, y, mode]) => {
      const hit =
        mode === 2 ? ctx.isPointInStroke(path, x, y) : ctx.isPointInPath(path, x, y, mode === 1 ? "evenodd" : "nonzero");
      return hit ? "1" : "0";
    })
    .join("");
}

/** A hidden, fixed host with a closed shadow root (the page's own styles stay out). */
function hiddenScope(doc) {
  const host = doc.createElement("div");
  for (const [property, value] of [
    ["position", "fixed"],
    ["left", "0"],
    ["top", "0"],
    ["visibility", "hidden"],
    ["pointer-events", "none"],
    // Windows' forced colours would otherwise replace the colours asked for.
    ["forced-color-adjust", "none"],
  ]) {
    host.style.setProperty(property, value);
  }
  const scope = typeof host.attachShadow === "function" ? host.attachShadow({ mode: "closed" }) : host;
  (doc.body || doc.documentElement).appendChild(host);
  return { host, scope };
}

/** "style": each item's property as getComputedStyle serialises it, joined by ";". */
export function runStyle(task, doc = document) {
  const { host, scope } = hiddenScope(doc);
  const view = doc.defaultView || globalThis;
  try {
    return task.items
      .map((item) => {
        const parent = doc.createElement("div");
        for (const [property, value] of item.par) parent.style.setProperty(property, value);
        const element = doc.createElement("div");
        for (const [property, value] of item.css) element.style.setProperty(property, value);
        parent.appendChild(element);
        scope.appendChild(parent);
        const value = view.getComputedStyle(element).getPropertyValue(item.get);
        parent.remove();
        return value;
      })
      .join(";");
  } finally {
    host.remove();
  }
}

const FAMILIES = { box: runBox, path: runPath, style: runStyle };

/**
 * Runs the program. Resolves to {key, digests}: `key` keys the proof-of-work and the
 * body's MAC and never leaves the page; `digests` (per family) is what is posted.
 */
export function runProbe(params, doc = document) {
  const program = decodeProgram(params);
  const answers = [];
  const byFamily = new Map();
  for (const task of program.tasks) {
    let answer = "";
    try {
      answer = FAMILIES[task.f] ? FAMILIES[task.f](task, doc) : "";
    } catch {
      answer = ""; // a missing API: the digest will not match, the server decides
    }
    answers.push(answer);
    byFamily.set(task.f, [...(byFamily.get(task.f) || []), answer]);
  }
  const id = params.t;
  const digests = {};
  for (const [family, list] of byFamily) {
    digests[family] = sha256Hex(["humangate-probe-digest", id, family, list.join("|")].join("|")).slice(0, 32);
  }
  return { key: sha256Hex(["humangate-probe-key", id, ...answers].join("|")), digests };
}

/** The seed the proof-of-work is searched over once the probe key is known. */
export function keyedSeed(seed, key) {
  return sha256Hex(seed + key);
}
