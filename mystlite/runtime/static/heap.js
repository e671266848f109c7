// The start-up snapshot's file format (made by snapshot.mjs, read by worker.js): pyodide's memory with its
// all-zero 4 KiB pages left out, so that there is half as much to unpack. Gzipped as a whole:
//   "MLHEAP01", u32 heap length, u32 run count, (u32 offset, u32 length) per run, then the runs' bytes.
const MAGIC = "MLHEAP01";
const PAGE = 4096;

export function packHeap(heap) {
  const runs = [];
  for (let offset = 0; offset < heap.length; offset += PAGE) {
    const end = Math.min(offset + PAGE, heap.length);
    if (!heap.subarray(offset, end).some((byte) => byte !== 0)) continue;
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === offset) last[1] = end - last[0];
    else runs.push([offset, end - offset]);
  }
  const head = 16 + 8 * runs.length;
  const packed = new Uint8Array(head + runs.reduce((sum, run) => sum + run[1], 0));
  const view = new DataView(packed.buffer);
  packed.set(new TextEncoder().encode(MAGIC));
  view.setUint32(8, heap.length, true);
  view.setUint32(12, runs.length, true);
  let at = head;
  runs.forEach(([offset, length], index) => {
    view.setUint32(16 + 8 * index, offset, true);
    view.setUint32(20 + 8 * index, length, true);
    packed.set(heap.subarray(offset, offset + length), at);
    at += length;
  });
  return packed;
}

export function unpackHeap(packed) {
  if (new TextDecoder().decode(packed.subarray(0, 8)) !== MAGIC) throw new Error("not a mystlite snapshot");
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const heap = new Uint8Array(view.getUint32(8, true));
  let at = 16 + 8 * view.getUint32(12, true);
  for (let index = 0; index < view.getUint32(12, true); index++) {
    const offset = view.getUint32(16 + 8 * index, true), length = view.getUint32(20 + 8 * index, true);
    heap.set(packed.subarray(at, at + length), offset);
    at += length;
  }
  return heap;
}
