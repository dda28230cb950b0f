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

/** gpu.js backends (src/backend/gpujs.ts), loaded by dynamic import only when asked for. */
async function gpujs(mode: "auto" | "gpu", o: BackendOptions): Promise<ComputeBackend> {
  const m = await import("./gpujs.js");
  return m.createGpuJsBackend({ ...(o as Record<string, unknown>), mode } as Parameters<
    typeof m.createGpuJsBackend
  >[0]);
}
// 'auto': probe gpu.js modes against the float64 CPU backend and keep the fastest; 'gpu'/'gpujs': a GPU mode
// or BackendUnavailable.
registerBackend("auto", (o) => gpujs("auto", o));
registerBackend("gpu", (o) => gpujs("gpu", o));
registerBackend("gpujs", (o) => gpujs("gpu", o));
