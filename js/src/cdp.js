// Evidence about Chromium driven over the DevTools protocol (CDP) without the usual
// tells (docs/challenges.md, "Browsers driven over CDP"). Raw observations only: the
// server judges them (humangate.signals.cdp), and the body's MAC binds them.
//
// 1. Hyperlink auditing. Chromium sends a link's `ping` when the link is followed;
//    nodriver launches Chromium with --no-pings, which turns that off. The page follows a
//    hidden link into a hidden frame (the frame's load answers 204: nothing loads); the
//    ping's answer sets a short-lived cookie keyed to the ticket, which the solve carries.
//    The page only waits (briefly) for that cookie before posting.
// 2. The activation's pointer events. Input.dispatchMouseEvent presses a button where
//    the pointer never was (no move there first), with `force` 0 unless the tool passes
//    one (so pressure 0 while a button is down), at the fractional centre of the element.
//    A log of pointer positions starts with this script; the activating click is described
//    by its pointerdown.

const AUDIT_WAIT_MS = 1500;
const AUDIT_POLL_MS = 50;
const CHROMIUM = /\b(?:Headless)?Chrom(?:e|ium)\//;
// Pointer events only: mouse events truncate to whole pixels, the press may not.
const POSITION_EVENTS = ["pointerrawupdate", "pointermove", "pointerover", "pointerenter"];

let pending = null;

export function hasCookie(cookies, name) {
  return String(cookies || "")
    .split(";")
    .some((part) => part.trim().startsWith(`${name}=`));
}

/**
 * Follow a hidden link with a `ping` into a hidden frame. Only in a Chromium top-level
 * page: Firefox and Safari send no pings by default, and a framed page (the widget, a
 * held form) may not set first-party cookies.
 */
export function sendAuditPing(win, url) {
  const doc = win.document;
  if (!url || !CHROMIUM.test(win.navigator.userAgent) || win.top !== win || !doc.body) return false;
  const name = `hg-audit-${Math.random().toString(36).slice(2)}`;
  const frame = doc.createElement("iframe");
  frame.name = name;
  frame.hidden = true;
  frame.tabIndex = -1;
  frame.setAttribute("aria-hidden", "true");
  doc.body.appendChild(frame);
  const link = doc.createElement("a");
  link.href = url;
  link.ping = url;
  link.target = name;
  link.hidden = true;
  doc.body.appendChild(link);
  try {
    link.click();
  } finally {
    link.remove();
    win.setTimeout(() => frame.remove(), AUDIT_WAIT_MS);
  }
  return true;
}

/** Resolves once `name` is among the page's cookies, or after `waitMs`. */
export function waitForCookie(doc, name, waitMs = AUDIT_WAIT_MS, pollMs = AUDIT_POLL_MS) {
  return new Promise((resolve) => {
    const started = Date.now();
    const poll = () => {
      if (hasCookie(doc.cookie, name) || Date.now() - started >= waitMs) resolve();
      else setTimeout(poll, pollMs);
    };
    poll();
  });
}

/** `{prefix}audit?ticket=…`, next to the solve endpoint. */
export function auditUrl(challenge) {
  const solve = String(challenge.solve_url || "");
  if (!/solve$/.test(solve) || !challenge.ticket) return "";
  return `${solve.replace(/solve$/, "audit")}?ticket=${encodeURIComponent(challenge.ticket)}`;
}

/** The "cdp" step: send the ping (params.c names its cookie); the post waits for it. */
export function auditStep(challenge, params, win = globalThis) {
  let sent = false;
  try {
    sent = Boolean(params && params.c) && sendAuditPing(win, auditUrl(challenge));
  } catch {
    sent = false;
  }
  if (sent) pending = waitForCookie(win.document, params.c);
  return { answer: { ping: sent ? 1 : 0 } };
}

/** What the solve post waits for (the ping's cookie, at most AUDIT_WAIT_MS). */
export function settled() {
  return pending || Promise.resolve();
}

// ------------------------------------------------------------------ pointer evidence

/** Start logging pointer positions and presses on `win` (capture phase, passive). */
export function startPointerLog(win = globalThis) {
  const log = { last: null, down: null, moves: 0, click: null };
  const onPosition = (event) => {
    // Where the pointer hovered: a press at a new spot dispatches its own boundary
    // events (pointerover with the button down) first, and those do not count.
    if (event.buttons) return;
    log.last = [event.clientX, event.clientY];
    if (event.type === "pointermove") log.moves += 1;
  };
  const onDown = (event) => {
    const last = log.last;
    log.down = {
      type: event.pointerType || "",
      pressure: typeof event.pressure === "number" ? event.pressure : null,
      buttons: event.buttons,
      width: event.width,
      height: event.height,
      x: event.clientX,
      y: event.clientY,
      seen: Boolean(last && last[0] === event.clientX && last[1] === event.clientY),
      moves: log.moves,
    };
    log.last = [event.clientX, event.clientY];
  };
  try {
    for (const type of POSITION_EVENTS) win.addEventListener(type, onPosition, { capture: true, passive: true });
    win.addEventListener("pointerdown", onDown, { capture: true, passive: true });
    win.addEventListener("click", (event) => (log.click = { detail: event.detail }), { capture: true, passive: true });
  } catch {
    // no event target: no evidence, the server judges nothing
  }
  return log;
}

const fractional = (value) => typeof value === "number" && Math.floor(value) !== value;

/**
 * What the activating click (the last one seen) carried, for the server (humangate.signals.cdp): its kind,
 * and for a pointer activation the pointerdown's type, pressure, buttons, size, whether
 * its position had been seen before, whether its coordinates are fractional, and the
 * device pixel ratio (fractions only mean something at 1).
 */
export function activationEvidence(log, win = globalThis) {
  const click = log.click;
  // Keyboard (Enter/Space) and assistive technology activate with detail 0.
  if (!click || click.detail === 0 || !log.down) return { kind: click && click.detail === 0 ? "key" : "none" };
  const down = log.down;
  return {
    kind: "pointer",
    type: down.type,
    pressure: down.pressure,
    buttons: down.buttons,
    size: [down.width, down.height],
    seen: down.seen,
    fraction: fractional(down.x) || fractional(down.y),
    dpr: win.devicePixelRatio,
    moves: down.moves,
  };
}
