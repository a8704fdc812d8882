import assert from "node:assert/strict";
import test from "node:test";
import { announceCleared, sameOriginTarget, watchClearance } from "../src/tabs.js";

const BASE = "https://site.example/protected?x=1";

/** A window with a shared BroadcastChannel bus, event listeners and a fake fetch. */
function fakeWindow(bus, answer) {
  const listeners = {};
  const docListeners = {};
  const asked = [];
  class Channel {
    constructor(name) {
      this.name = name;
      this.onmessage = null;
      bus.push(this);
    }
    postMessage(data) {
      for (const other of bus) {
        if (other !== this && other.name === this.name && other.onmessage) other.onmessage({ data });
      }
    }
    close() {
      bus.splice(bus.indexOf(this), 1);
    }
  }
  const store = new Map();
  const win = {
    BroadcastChannel: Channel,
    location: { href: BASE },
    localStorage: { setItem: (k, v) => store.set(k, v) },
    addEventListener: (type, fn) => (listeners[type] = fn),
    removeEventListener: (type) => delete listeners[type],
    document: {
      visibilityState: "hidden",
      addEventListener: (type, fn) => (docListeners[type] = fn),
      removeEventListener: (type) => delete docListeners[type],
    },
    fetch: async (url, init) => {
      asked.push({ url, body: JSON.parse(init.body) });
      return { json: async () => answer() };
    },
  };
  return { win, listeners, docListeners, asked, store };
}

const CHALLENGE = { ticket: "T1", cleared_url: "/.humangate/cleared" };
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

test("a waiting tab asks the server with its ticket when another tab announces", async () => {
  const bus = [];
  const waiting = fakeWindow(bus, () => ({ ok: true, redirect: "/protected?x=1" }));
  const winner = fakeWindow(bus, () => ({ ok: false }));
  const went = [];
  watchClearance(CHALLENGE, (url) => went.push(url), waiting.win);
  announceCleared(winner.win);
  await tick();
  assert.deepEqual(waiting.asked, [{ url: "/.humangate/cleared", body: { ticket: "T1" } }]);
  assert.deepEqual(went, ["https://site.example/protected?x=1"]);
  assert.equal(bus.length, 0, "the waiting tab's channel is closed once it leaves");
  assert.equal(winner.store.size, 1, "the storage fallback was written too");
});

test("a tab stays on its challenge while the server says the cookie does not cover it", async () => {
  const bus = [];
  const waiting = fakeWindow(bus, () => ({ ok: false }));
  const went = [];
  const handoff = watchClearance(CHALLENGE, (url) => went.push(url), waiting.win);
  announceCleared(fakeWindow(bus, () => null).win);
  await tick();
  assert.equal(await handoff.check(), null);
  assert.deepEqual(went, []);
  assert.equal(waiting.asked.length, 2);
});

test("the storage event and becoming visible also make a tab ask; other keys do not", async () => {
  const waiting = fakeWindow([], () => ({ ok: false }));
  watchClearance(CHALLENGE, () => {}, waiting.win);
  waiting.listeners.storage({ key: "something-else" });
  waiting.docListeners.visibilitychange(); // still hidden
  await tick();
  assert.equal(waiting.asked.length, 0);
  waiting.listeners.storage({ key: "humangate:cleared" });
  await tick();
  waiting.win.document.visibilityState = "visible";
  waiting.docListeners.visibilitychange();
  await tick();
  assert.equal(waiting.asked.length, 2);
});

test("a burst of notices shares one question; a redirect elsewhere is never followed", async () => {
  const waiting = fakeWindow([], () => ({ ok: true, redirect: "https://evil.example/" }));
  const went = [];
  const handoff = watchClearance(CHALLENGE, (url) => went.push(url), waiting.win);
  const answers = await Promise.all([handoff.check(), handoff.check(), handoff.check()]);
  assert.deepEqual(answers, [null, null, null]);
  assert.equal(waiting.asked.length, 1);
  assert.deepEqual(went, []);
});

test("sameOriginTarget keeps paths on this origin only", () => {
  assert.equal(sameOriginTarget("/a?b=1", BASE), "https://site.example/a?b=1");
  assert.equal(sameOriginTarget("//evil.example/", BASE), null);
  assert.equal(sameOriginTarget("https://evil.example/", BASE), null);
  assert.equal(sameOriginTarget(42, BASE), null);
});
