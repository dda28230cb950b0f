/**
 * Internal: worker_threads entry of the SIMD Gram product (simdGemm.ts). Per message: the compiled tile module,
 * the shared module memory and a range of row tiles [i0, i1), which it multiplies in place.
 */
import { parentPort } from "node:worker_threads";
import { runTiles, type TileJob } from "./simdGemm.js";
import { kernelFunction } from "./wasm.js";

const port = parentPort!;
port.on("message", (j: TileJob & { id: number }) => {
  try {
    runTiles(kernelFunction(j.module, j.mem, "tile"), j);
    port.postMessage({ id: j.id, ok: true });
  } catch (e) {
    port.postMessage({ id: j.id, ok: false, error: String((e as Error)?.stack ?? e) });
  }
});
