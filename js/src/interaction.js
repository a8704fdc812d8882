// The interaction step: a real <button> (rendered by the page template) that a person
// activates by mouse, touch or keyboard. Only trusted events count; pointer
// plausibility is a soft signal. Never a puzzle.

const MIN_REACTION_MS = 100; // faster than a person can see the button and react

/** Verdicts for the click that activated the button. */
export function interactionVerdicts(event, reactionMs) {
  // Keyboard activation (Enter/Space) fires a click with detail 0 and zero coordinates:
  // pointer plausibility does not apply to it.
  const pointer = event.detail > 0;
  // CDP's Input.dispatchMouseEvent leaves screen coordinates equal to client ones; a
  // browser window always has its viewport offset on screen (toolbar, frame).
  const cdpLike = event.screenX === event.clientX && event.screenY === event.clientY;
  return {
    interaction: event.isTrusted === true ? "pass" : "fail",
    pointer_plausible: pointer ? (cdpLike ? "fail" : "pass") : "na",
    interaction_time: reactionMs < MIN_REACTION_MS ? "fail" : "pass",
  };
}

/**
 * Show the button, wait for its activation, hide it again. `focus`: move the keyboard
 * focus to it (a page of its own does; a widget inside someone's form must not).
 */
export function runInteraction(doc = document, now = () => performance.now(), focus = true) {
  const box = doc.getElementById("humangate-interaction");
  const button = doc.getElementById("humangate-interaction-button");
  if (!box || !button) return Promise.reject(new Error("no interaction element"));
  box.hidden = false;
  if (focus) button.focus(); // keyboard and screen-reader users land on the one thing to do
  const shown = now();
  return new Promise((resolve) => {
    const onClick = (event) => {
      button.removeEventListener("click", onClick);
      box.hidden = true;
      resolve({ signals: interactionVerdicts(event, now() - shown) });
    };
    button.addEventListener("click", onClick);
  });
}
