import { test } from "node:test";
import assert from "node:assert/strict";
import { activationEvidence, auditStep, auditUrl, hasCookie, sendAuditPing, startPointerLog } from "../src/cdp.js";

const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0";

function fakeWindow({ ua = CHROME, framed = false } = {}) {
  const listeners = new Map();
  const clicked = [];
  const body = { children: [], appendChild: (el) => body.children.push(el) };
  const element = (tag) => ({
    tag,
    setAttribute(name, value) {
      this[name] = value;
    },
    remove() {
      body.children = body.children.filter((el) => el !== this);
    },
    click() {
      clicked.push({ href: this.href, ping: this.ping, target: this.target });
    },
  });
  const win = {
    navigator: { userAgent: ua },
    document: { body, cookie: "", createElement: element },
    devicePixelRatio: 1,
    setTimeout: () => 0,
    addEventListener: (type, fn) => listeners.set(type, [...(listeners.get(type) || []), fn]),
    fire(type, event) {
      for (const fn of listeners.get(type) || []) fn({ type, buttons: 0, ...event });
    },
    clicked,
  };
  win.top = framed ? {} : win;
  return win;
}

test("the audit URL sits next to the solve endpoint and names the ticket", () => {
  assert.equal(auditUrl({ solve_url: "/.humangate/solve", ticket: "a b" }), "/.humangate/audit?ticket=a%20b");
  assert.equal(auditUrl({ solve_url: "/elsewhere", ticket: "t" }), "");
});

test("Chromium's top-level page follows one hidden link with a ping into a hidden frame", () => {
  const win = fakeWindow();
  assert.equal(sendAuditPing(win, "/.humangate/audit?ticket=t"), true);
  assert.equal(win.clicked.length, 1);
  const [link] = win.clicked;
  assert.equal(link.ping, link.href);
  const frame = win.document.body.children.find((el) => el.tag === "iframe");
  assert.equal(frame.name, link.target);
  assert.equal(frame.hidden, true);
  assert.ok(!win.document.body.children.some((el) => el.tag === "a"), "the link is removed");
});

test("no ping from Firefox, from a framed page or without a URL", () => {
  assert.equal(sendAuditPing(fakeWindow({ ua: FIREFOX }), "/a"), false);
  assert.equal(sendAuditPing(fakeWindow({ framed: true }), "/a"), false);
  assert.equal(sendAuditPing(fakeWindow(), ""), false);
});

test("the step reports whether it sent the ping", () => {
  const challenge = { solve_url: "/.humangate/solve", ticket: "t" };
  assert.deepEqual(auditStep(challenge, { c: "hg_audit_x" }, fakeWindow()), { answer: { ping: 1 } });
  assert.deepEqual(auditStep(challenge, {}, fakeWindow()), { answer: { ping: 0 } });
  assert.deepEqual(auditStep(challenge, { c: "hg_audit_x" }, fakeWindow({ ua: FIREFOX })), { answer: { ping: 0 } });
});

test("cookies are found by exact name", () => {
  assert.equal(hasCookie("a=1; hg_audit_x=2", "hg_audit_x"), true);
  assert.equal(hasCookie("hg_audit_xy=2", "hg_audit_x"), false);
  assert.equal(hasCookie("", "hg_audit_x"), false);
});

test("a real press: hovered there first, pressure 0.5, whole pixels", () => {
  const win = fakeWindow();
  const log = startPointerLog(win);
  win.fire("pointermove", { clientX: 100, clientY: 80 });
  win.fire("pointermove", { clientX: 120, clientY: 90 });
  win.fire("pointerdown", { pointerType: "mouse", pressure: 0.5, buttons: 1, width: 1, height: 1, clientX: 120, clientY: 90 });
  win.fire("click", { detail: 1 });
  assert.deepEqual(activationEvidence(log, win), {
    kind: "pointer", type: "mouse", pressure: 0.5, buttons: 1, size: [1, 1], seen: true, fraction: false, dpr: 1, moves: 2,
  });
});

test("a CDP press: where no pointer hovered, pressure 0, at a fractional centre", () => {
  const win = fakeWindow();
  const log = startPointerLog(win);
  win.fire("pointerover", { clientX: 630, clientY: 359 });
  // Input.dispatchMouseEvent's own boundary event comes with the button down: not a hover.
  win.fire("pointerover", { clientX: 525, clientY: 430.5, buttons: 1 });
  win.fire("pointerdown", { pointerType: "mouse", pressure: 0, buttons: 1, width: 1, height: 1, clientX: 525, clientY: 430.5 });
  win.fire("click", { detail: 1 });
  const evidence = activationEvidence(log, win);
  assert.equal(evidence.seen, false);
  assert.equal(evidence.pressure, 0);
  assert.equal(evidence.fraction, true);
});

test("keyboard and assistive-technology activations carry no pointer evidence", () => {
  const win = fakeWindow();
  const log = startPointerLog(win);
  win.fire("pointerdown", { pointerType: "mouse", pressure: 0, buttons: 1, clientX: 1, clientY: 1 });
  win.fire("click", { detail: 0 });
  assert.deepEqual(activationEvidence(log, win), { kind: "key" });
  assert.deepEqual(activationEvidence(startPointerLog(fakeWindow()), win), { kind: "none" });
});
