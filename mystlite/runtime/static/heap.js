// The start-up snapshot's file format (made by snapshot.mjs, read by worker.js). Gzipped as a whole:
//   "MLHEAP03", u32 snapshot length, u32 run count, u32 memory offset, u32 baseline length,
//   u32 baseline checksum, u32 pyodide's magic, u32 stdlib length,
//   (u32 offset, u32 length) per run, the runs' bytes, then the stdlib zip's bytes.
// - The snapshot is pyodide's (its header, then the wasm memory from `memory offset` on), with its all-zero
//   4 KiB pages left out.
// - The memory's first `baseline length` bytes (the static data) are stored XORed with the memory as the
//   wasm's own data segments leave it at instantiation. They differ in a few KB, so this ships about
//   1.4 MB less: the wasm already carries that data. The worker undoes it once pyodide has instantiated
//   the wasm (applyBaseline): where the difference is all zeros (left out) that is a copy, elsewhere an XOR.
//   Until then the snapshot's magic number is zero, so pyodide refuses a snapshot whose baseline was never
//   applied instead of starting from a scrambled heap.
// - The baseline checksum (FNV-1a over every SAMPLE-th 32-bit word of the data segments) tells another
//   build's data segments: it is computed before a page's first output, so it reads a sample.
// - The stdlib zip is the one the heap's import caches describe (python_stdlib.zip without the modules
//   already imported): it goes with the heap, so the two cannot be mixed up.
const MAGIC = "MLHEAP03";
const PAGE = 4096;
const HEAD = 40;
const SAMPLE = 16;

const words = (bytes) => new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);

function checksum(bytes) {
  const all = words(bytes);
  let hash = 2166136261;
  for (let index = 0; index < all.length; index += SAMPLE) hash = Math.imul(hash ^ all[index], 16777619);
  return hash >>> 0;
}

function xorInto(target, source) {
  // target ^= source, word by word (both 4-byte aligned, source at least as long)
  const a = words(target), b = words(source);
  for (let index = 0; index < a.length; index++) a[index] ^= b[index];
}

// snapshot: pyodide's makeMemorySnapshot(); initial: the wasm memory right after instantiation (its first
// bytes at least); baselineLength: how many of them to store as a difference (a multiple of PAGE).
export function packHeap(snapshot, { initial, baselineLength, stdlib }) {
  const words = new Uint32Array(snapshot.buffer, snapshot.byteOffset, 2);
  const magic = words[0], memoryAt = words[1];
  const heap = snapshot.slice();
  new Uint32Array(heap.buffer, 0, 1)[0] = 0;
  const sum = checksum(initial.subarray(0, baselineLength));
  xorInto(heap.subarray(memoryAt, memoryAt + baselineLength), initial.subarray(0, baselineLength));
  const runs = [];
  for (let offset = 0; offset < heap.length; offset += PAGE) {
    const end = Math.min(offset + PAGE, heap.length);
    if (!heap.subarray(offset, end).some((byte) => byte !== 0)) continue;
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === offset) last[1] = end - last[0];
    else runs.push([offset, end - offset]);
  }
  const head = HEAD + 8 * runs.length;
  const body = runs.reduce((sum, run) => sum + run[1], 0);
  const packed = new Uint8Array(head + body + stdlib.length);
  const view = new DataView(packed.buffer);
  packed.set(new TextEncoder().encode(MAGIC));
  [heap.length, runs.length, memoryAt, baselineLength, sum, magic, stdlib.length]
    .forEach((value, index) => view.setUint32(8 + 4 * index, value, true));
  let at = head;
  runs.forEach(([offset, length], index) => {
    view.setUint32(HEAD + 8 * index, offset, true);
    view.setUint32(HEAD + 4 + 8 * index, length, true);
    packed.set(heap.subarray(offset, offset + length), at);
    at += length;
  });
  packed.set(stdlib, at);
  return packed;
}

// -> { snapshot (for pyodide's _loadSnapshot, refused until applyBaseline), stdlib, applyBaseline(memory) }
export function unpackHeap(packed) {
  if (new TextDecoder().decode(packed.subarray(0, 8)) !== MAGIC) throw new Error("not a mystlite snapshot");
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const [length, count, memoryAt, baselineLength, sum, magic, stdlibLength] =
    Array.from({ length: 7 }, (_, index) => view.getUint32(8 + 4 * index, true));
  const snapshot = new Uint8Array(length);
  const differences = []; // [from, to) of the baseline where the stored difference is not all zeros
  let at = HEAD + 8 * count;
  for (let index = 0; index < count; index++) {
    const offset = view.getUint32(HEAD + 8 * index, true), size = view.getUint32(HEAD + 4 + 8 * index, true);
    snapshot.set(packed.subarray(at, at + size), offset);
    at += size;
    const from = Math.max(offset, memoryAt) - memoryAt, to = Math.min(offset + size, memoryAt + baselineLength) - memoryAt;
    if (from < to) differences.push([from, to]);
  }
  const stdlib = packed.slice(at, at + stdlibLength);
  let applied = false;
  function applyBaseline(memory) {
    // memory: the wasm memory's bytes right after instantiation. Throws if they are not the ones the
    // snapshot was made against (then the snapshot stays refused, and as it came).
    if (applied) return;
    const baseline = memory.subarray(0, baselineLength);
    if (baseline.length !== baselineLength || checksum(baseline) !== sum) {
      throw new Error("the start-up snapshot was made for another pyodide build");
    }
    const target = snapshot.subarray(memoryAt, memoryAt + baselineLength);
    let copied = 0;
    for (const [from, to] of differences) {
      target.set(baseline.subarray(copied, from), copied);
      xorInto(target.subarray(from, to), baseline.subarray(from, to));
      copied = to;
    }
    target.set(baseline.subarray(copied), copied);
    new Uint32Array(snapshot.buffer, 0, 1)[0] = magic;
    applied = true;
  }
  return { snapshot, stdlib, applyBaseline };
}
