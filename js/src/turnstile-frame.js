// The Turnstile-compatible widget's frame. It runs humangate's own challenge (the same
// steps as the challenge page) inside an iframe the page's api.js created, and reports
// to that page by postMessage, only ever to the origin the page declared: a page that
// lies about its origin is refused by frame-ancestors or never receives the token.

import { runStep, runSteps, submit } from "./steps.js";
import { MESSAGE_SOURCE, frameErrorCode, isFromParent } from "./turnstile-protocol.js";

const DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX";
const TEST_DELAY_MS = 300; // the test keys answer after a moment, like a real solve
const INTERACTION_TIMEOUT_MS = 120000;
const TOKEN_TTL_S = 300;

function readData() {
  return JSON.parse(document.getElementById("humangate-challenge").textContent);
}

function createFrameView(data) {
  const widget = document.getElementById("humangate-widget");
  const status = document.getElementById("humangate-status");
  const retry = document.getElementById("humangate-retry");
  const messages = data.messages || {};
  return {
    show(state, key, text) {
      widget.dataset.state = state;
      const message = messages[key] || text;
      if (message) status.textContent = message;
    },
    offerRetry(onRetry) {
      retry.hidden = false;
      retry.focus();
      retry.addEventListener("click", () => onRetry(), { once: true });
    },
    // The steps' progress bar: the widget shows a spinner instead.
    progress() {},
  };
}

function createPoster(data) {
  return (type, fields = {}) => {
    if (window.parent === window || !data.origin) return;
    window.parent.postMessage({ source: MESSAGE_SOURCE, widgetId: data.widget_id, type, ...fields }, data.origin);
  };
}

/** Resolves when the page asks to run (execution "execute"); at once otherwise. */
function whenExecuted(data) {
  if (data.execution !== "execute") return Promise.resolve();
  return new Promise((resolve) => {
    const onMessage = (event) => {
      if (!isFromParent(event, data.origin, window.parent)) return;
      if (event.data.type !== "execute") return;
      window.removeEventListener("message", onMessage);
      resolve();
    };
    window.addEventListener("message", onMessage);
  });
}

/** Listens for the page's notices that need the frame to change what it shows. */
function listenToPage(data, view, post) {
  window.addEventListener("message", (event) => {
    if (!isFromParent(event, data.origin, window.parent)) return;
    if (event.data.type === "expired") {
      view.show("expired", "widget_expired");
      view.offerRetry(() => post("refresh"));
    }
  });
}

/** The interaction, with the page told before and after; rejects on timeout. */
function interact(run, post) {
  post("interactive");
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("interaction timeout")), INTERACTION_TIMEOUT_MS);
  });
  return Promise.race([run(), timeout]).finally(() => {
    clearTimeout(timer);
    post("interactive-done");
  });
}

async function runChallenge(data, view, post) {
  const challenge = { ...data.challenge, focus_interaction: false };
  let payload;
  try {
    payload = await runSteps(challenge, view);
  } catch {
    return post("fail", { code: "300010" });
  }
  payload.context = challenge.context;
  let result = await submit(challenge.solve_url, payload);
  if (result && result.reason === "interaction_required" && challenge.escalation) {
    view.show("interactive", "interaction_prompt");
    try {
      await interact(() => runStep(challenge.escalation, challenge, view, payload), post);
    } catch {
      // Timed out: the page decides (refresh-timeout); a person may also ask again.
      view.show("expired", "widget_expired");
      view.offerRetry(() => post("refresh"));
      return post("timeout");
    }
    view.show("working", "working");
    result = await submit(challenge.solve_url, payload);
  }
  if (result && result.ok === true && typeof result.token === "string") {
    view.show("success", "widget_success");
    return post("token", { token: result.token, expiresIn: result.expires_in || TOKEN_TTL_S });
  }
  view.show("error", "widget_failed");
  return post("fail", { code: frameErrorCode(result) });
}

async function runTest(data, view, post) {
  await new Promise((resolve) => setTimeout(resolve, TEST_DELAY_MS));
  if (data.test === "fail") {
    view.show("error", "widget_failed");
    return post("fail", { code: "600010" });
  }
  if (data.test === "interactive") {
    const box = document.getElementById("humangate-interaction");
    const button = document.getElementById("humangate-interaction-button");
    view.show("interactive", "interaction_prompt");
    await interact(
      () =>
        new Promise((resolve) => {
          box.hidden = false;
          button.addEventListener("click", () => resolve((box.hidden = true)), { once: true });
        }),
      post,
    ).catch(() => null);
  }
  view.show("success", "widget_success");
  return post("token", { token: DUMMY_TOKEN, expiresIn: TOKEN_TTL_S });
}

async function main() {
  const data = readData();
  const view = createFrameView(data);
  const post = createPoster(data);
  post("init", { visible: data.visible !== false });
  if (data.kind === "error") {
    view.show("error", "widget_unavailable");
    return post("error", { code: data.error });
  }
  listenToPage(data, view, post);
  await whenExecuted(data);
  view.show("working", "working");
  return data.kind === "test" ? runTest(data, view, post) : runChallenge(data, view, post);
}

main().catch(() => {
  try {
    createPoster(readData())("fail", { code: "300020" });
  } catch {
    // No data to say where to report: the page's own timeout applies.
  }
});
