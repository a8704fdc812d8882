// Benchmark driver: runs `workers` copies of a solver worker on an unsolvable-in-practice
// puzzle (32 bits) and counts the nonces they report over a timed window after warm-up.

const SEED = "5eed".repeat(16);
const DIFFICULTY = 32;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure({ workerUrl, workers, seconds, warmupMs = 700, task = {} }) {
  let hashes = 0;
  let found = false;
  const pool = [];
  for (let k = 0; k < workers; k++) {
    const worker = new Worker(workerUrl);
    worker.onmessage = ({ data }) => {
      if (data.type === "error") throw new Error(data.message);
      hashes += data.hashes;
      found = found || data.type === "found";
    };
    worker.postMessage({ seed: SEED, difficulty: DIFFICULTY, start: k, stride: workers, ...task });
    pool.push(worker);
  }
  await sleep(warmupMs); // let the JIT settle and the first batches size themselves
  const startHashes = hashes;
  const started = performance.now();
  await sleep(seconds * 1000);
  const rate = (hashes - startHashes) / ((performance.now() - started) / 1000);
  pool.forEach((worker) => worker.terminate());
  return { rate, found };
}

window.benchInfo = () => ({ cores: navigator.hardwareConcurrency, agent: navigator.userAgent });
window.measure = measure;
