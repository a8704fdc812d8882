// Several challenged tabs of one browser (middle-clicked links, a restored session):
// once one tab earns the clearance, every other tab still working on its challenge
// should continue to its page instead of finishing its own work or asking the visitor.
//
// The winning tab announces it (BroadcastChannel, and a localStorage write whose
// `storage` event reaches browsers without BroadcastChannel). The clearance cookie is
// HttpOnly, so a waiting tab cannot see it; it asks the server's `cleared` endpoint with
// its own ticket, which answers with the ticket's target when the cookie covers it.
// A tab also asks when it becomes visible and before it would show the interaction.

const CHANNEL = "humangate-clearance";
const STORAGE_KEY = "humangate:cleared";

/** Tell the other tabs of this browser that a clearance was just set. */
export function announceCleared(win = globalThis) {
  try {
    if (typeof win.BroadcastChannel === "function") {
      const channel = new win.BroadcastChannel(CHANNEL);
      channel.postMessage({ type: "cleared" });
      channel.close();
    }
  } catch {
    // No channel (some privacy modes): the storage event below may still reach them.
  }
  try {
    // A new value every time, so the `storage` event fires even for equal levels.
    win.localStorage.setItem(STORAGE_KEY, `${Date.now()}:${Math.random()}`);
  } catch {
    // Storage refused: waiting tabs still check when the visitor looks at them.
  }
}

/** Whether `target` is a path on this origin (the only place a tab may go). */
export function sameOriginTarget(target, base) {
  if (typeof target !== "string") return null;
  try {
    const url = new URL(target, base);
    return url.origin === new URL(base).origin ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Watch for a clearance another tab obtained. `onCleared(url)` runs at most once, with
 * the same-origin URL to continue to. Returns {check, stop}: `check()` asks the server
 * now and resolves to that URL or null (and calls onCleared when it is a URL).
 */
export function watchClearance(challenge, onCleared, win = globalThis) {
  const doc = win.document;
  const url = challenge.cleared_url;
  let done = false;
  let pending = null;
  let channel = null;

  const ask = async () => {
    if (!url || typeof win.fetch !== "function") return null;
    try {
      const response = await win.fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ticket: challenge.ticket }),
      });
      const result = await response.json();
      return result && result.ok === true ? sameOriginTarget(result.redirect, win.location.href) : null;
    } catch {
      return null; // offline, or not JSON: keep working on this tab's own challenge
    }
  };
  // One question at a time; a burst of notices shares the answer.
  const check = () => {
    if (done) return Promise.resolve(null);
    if (!pending) {
      pending = ask().then((target) => {
        pending = null;
        if (target && !done) {
          stop();
          onCleared(target);
        }
        return target;
      });
    }
    return pending;
  };
  const onStorage = (event) => {
    if (event.key === STORAGE_KEY) check();
  };
  const onVisible = () => {
    if (doc && doc.visibilityState === "visible") check();
  };
  function stop() {
    done = true;
    if (channel) channel.close();
    win.removeEventListener("storage", onStorage);
    if (doc) doc.removeEventListener("visibilitychange", onVisible);
  }

  try {
    if (typeof win.BroadcastChannel === "function") {
      channel = new win.BroadcastChannel(CHANNEL);
      channel.onmessage = ({ data }) => {
        if (data && data.type === "cleared") check();
      };
    }
  } catch {
    channel = null;
  }
  win.addEventListener("storage", onStorage);
  if (doc) doc.addEventListener("visibilitychange", onVisible);
  return { check, stop };
}
