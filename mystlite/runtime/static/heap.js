// The start-up snapshot's file format (made by snapshot.mjs, read by worker.js). Gzipped as a whole:
//   "MLHEAP02", u32 snapshot length, u32 run count, u32 memory offset, u32 baseline length,
//   u32 baseline checksum, u32 pyodide's magic, u32 stdlib length,
//   (u32 offset, u32 length) per run, the runs' bytes, then the stdlib zip's bytes.
// - The snapshot is pyodide's (its header, then the wasm memory from `memory offset` on), with its all-zero
//   4 KiB pages left out.
// - The memory's first `baseline length` bytes (the static data) are stored XORed with the memory as the
//   wasm's own data segments leave it at instantiation. They differ in a few KB, so this ships about
//   1.4 MB less: the wasm already carries that data. The worker undoes it once pyodide has instantiated
//   the wasm (applyBaseline). Until then the snapshot's magic number is zero, so pyodide refuses a snapshot
//   whose baseline was never applied instead of starting from a scrambled heap.
// - The stdlib zip is the one the heap's import caches describe (python_stdlib.zip without the modules
//   already imported): it goes with the heap, so the two cannot be mixed up.
const MAGIC = "MLHEAP02";
const PAGE = 4096;
const HEAD = 40;

function xorInto(target, source) {
  // target ^= source, word by word; returns the checksum of source, FNV-1a over its 32-bit words (enough to
  // tell another build's data segments), in the same pass: it runs before a page's first output
  const a = new Uint32Array(target.buffer, target.byteOffset, target.byteLength >> 2);
  const b = new Uint32Array(source.buffer, source.byteOffset, a.length);
  let hash = 2166136261;
  for (let index = 0; index < a.length; index++) {
    const word = b[index];
    hash = Math.imul(hash ^ word, 16777619);
    a[index] ^= word;
  }
  return hash >>> 0;
}

// snapshot: pyodide's makeMemorySnapshot(); initial: the wasm memory right after instantiation (its first
// bytes at least); baselineLength: how many of them to store as a difference (a multiple of PAGE).
export function packHeap(snapshot, { initial, baselineLength, stdlib }) {
  const words = new Uint32Array(snapshot.buffer, snapshot.byteOffset, 2);
  const magic = words[0], memoryAt = words[1];
  const heap = snapshot.slice();
  new Uint32Array(heap.buffer, 0, 1)[0] = 0;
  const sum = xorInto(heap.subarray(memoryAt, memoryAt + baselineLength), initial.subarray(0, baselineLength));
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
  let at = HEAD + 8 * count;
  for (let index = 0; index < count; index++) {
    const offset = view.getUint32(HEAD + 8 * index, true), size = view.getUint32(HEAD + 4 + 8 * index, true);
    snapshot.set(packed.subarray(at, at + size), offset);
    at += size;
  }
  const stdlib = packed.slice(at, at + stdlibLength);
  let applied = false;
  function applyBaseline(memory) {
    // memory: the wasm memory's bytes right after instantiation. Throws if they are not the ones the
    // snapshot was made against (then the snapshot stays refused).
    if (applied) return;
    const baseline = memory.subarray(0, baselineLength);
    const target = snapshot.subarray(memoryAt, memoryAt + baselineLength);
    if (baseline.length !== baselineLength || xorInto(target, baseline) !== sum) {
      xorInto(target, baseline);  // (undone: the snapshot stays as it came, and refused)
      throw new Error("the start-up snapshot was made for another pyodide build");
    }
    new Uint32Array(snapshot.buffer, 0, 1)[0] = magic;
    applied = true;
  }
  return { snapshot, stdlib, applyBaseline };
}
