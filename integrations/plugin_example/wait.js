// The JS half of the "wait" challenge step (integrations/plugin_example).
// humangate's page loads this file from {prefix}static/challenges/wait.js with its CSP
// nonce; the step waits params.seconds, then asks for a click on the page's button.
(() => {
  "use strict";
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  globalThis.humangate.registerStep("wait", async (challenge, view, params) => {
    await sleep(Math.max(0, Number(params.seconds) || 0) * 1000);
    const box = document.getElementById("humangate-interaction");
    const button = document.getElementById("humangate-interaction-button");
    if (!box || !button) throw new Error("no button to confirm with");
    box.hidden = false;
    button.focus();
    const event = await new Promise((resolve) =>
      button.addEventListener("click", resolve, { once: true }),
    );
    box.hidden = true;
    return { answer: { confirmed: true, trusted: event.isTrusted === true } };
  });
})();
