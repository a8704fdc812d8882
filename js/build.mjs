// Builds the browser runtime into sdk/humangate/static/ (or --out DIR).
//
// No bundler: each entry point gets its relative imports inlined in dependency order,
// with `export` dropped, inside one function scope. That is enough for these few
// modules and keeps the shipped files readable. The SIMD search is compiled from WAT
// with wabt (a dev dependency: `npm ci` in js/). tests/test_static_assets.py runs this
// into a temporary directory and compares, so sources and shipped assets cannot drift.
//
//   node js/build.mjs [--out DIR]

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants as zlibConstants, gzipSync } from "node:zlib";
import { OUTPUTS as GENERATED, isFresh } from "./tools/gen-search.mjs";

const JS_DIR = dirname(fileURLToPath(import.meta.url));
const SRC_DIR = join(JS_DIR, "src");
const DEFAULT_OUT = join(JS_DIR, "..", "sdk", "humangate", "static");

// Shipped file name -> source entry point.
export const ENTRIES = {
  "challenge.js": "challenge.js",
  "jsd.js": "jsd.js",
  "pow-worker.js": "pow-worker.js",
  "spa.js": "spa.js",
  "turnstile-api.js": "turnstile-api.js",
  "turnstile-frame.js": "turnstile-frame.js",
};

const IMPORT_LINE = /^import \{[^}]*\} from "\.\/([\w-]+\.js)";\n/gm;
const EXPORT_PREFIX = /^export (?=(?:async function|function|const|let|class) )/gm;
const TOP_LEVEL_NAME = /^(?:async function|function|const|let|var|class) (\w+)/gm;

const readSource = (name) => readFileSync(join(SRC_DIR, name), "utf8");

/** Source modules reachable from `entry`, dependencies before their importers. */
function moduleOrder(entry, seen = new Set(), order = []) {
  seen.add(entry);
  for (const [, dependency] of readSource(entry).matchAll(IMPORT_LINE)) {
    if (!seen.has(dependency)) moduleOrder(dependency, seen, order);
  }
  order.push(entry);
  return order;
}

/** A module's body with its imports removed and its exports made plain declarations. */
function stripModuleSyntax(name) {
  const body = readSource(name).replace(IMPORT_LINE, "").replace(EXPORT_PREFIX, "");
  if (/^\s*(?:import|export)\b/m.test(body)) {
    throw new Error(`${name}: only 'import { … } from "./x.js"' and 'export <declaration>' are supported`);
  }
  return body.trim();
}

function checkUniqueNames(parts) {
  const owner = new Map();
  for (const { name, body } of parts) {
    for (const [, identifier] of body.matchAll(TOP_LEVEL_NAME)) {
      if (owner.has(identifier)) {
        throw new Error(`'${identifier}' is declared in both ${owner.get(identifier)} and ${name}`);
      }
      owner.set(identifier, name);
    }
  }
}

/** One self-contained script: every module of `entry` inside a strict function scope. */
export function bundle(outputName, entry) {
  const parts = moduleOrder(entry).map((name) => ({ name, body: stripModuleSyntax(name) }));
  checkUniqueNames(parts);
  const sections = parts.map(({ name, body }) => `// ---- js/src/${name}\n${body}`);
  return [
    `// humangate ${outputName}: built from js/src by js/build.mjs; do not edit.`,
    "(() => {",
    '"use strict";',
    sections.join("\n\n"),
    "})();",
    "",
  ].join("\n");
}

/** search-simd.wat as WebAssembly bytes (deterministic for a pinned wabt version). */
export async function compileSimd() {
  const { default: initWabt } = await import("wabt").catch(() => {
    throw new Error("wabt is missing: run `npm ci` in js/");
  });
  const wabt = await initWabt();
  const module = wabt.parseWat("search-simd.wat", readSource("search-simd.wat"), { simd: true });
  try {
    module.validate();
    return Buffer.from(module.toBinary({ write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}

/** The gzip (level 9) and brotli (quality 11) variants of a file, by suffix. */
export function compressed(contents) {
  const data = Buffer.from(contents);
  return {
    ".gz": gzipSync(data, { level: 9 }),
    ".br": brotliCompressSync(data, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: 11,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
  };
}

/** Every shipped file as {name: contents}. */
export async function buildAll() {
  for (const name of Object.keys(GENERATED)) {
    if (!isFresh(name)) throw new Error(`js/src/${name} is stale: run node js/tools/gen-search.mjs`);
  }
  const files = {};
  for (const [outputName, entry] of Object.entries(ENTRIES)) {
    files[outputName] = bundle(outputName, entry);
  }
  files["pow-simd.wasm"] = await compileSimd();
  return files;
}

async function main(argv) {
  const outIndex = argv.indexOf("--out");
  const outDir = outIndex >= 0 ? argv[outIndex + 1] : DEFAULT_OUT;
  mkdirSync(outDir, { recursive: true });
  for (const [name, contents] of Object.entries(await buildAll())) {
    writeFileSync(join(outDir, name), contents);
    console.log(`wrote ${join(outDir, name)}`);
    // Precompressed once here, so the server never compresses per request (it picks
    // the variant the browser accepts). tests/test_static_assets.py checks each
    // variant decompresses to its file.
    for (const [suffix, data] of Object.entries(compressed(contents))) {
      writeFileSync(join(outDir, name + suffix), data);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
