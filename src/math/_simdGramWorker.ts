/**
 * Internal: worker_threads entry of the SIMD kernels (simdGemm.ts, simdLinalg.ts). Per message: the compiled tile
 * module, the shared module memory and a share of the work, done in place: a TileJob (runTiles), or a
 * triangular solve of a range of rows (kind "trsm", simdLinalg.ts: trsmRows).
 */
import { parentPort } from "node:worker_threads";
import { runTiles, type TileJob } from "./simdGemm.js";
import { type TrsmJob, trsmRows } from "./simdLinalg.js";
import { kernelFunction } from "./wasm.js";

const port = parentPort!;
port.on("message", (j: (TileJob | TrsmJob) & { id: number }) => {
  try {
    const tile = kernelFunction(j.module, j.mem, "tile");
    if ("kind" in j && j.kind === "trsm") trsmRows(tile, new Float64Array(j.mem.buffer), j);
    else runTiles(tile, j as TileJob);
    port.postMessage({ id: j.id, ok: true });
  } catch (e) {
    port.postMessage({ id: j.id, ok: false, error: String((e as Error)?.stack ?? e) });
  }
});
