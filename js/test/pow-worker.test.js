import { test } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import { buildAll } from "../build.mjs";

// Chromium stops a worker whose script never returns to its event loop only 2 s after
// terminate(), so the losing workers of a solved puzzle would keep every core busy.
test("the built worker returns to its event loop between progress reports", async () => {
  const { "pow-worker.js": source } = await buildAll();
  const posted = [];
  let stopped;
  const done = new Promise((resolve) => (stopped = resolve));
  const self = {
    location: { href: "http://x/w.js" },
    postMessage(message) {
      posted.push(message.type);
      if (message.type === "error") stopped();
      // Ends the otherwise endless search (difficulty 32) after three reports.
      const reports = posted.filter((type) => type === "progress").length;
      if (message.type === "progress" && reports === 3) throw new Error("stop");
    },
  };
  vm.runInNewContext(source, { self, performance, TextEncoder, URL, MessageChannel });
  self.onmessage({ data: { seed: "ab".repeat(32), difficulty: 32, engine: "js" } });
  setTimeout(() => posted.push("timer"), 0);
  await done;
  const timer = posted.indexOf("timer");
  assert.ok(timer >= 0 && timer < posted.lastIndexOf("progress"), posted.join(" "));
});
