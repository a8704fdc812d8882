// The interaction step: a real <button> (rendered by the page template) that a person
// activates by mouse, touch, keyboard or a screen reader. Never a puzzle.
//
// The server places the button (its step parameters: the pad's height and, in the
// widget's frame, its width in px; the button's left/width in thousandths of the pad's
// width, top/height in px) from the ticket's sealed randomness. This page only
// records the events that reached the button and sends them with the pad's and the
// button's measured boxes; the server judges them (humangate/challenges/interaction.py).
// No verdict is made here, and nothing leaves but these few events.

const RECORDED = ["pointerdown", "pointerup", "mousedown", "mouseup", "keydown", "keyup", "click"];
const MAX_EVENTS = 32;

const round1 = (value) => Math.round(value * 10) / 10;

/** Activation keys by name; any other key is only "other" (typed text never leaves). */
export function keyName(key) {
  if (key === "Enter") return "enter";
  if (key === " " || key === "Spacebar") return "space";
  return "other";
}

/** Draw the button where the server put it. CSSOM writes, allowed under the page's CSP. */
export function placeButton(pad, button, params) {
  pad.style.height = `${params.pad}px`;
  if (params.pad_w) pad.style.width = `${params.pad_w}px`; // the widget's fixed box
  button.style.left = `${params.left / 10}%`;
  button.style.width = `${params.width / 10}%`;
  button.style.top = `${params.top}px`;
  button.style.height = `${params.height}px`;
}

/** One event as the server reads it; `t` in ms since the button was shown. */
export function eventRecord(event, padRect, t) {
  const keyboard = event.type === "keydown" || event.type === "keyup";
  return {
    type: event.type,
    t: Math.max(0, round1(t)),
    x: keyboard ? 0 : round1(event.clientX - padRect.left),
    y: keyboard ? 0 : round1(event.clientY - padRect.top),
    trusted: event.isTrusted === true,
    detail: keyboard ? 0 : Math.max(0, Math.min(999, event.detail | 0)),
    pointer: typeof event.pointerType === "string" ? event.pointerType.slice(0, 8) : "",
    key: keyboard ? keyName(event.key) : "",
    // CDP's synthetic mouse leaves these equal; a real window has its viewport offset.
    same_screen: !keyboard && event.screenX === event.clientX && event.screenY === event.clientY,
  };
}

/** The evidence the server judges: boxes relative to the pad, and the events. */
export function evidence(padRect, buttonRect, events) {
  return {
    pad: [round1(padRect.width), round1(padRect.height)],
    button: [
      round1(buttonRect.left - padRect.left),
      round1(buttonRect.top - padRect.top),
      round1(buttonRect.width),
      round1(buttonRect.height),
    ],
    events,
  };
}

/**
 * Show the button where `params` say, wait for its activation, hide it again. `focus`:
 * move the keyboard focus to it (a page of its own does; a widget inside someone's form
 * must not).
 */
export function runInteraction(params, doc = document, now = () => performance.now(), focus = true) {
  const box = doc.getElementById("humangate-interaction");
  const pad = doc.getElementById("humangate-interaction-pad");
  const button = doc.getElementById("humangate-interaction-button");
  if (!box || !pad || !button) return Promise.reject(new Error("no interaction element"));
  placeButton(pad, button, params);
  box.hidden = false;
  if (focus) button.focus(); // keyboard and screen-reader users land on the one thing to do
  const shown = now();
  const events = [];
  return new Promise((resolve) => {
    const record = (event) => {
      // The event's own time (same clock as performance.now()), not the handler's.
      const at = typeof event.timeStamp === "number" && event.timeStamp > 0 ? event.timeStamp : now();
      const padRect = pad.getBoundingClientRect();
      events.push(eventRecord(event, padRect, at - shown));
      if (events.length > MAX_EVENTS) events.shift();
      if (event.type !== "click") return;
      for (const type of RECORDED) button.removeEventListener(type, record, true);
      const answer = evidence(padRect, button.getBoundingClientRect(), events);
      box.hidden = true;
      resolve({ answer });
    };
    for (const type of RECORDED) button.addEventListener(type, record, true);
  });
}
