// What the widget's page script and its frame agree on: who may talk to whom, and the
// client-side error codes (the families of Turnstile's documentation).

export const MESSAGE_SOURCE = "humangate-turnstile";

/** A message the frame may act on: from its parent window, at the declared origin. */
export function isFromParent(event, origin, parent) {
  return (
    event.source === parent &&
    event.origin === origin &&
    !!event.data &&
    typeof event.data === "object" &&
    event.data.source === MESSAGE_SOURCE
  );
}

/** The error code for a refused solve: 600*** the challenge failed, 300*** otherwise. */
export function frameErrorCode(result) {
  if (!result || typeof result !== "object") return "300030"; // network or not JSON
  const codes = {
    automated: "600010",
    wrong_solution: "600020",
    other_client: "110510",
    expired: "110600",
    replayed: "600030",
    invalid: "600040",
    step_failed: "600050",
  };
  return codes[result.reason] || "300030";
}

/** Whether an error family is one Turnstile retries (reference §1.5). */
export function isRetryable(code) {
  const text = String(code);
  const family = text.slice(0, 3);
  if (["102", "103", "104", "106", "300", "600"].includes(family)) return true;
  return text.startsWith("11060") || text.startsWith("11062");
}
