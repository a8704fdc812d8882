// Baseline for the benchmark: the Anubis-style approach of one awaited WebCrypto digest
// per nonce over the whole 72-byte message (no midstate). Written for humangate's bench;
// it speaks the same protocol as pow-worker.js so one driver measures both.

const WORD = 2 ** 32;
const PROGRESS_INTERVAL_MS = 100;

function leadingZeroBits(digest) {
  let bits = 0;
  for (const byte of digest) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

self.onmessage = async ({ data: { seed, difficulty, start, stride } }) => {
  const message = new Uint8Array(72);
  message.set(new TextEncoder().encode(seed));
  const view = new DataView(message.buffer);
  let hashes = 0;
  let lastPost = performance.now();
  for (let nonce = start; ; nonce += stride) {
    view.setUint32(64, Math.floor(nonce / WORD));
    view.setUint32(68, nonce >>> 0);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", message));
    hashes++;
    if (leadingZeroBits(digest) >= difficulty) {
      self.postMessage({ type: "found", nonce, hashes });
      return;
    }
    const now = performance.now();
    if (now - lastPost >= PROGRESS_INTERVAL_MS) {
      self.postMessage({ type: "progress", hashes });
      hashes = 0;
      lastPost = now;
    }
  }
};
