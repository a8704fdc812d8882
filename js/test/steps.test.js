import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runStep, runSteps } from "../src/steps.js";

// A program the server generated (humangate.probes.program.generate, fixed seed). Node
// has no DOM, so the tasks answer "" here: these tests are about how the page gets it.
const PROGRAM = JSON.parse(readFileSync(new URL("./fixtures/program.json", import.meta.url)));
const FAMILIES = new Set(["box", "path", "style"]);
globalThis.document = {}; // no DOM: every task throws inside the interpreter and answers ""

function serving(responses, calls) {
  globalThis.fetch = async (url, options = {}) => {
    calls.push({ url, options });
    const { status = 200, body } = responses.shift();
    return { ok: status < 300, status, json: async () => body };
  };
}

const challenge = (probe) => ({
  ticket: "a+b/c=",
  probe_url: "/.humangate/probe",
  steps: ["probe"],
  step_params: { probe },
});

test("the page fetches its ticket's program, then posts its digests", async () => {
  const calls = [];
  serving([{ body: PROGRAM }], calls);
  const payload = await runSteps(challenge({ t: PROGRAM.t }), {});
  assert.equal(calls.length, 1);
  assert.equal(calls[0].url, "/.humangate/probe?ticket=a%2Bb%2Fc%3D");
  assert.equal(calls[0].options.cache, "no-store");
  const families = Object.keys(payload.steps.probe.d);
  assert.ok(families.length > 0 && families.every((f) => FAMILIES.has(f)), families.join());
});

test("a program already in the parameters is not fetched", async () => {
  const calls = [];
  serving([], calls);
  const payload = { signals: {}, steps: {} };
  await runStep("probe", challenge(PROGRAM), {}, payload);
  assert.equal(calls.length, 0);
  assert.ok(Object.keys(payload.steps.probe.d).length > 0);
});

test("a refused program fails the step rather than answering without it", async () => {
  serving([{ status: 403, body: {} }], []);
  await assert.rejects(runSteps(challenge({ t: PROGRAM.t }), {}), /HTTP 403/);
});
