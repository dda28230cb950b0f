/**
 * Backend selection by name through a small registry. 'cpu' (float64 reference) is built in; other
 * modules (e.g. src/backend/gpujs.ts) call `registerBackend` to add theirs, and may register 'auto'.
 */
import { EngineError } from "../core/errors.js";
import { CpuBackend, type CpuBackendOptions } from "./cpu.js";
import type { ComputeBackend } from "./types.js";

export type { ComputeBackend } from "./types.js";
export { CpuBackend, type CpuBackendOptions } from "./cpu.js";

export interface BackendOptions extends CpuBackendOptions {
  readonly [extra: string]: unknown;
}

/** Creates a backend; may be async (e.g. a dynamic import of gpu.js) and should throw BackendUnavailable. */
export type BackendFactory = (options: BackendOptions) => ComputeBackend | Promise<ComputeBackend>;

const registry = new Map<string, BackendFactory>();

/** Add (or replace) a backend under `name`. */
export function registerBackend(name: string, factory: BackendFactory): void {
  registry.set(name, factory);
}

/** Names accepted by createBackend. */
export function backendNames(): string[] {
  return [...registry.keys()];
}

/** Build the backend registered under `name` (default 'cpu'). Unknown names → EngineError('InvalidParameter'). */
export async function createBackend(name = "cpu", options: BackendOptions = {}): Promise<ComputeBackend> {
  const f = registry.get(name);
  if (!f) {
    throw new EngineError(
      "InvalidParameter",
      `unknown backend '${name}' (available: ${backendNames().join(", ")})`,
      { field: "backend" },
    );
  }
  return await f(options);
}

registerBackend("cpu", (o) => new CpuBackend(o));
// Until a GPU backend registers its own probe-and-fallback, "auto" means the CPU reference.
registerBackend("auto", (o) => new CpuBackend(o));

// ---- gpu.js backends (helper H7; src/backend/gpujs.ts, loaded here by dynamic import only when asked for) ----
// 'auto' measures every gpu.js mode that starts against the float64 CPU backend (once per process) and keeps the
// fastest; 'gpu' is the first GPU mode that starts (else BackendUnavailable); 'gpujs' takes options.gpujsMode;
// 'gpujs-<mode>' names one mode explicitly. Options read: gpujsMode, tileRows, tileCols, log.
type GpuJsMode = import("./gpujs.js").GpuJsMode;
async function gpuJs(o: BackendOptions, mode: GpuJsMode): Promise<ComputeBackend> {
  const { createGpuJsBackend } = await import("./gpujs.js");
  const opts: import("./gpujs.js").GpuJsBackendOptions = { mode, cpuBackend: () => new CpuBackend(o) };
  if (typeof o.tileRows === "number") opts.tileRows = o.tileRows;
  if (typeof o.tileCols === "number") opts.tileCols = o.tileCols;
  if (typeof o.log === "function") opts.log = o.log as (line: string) => void;
  return createGpuJsBackend(opts);
}
registerBackend("auto", (o) => gpuJs(o, "auto"));
registerBackend("gpu", (o) => gpuJs(o, "gpu"));
registerBackend("gpujs", (o) =>
  gpuJs(o, typeof o.gpujsMode === "string" ? (o.gpujsMode as GpuJsMode) : "auto"),
);
for (const mode of ["headlessgl", "webgpu", "wasm", "cpu"] as const) {
  registerBackend(`gpujs-${mode}`, (o) => gpuJs(o, mode));
}
