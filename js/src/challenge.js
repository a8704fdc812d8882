// The challenge page script. It reads the challenge the server rendered into
// #humangate-challenge, runs the listed steps (proof-of-work today; signals and an
// interaction plug in as further steps), posts the solution and follows the redirect.
// The build inlines its imports; it runs under the page's strict CSP (no eval, no
// inline handlers, workers only from 'self').

import { resolveLanguage, textDirection } from "./i18n.js";
import { runStep, runSteps, submit } from "./steps.js";
import { announceCleared, watchClearance } from "./tabs.js";

const MAX_FAILURES = 3;
const ACTIONABLE_FAILURES = new Set(["failure_other_client", "failure_automated"]);
// The site's own fault (its store is down): the visitor can change nothing, so no
// troubleshooting list (update the browser, turn off the VPN...) and a slower retry.
const SITE_FAILURES = new Set(["failure_site_unavailable"]);
const SITE_RETRY_DELAY_MS = 5000;
const RELOAD_DELAY_MS = 1500;

function isSameOriginPath(target) {
  if (typeof target !== "string") return false;
  try {
    return new URL(target, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------------- page

/**
 * The widget. `say(key)` shows a catalog message and remembers the key, so a switch to
 * another language re-renders the current state instead of resetting it.
 */
function createView(challenge) {
  const byId = (id) => document.getElementById(id);
  const widget = byId("humangate-widget");
  const status = byId("humangate-status");
  const progress = byId("humangate-progress");
  const bar = byId("humangate-progress-bar");
  const reduceMotion = matchMedia("(prefers-reduced-motion: reduce)").matches;
  if (bar) bar.style.transition = reduceMotion ? "none" : "width 150ms linear";
  const show = (id) => {
    const element = byId(id);
    if (element) element.hidden = false;
  };
  let messages = challenge.messages || {};
  let shown = { key: "working", text: "" };
  let shownPercent = -1;
  const view = {
    say(key, text) {
      shown = { key, text: text || "" };
      const message = messages[key] || text || messages.failed;
      if (status && message) status.textContent = message;
    },
    progress(percent) {
      if (percent === shownPercent) return; // spare the DOM ten identical updates a second
      shownPercent = percent;
      if (progress) progress.setAttribute("aria-valuenow", String(percent));
      if (bar) bar.style.width = `${percent}%`;
    },
    /** Nothing is working on any more: the progress bar would only mislead. */
    stop() {
      if (widget) widget.classList.add("hg-stopped");
    },
    showTroubleshooting() {
      show("humangate-troubleshooting");
      show("humangate-retry-row");
    },
    /** Re-render every text in `catalog` (language `code`), and lang/dir with it. */
    applyCatalog(code, catalog) {
      messages = { ...messages, ...catalog };
      const page = document.documentElement.hasAttribute("data-humangate-page");
      // On an owner's custom page only the widget is ours to translate.
      const scope = page ? document : widget;
      if (!scope) return;
      for (const element of scope.querySelectorAll("[data-i18n]")) {
        const text = catalog[element.getAttribute("data-i18n")];
        if (typeof text === "string") element.textContent = text;
      }
      for (const element of scope.querySelectorAll("[data-i18n-label]")) {
        const text = catalog[element.getAttribute("data-i18n-label")];
        if (typeof text === "string") element.setAttribute("aria-label", text);
      }
      for (const element of page ? [document.documentElement, widget] : [widget]) {
        if (!element) continue;
        element.lang = code;
        element.dir = textDirection(code);
      }
      view.say(shown.key, shown.text);
    },
  };
  return view;
}

/**
 * The seeds choose the language by navigator.language; the server pre-selected one
 * from Accept-Language for the first paint. Fetch the other catalog only if they differ.
 */
async function switchLanguage(challenge, view) {
  const supported = challenge.languages;
  if (challenge.language_forced || !Array.isArray(supported) || !challenge.i18n_url) return;
  const tags = [navigator.language, ...(navigator.languages || [])];
  const wanted = tags.map((tag) => resolveLanguage(tag, supported)).find(Boolean);
  if (!wanted || wanted === challenge.language) return;
  try {
    const response = await fetch(`${challenge.i18n_url}${wanted}.json`, {
      credentials: "same-origin",
    });
    if (!response.ok) return;
    view.applyCatalog(wanted, await response.json());
  } catch {
    // Keep the server's choice: a readable page beats a perfect language.
  }
}

/** Failed attempts on this path, kept across reloads; storage may be unavailable. */
function failureCounter(path) {
  const key = `humangate:failures:${path}`;
  const read = () => {
    try {
      return Number(sessionStorage.getItem(key)) || 0;
    } catch {
      return 0;
    }
  };
  return {
    count: read,
    increment() {
      const count = read() + 1;
      try {
        sessionStorage.setItem(key, String(count));
      } catch {
        // Without storage every reload starts over; the page still works.
      }
      return count;
    },
    clear() {
      try {
        sessionStorage.removeItem(key);
      } catch {
        // Nothing stored.
      }
    },
  };
}

function readChallenge() {
  return JSON.parse(document.getElementById("humangate-challenge").textContent);
}

async function main() {
  const challenge = readChallenge();
  const view = createView(challenge);
  const widget = document.getElementById("humangate-widget");
  // The inline compat script already explained an unsupported browser; stop here.
  // No Worker is not a reason to give up: the proof-of-work then runs on this thread
  // in slices, and signals that need a Worker report "na" (unavailable, neutral).
  if (widget && widget.classList.contains("hg-unsupported")) return;
  switchLanguage(challenge, view); // in parallel with the work; texts follow when ready
  const failures = failureCounter(location.pathname);
  const retry = document.getElementById("humangate-retry");
  if (retry) retry.addEventListener("click", () => location.reload());

  const fail = (key, text) => {
    if (SITE_FAILURES.has(key)) {
      view.say(key, text);
      setTimeout(() => {
        view.say("retrying");
        location.reload();
      }, SITE_RETRY_DELAY_MS);
      return;
    }
    const stopping = failures.increment() >= MAX_FAILURES;
    // Once retries stop, "a new one is on its way" would be untrue; reasons that tell
    // the visitor what to change stay, the rest become the plain failure text.
    view.say(stopping && !ACTIONABLE_FAILURES.has(key) ? "failed" : key, text);
    if (stopping) {
      view.stop();
      view.showTroubleshooting();
      return;
    }
    setTimeout(() => {
      view.say("retrying");
      location.reload();
    }, RELOAD_DELAY_MS);
  };

  if (!navigator.cookieEnabled) {
    // The clearance is a cookie: without cookies every solve would loop back here.
    view.stop();
    view.say("cookies_disabled");
    view.showTroubleshooting();
    return;
  }
  if (failures.count() >= MAX_FAILURES) view.showTroubleshooting();
  view.say("working");

  // Another tab of this browser may earn the clearance first: then go on from here.
  let leaving = false;
  const proceed = (url) => {
    leaving = true;
    failures.clear();
    view.progress(100);
    view.say("success");
    location.replace(url);
  };
  const handoff = watchClearance(challenge, proceed);
  const clearedElsewhere = async () => leaving || Boolean(await handoff.check());

  let payload;
  try {
    payload = await runSteps(challenge, view);
  } catch {
    if (!(await clearedElsewhere())) fail("failed");
    return;
  }
  if (leaving) return;
  let result = await submit(challenge.solve_url, payload);
  if (leaving) return;
  // Never ask the visitor (or count a failure) for what another tab already holds.
  if (!(result && result.ok === true) && (await clearedElsewhere())) return;
  let asked = true; // whether the server was asked since this result came in
  if (result && result.reason === "interaction_required" && challenge.escalation) {
    // Managed challenge with uncertain signals: ask for the interaction on this page and
    // post the same (unspent) ticket again. Hard signals never get this far.
    view.say("failure_interaction_required", result.message);
    try {
      await runStep(challenge.escalation, challenge, view, payload);
    } catch {
      fail("failed");
      return;
    }
    result = await submit(challenge.solve_url, payload);
    asked = false;
  }
  if (leaving) return;
  if (result && result.ok === true && isSameOriginPath(result.redirect)) {
    handoff.stop(); // our own announcement is not news to us
    announceCleared();
    proceed(result.redirect);
  } else if (asked || !(await clearedElsewhere())) {
    // Our own catalog's text for the reason (it follows a language switch); the
    // server's message when the reason is new to this page.
    const reason = result && typeof result.reason === "string" ? result.reason : "";
    const text = result && typeof result.message === "string" ? result.message : "";
    fail(reason ? `failure_${reason}` : "failed", text);
  }
}

main().catch(() => {
  // The page itself is broken (no challenge data): point the visitor at the help.
  for (const id of ["humangate-troubleshooting", "humangate-retry-row"]) {
    const element = document.getElementById(id);
    if (element) element.hidden = false;
  }
});
