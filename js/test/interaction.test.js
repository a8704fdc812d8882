import assert from "node:assert/strict";
import test from "node:test";
import { eventRecord, evidence, keyName, placeButton, runInteraction } from "../src/interaction.js";

const PARAMS = { pad: 152, left: 125, top: 40, width: 600, height: 64 };
const PAD = { left: 20, top: 300, width: 400, height: 152 };

test("the button is drawn where the server's parameters put it", () => {
  const pad = { style: {} };
  const button = { style: {} };
  placeButton(pad, button, PARAMS);
  assert.deepEqual(pad.style, { height: "152px" });
  assert.deepEqual(button.style, { left: "12.5%", width: "60%", top: "40px", height: "64px" });
});

test("in the widget's frame the pad is a fixed box the server sized for it", () => {
  const pad = { style: {} };
  const button = { style: {} };
  placeButton(pad, button, { pad: 56, pad_w: 204, left: 100, top: 8, width: 800, height: 44 });
  assert.deepEqual(pad.style, { height: "56px", width: "204px" });
  assert.deepEqual(button.style, { left: "10%", width: "80%", top: "8px", height: "44px" });
});

test("events are recorded relative to the pad, with no verdict and no typed text", () => {
  const down = { type: "pointerdown", isTrusted: true, detail: 0, pointerType: "mouse",
    clientX: 120.26, clientY: 380, screenX: 130, screenY: 470 };  // prettier-ignore
  assert.deepEqual(eventRecord(down, PAD, 812.34), {
    type: "pointerdown", t: 812.3, x: 100.3, y: 80, trusted: true, detail: 0,
    pointer: "mouse", key: "", same_screen: false,
  });  // prettier-ignore
  const cdp = eventRecord({ ...down, type: "click", detail: 1, screenX: 120.26, screenY: 380 }, PAD, 900);
  assert.equal(cdp.same_screen, true);
  assert.equal(cdp.detail, 1);
  const key = eventRecord({ type: "keydown", isTrusted: true, key: "q", clientX: 5 }, PAD, -3);
  assert.deepEqual([key.key, key.x, key.t, key.pointer], ["other", 0, 0, ""]);
  assert.equal(eventRecord({ type: "click", isTrusted: false }, PAD, 1).trusted, false);
  assert.deepEqual([keyName("Enter"), keyName(" "), keyName("Spacebar"), keyName("a")], [
    "enter", "space", "space", "other",
  ]);  // prettier-ignore
});

test("the evidence carries the pad's size and the button's box relative to it", () => {
  const button = { left: 70, top: 340, width: 240, height: 64 };
  assert.deepEqual(evidence(PAD, button, []), { pad: [400, 152], button: [50, 40, 240, 64], events: [] });
});

test("runInteraction records what reached the button until the click", async () => {
  const listeners = {};
  const box = { hidden: true };
  const pad = { style: {}, getBoundingClientRect: () => PAD };
  const button = {
    style: {},
    focused: false,
    focus() { this.focused = true; },
    addEventListener: (type, fn) => (listeners[type] = fn),
    removeEventListener: (type) => delete listeners[type],
    getBoundingClientRect: () => ({ left: 70, top: 340, width: 240, height: 64 }),
  };  // prettier-ignore
  const ids = {
    "humangate-interaction": box,
    "humangate-interaction-pad": pad,
    "humangate-interaction-button": button,
  };
  const doc = { getElementById: (id) => ids[id] };
  const done = runInteraction(PARAMS, doc, () => 1000);
  assert.equal(box.hidden, false);
  assert.equal(button.focused, true);
  const at = (type, timeStamp, extra = {}) => ({ type, timeStamp, isTrusted: true, clientX: 150,
    clientY: 380, screenX: 160, screenY: 470, detail: 0, ...extra });  // prettier-ignore
  listeners.pointerdown(at("pointerdown", 1400, { pointerType: "mouse" }));
  listeners.pointerup(at("pointerup", 1480, { pointerType: "mouse" }));
  listeners.click(at("click", 1481, { detail: 1, pointerType: "mouse" }));
  const { answer } = await done;
  assert.equal(box.hidden, true);
  assert.deepEqual(answer.pad, [400, 152]);
  assert.deepEqual(answer.button, [50, 40, 240, 64]);
  assert.deepEqual(answer.events.map((e) => [e.type, e.t, e.x, e.y]), [
    ["pointerdown", 400, 130, 80],
    ["pointerup", 480, 130, 80],
    ["click", 481, 130, 80],
  ]);
  assert.deepEqual(Object.keys(listeners), [], "listeners are removed after the click");
});
