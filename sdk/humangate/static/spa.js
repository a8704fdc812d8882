// humangate spa.js: built from js/src by js/build.mjs; do not edit.
(() => {
"use strict";
// ---- js/src/spa.js
// The single-page-app helper, shipped as {prefix}static/spa.js. Load it with a plain
// <script src> (not type=module: it finds the prefix from its own URL).
//
//   const response = await humangate.fetch("/api/orders", { method: "POST", body });
//
// humangate.fetch(input, init) is fetch(): when the answer carries
// `cf-mitigated: challenge` it runs the challenge in place, in a modal dialog holding a
// same-origin iframe of {prefix}challenge, waits until that frame reaches {prefix}done
// (the clearance cookie is then set), and sends the request once more. No page reload.
//
// On humangate's own "your form is kept" page it does the same and then submits the
// held form back to the form's own address (the page's form action), so a challenged
// form POST reaches the app after all and the address bar shows where it was sent.

const PREFIX = ownPrefix();
let pendingChallenge = null;

function ownPrefix() {
  const script = document.currentScript;
  if (script && script.src) {
    // static/spa.js, or its content-hashed name static/spa.<hash>.js
    const path = new URL(script.src, location.href).pathname;
    const found = /static\/spa(?:\.[0-9a-f]+)?\.js$/.exec(path);
    if (found && found.index > 0) return path.slice(0, found.index);
  }
  return "/.humangate/";
}

// `work`: the proof-of-work bits the route asks for (a rule's own difficulty), so the
// clearance earned here is enough for the request that is sent again.
function challengeUrl(level, work) {
  const bits = Number.isInteger(work) && work > 0 ? `&work=${work}` : "";
  return `${PREFIX}challenge?level=${encodeURIComponent(level || "managed")}${bits}`;
}

/** Shows the challenge at `url` in a modal dialog; resolves once it is solved. */
function runChallenge(url) {
  if (pendingChallenge) return pendingChallenge; // several requests, one challenge
  pendingChallenge = new Promise((resolve, reject) => {
    const dialog = document.createElement("dialog");
    dialog.setAttribute("aria-label", "Checking your browser");
    // Inline styles: the host page's CSS is unknown, and a strict CSP may forbid a
    // <style> element. A column: the frame takes the space, the button row its own.
    Object.assign(dialog.style, {
      width: "min(36rem, 92vw)",
      height: "min(34rem, 86vh)",
      padding: "0",
      border: "0",
      borderRadius: "12px",
      boxShadow: "0 12px 40px rgba(0, 0, 0, 0.35)",
      overflow: "hidden",
      display: "flex",
      flexDirection: "column",
      background: "#fff",
      color: "#1b1f24",
    });
    const frame = document.createElement("iframe");
    frame.title = "Browser check";
    Object.assign(frame.style, { flex: "1 1 auto", minHeight: "0", width: "100%", border: "0" });
    const footer = document.createElement("div");
    Object.assign(footer.style, {
      flex: "0 0 auto",
      display: "flex",
      justifyContent: "flex-end",
      padding: "0.6rem 0.9rem",
      borderTop: "1px solid #d8dde3",
      background: "#f6f8fa",
    });
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = "Cancel";
    Object.assign(cancel.style, {
      font: "inherit",
      fontSize: "0.95rem",
      padding: "0.4rem 1.1rem",
      border: "1px solid #b8c0c8",
      borderRadius: "6px",
      background: "#fff",
      color: "inherit",
      cursor: "pointer",
    });
    footer.append(cancel);

    const finish = (error) => {
      dialog.close();
      dialog.remove();
      if (error) reject(error);
      else resolve();
    };
    frame.addEventListener("load", () => {
      let path = "";
      try {
        path = frame.contentWindow.location.pathname;
      } catch {
        return; // not (yet) same-origin content: keep waiting
      }
      if (path === `${PREFIX}done`) finish();
    });
    cancel.addEventListener("click", () => finish(new Error("challenge cancelled")));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault(); // Escape: same as the button, with our cleanup
      finish(new Error("challenge cancelled"));
    });

    frame.src = url;
    dialog.append(frame, footer);
    document.body.append(dialog);
    dialog.showModal();
    frame.focus();
  }).finally(() => {
    pendingChallenge = null;
  });
  return pendingChallenge;
}

/** Runs the challenge for `level` ("non_interactive", "managed", "interactive"). */
function challenge(level, work) {
  return runChallenge(challengeUrl(level, work));
}

/** The level and work a challenged answer asks for. */
async function challengeNeed(response) {
  try {
    const problem = await response.clone().json();
    if (problem && typeof problem.level === "string") return [problem.level, problem.work];
  } catch {
    // An HTML challenge page or an empty body: the default level will do.
  }
  return ["managed", undefined];
}

/** fetch(), but a challenged answer is solved in place and the request sent once more. */
async function gatedFetch(input, init) {
  // A Request's body can be read once: keep a copy for the retry.
  const retry = input instanceof Request ? input.clone() : input;
  const response = await fetch(input, init);
  if (response.headers.get("cf-mitigated") !== "challenge") return response;
  await challenge(...(await challengeNeed(response)));
  return fetch(retry, init);
}

function resumeHeldPage() {
  const form = document.getElementById("humangate-replay");
  if (form) {
    runChallenge(form.dataset.challenge || challengeUrl("managed")).then(
      () => form.submit(),
      () => {}, // cancelled: the page still explains what happened
    );
    return;
  }
  const status = document.getElementById("humangate-clear");
  if (status) {
    runChallenge(status.dataset.challenge || challengeUrl("managed")).then(
      () => {
        status.textContent = "Check complete. Go back and submit the form again.";
      },
      () => {},
    );
  }
}

// Kept beside what another humangate script put there (JavaScript Detections' jsd).
window.humangate = Object.freeze({ ...(window.humangate || {}), fetch: gatedFetch, challenge });
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", resumeHeldPage);
} else {
  resumeHeldPage();
}
})();
