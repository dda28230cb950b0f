/**
 * Backend selection by name through a small registry. 'cpu' (float64 reference) is built in; other
 * modules (e.g. src/backend/gpujs.ts) call `registerBackend` to add theirs, and may register 'auto'.
 */
import { EngineError, parseChoice } from "../core/errors.js";
import { CpuBackend, type CpuBackendOptions } from "./cpu.js";
import type { ComputeBackend } from "./types.js";

export type { ComputeBackend } from "./types.js";
export { CpuBackend, type CpuBackendOptions } from "./cpu.js";

export interface BackendOptions extends CpuBackendOptions {
  readonly [extra: string]: unknown;
}

/** Creates a backend; may be async (e.g. a dynamic import of gpu.js) and should throw BackendUnavailable. */
export type BackendFactory = (options: BackendOptions) => ComputeBackend | Promise<ComputeBackend>;

/**
 * The backend names, as a type: the keys of this interface. The ones registered below are built in; a module
 * that registers another backend adds its name by declaration merging
 * (`declare module ".../backend/index.js" { interface BackendNames { mine: true } }`).
 */
export interface BackendNames {
  cpu: true;
  auto: true;
  gpu: true;
  gpujs: true;
}
export type BackendName = keyof BackendNames & string;

const registry = new Map<BackendName, BackendFactory>();

/** Add (or replace) a backend under `name`. */
export function registerBackend(name: BackendName, factory: BackendFactory): void {
  registry.set(name, factory);
}

/** Names accepted by createBackend: those registered. */
export function backendNames(): BackendName[] {
  return [...registry.keys()];
}

/** `v` as the name of a registered backend; anything else is InvalidParameter (field "backend"). */
export function parseBackendName(v: unknown): BackendName {
  return parseChoice(v, backendNames(), "backend", "backend");
}

/** Build the backend registered under `name` (default 'cpu'). Unknown names → EngineError('InvalidParameter'). */
export async function createBackend(
  name: BackendName = "cpu",
  options: BackendOptions = {},
): Promise<ComputeBackend> {
  const f = registry.get(parseBackendName(name));
  if (!f) throw new EngineError("Internal", `backend '${name}' has no factory`);
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
