import assert from "node:assert/strict";
import test from "node:test";
import { JSDOM } from "jsdom";
import { Window } from "happy-dom";
import { runStyle } from "../src/probe.js";

// Items as sdk/humangate/probes/styles.py writes them, with what real engines answer
// (measured in Chromium 156 and Firefox ESR 153, docs/challenges.md).
const TASK = {
  items: [
    { par: [], css: [["font-size", "20px"], ["width", "calc(2em + 4px)"]], get: "width" },
    { par: [["color", "tomato"]], css: [["color", "inherit"]], get: "color" },
    { par: [["color-scheme", "dark"]], css: [["color", "light-dark(#102030, #405060)"]], get: "color" },
    { par: [], css: [["border-top-style", "none"], ["border-top-width", "max(3px, 9px)"]], get: "border-top-width" },
  ],
};
const REAL = "44px;rgb(255, 99, 71);rgb(64, 80, 96);0px";

test("the style family reads computed values back, item by item", () => {
  const seen = [];
  const doc = {
    createElement: () => ({ style: { setProperty() {} }, appendChild() {}, remove() {}, attachShadow: undefined }),
    body: { appendChild() {} },
    defaultView: { getComputedStyle: () => ({ getPropertyValue: (name) => (seen.push(name), `v-${name}`) }) },
  };
  assert.equal(runStyle(TASK, doc), "v-width;v-color;v-color;v-border-top-width");
  assert.deepEqual(seen, ["width", "color", "color", "border-top-width"]);
});

test("DOM emulators do not compute what a real engine does", () => {
  const jsdom = new JSDOM("<!DOCTYPE html><body></body>", { url: "http://x/" }).window;
  const happy = new Window({ url: "http://x/" });
  happy.document.write("<!DOCTYPE html><body></body>");
  for (const win of [jsdom, happy]) {
    const answers = runStyle(TASK, win.document).split(";");
    const right = answers.filter((answer, i) => answer === REAL.split(";")[i]);
    assert.deepEqual(right, [], answers.join(" | "));
  }
});
