// The WebAssembly SIMD engine: search-simd.wat compiled by js/build.mjs into
// pow-simd.wasm. It has the same contract as searchBlock (search-block.js) and tries
// four nonces per step, one per i32x4 lane, so it is a drop-in `block` for createSearch.

/** Fetches and instantiates the module; null when this browser cannot run it. */
export async function loadSimdBlock(url) {
  const response = await fetch(url);
  if (!response.ok) return null;
  const bytes = await response.arrayBuffer();
  if (!WebAssembly.validate(bytes)) return null; // no SIMD support
  const { instance } = await WebAssembly.instantiate(bytes);
  return simdBlock(instance.exports);
}

/** Wraps the module's exports in searchBlock's signature. */
export function simdBlock({ memory, search }) {
  const midWords = new Int32Array(memory.buffer, 0, 8);
  return (mid, difficulty, hi, lo, stride, count) => {
    midWords.set(mid);
    const k = search(hi, lo, stride, count, zeroMask(difficulty));
    return k < 0 ? -1 : (lo + k * stride) >>> 0;
  };
}

/** The bits of hash word 0 that must all be zero: the top `difficulty` bits. */
function zeroMask(difficulty) {
  return difficulty === 0 ? 0 : (-1 << (32 - difficulty)) | 0;
}
