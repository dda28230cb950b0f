/**
 * Internal: loading gpu.js (by dynamic import only — the CPU path never loads it), starting one of its modes,
 * and the one GEMM kernel the gpu.js backend runs. Nothing here is public API.
 *
 * gpu.js is CommonJS without usable typings for the modes used here, so the small surface we touch is typed
 * locally (GpuJsModule, GpuInstance, KernelShortcut).
 */
import { EngineError } from "../core/errors.js";

/** The modes we can ask for. 'wasm' is gpu.js's 'webasm'. */
export type ConcreteMode = "headlessgl" | "webgl2" | "webgl" | "webgpu" | "wasm" | "cpu";
/** Modes that run on a GPU (or a GL/WebGPU driver that may render on the CPU, such as Mesa llvmpipe). */
export const GPU_MODES: readonly ConcreteMode[] = ["headlessgl", "webgl2", "webgl", "webgpu"];
export const ALL_MODES: readonly ConcreteMode[] = ["headlessgl", "webgl2", "webgl", "webgpu", "wasm", "cpu"];

export interface KernelShortcut {
  (...args: unknown[]): unknown;
  kernel: { constructor: { mode?: string; name: string }; fallbackReason?: string | null };
  destroy?: (removeCanvas?: boolean) => void;
}

export interface GpuInstance {
  createKernel(source: string, settings: Record<string, unknown>): KernelShortcut;
  destroy(): Promise<void>;
}

interface GpuConstructor {
  new (settings: { mode: string }): GpuInstance;
  readonly isHeadlessGLSupported: boolean;
  readonly isWebGLSupported: boolean;
  readonly isWebGL2Supported: boolean;
  readonly isWebAssemblySupported: boolean;
  readonly isWebGPUSupported: boolean;
  isWebGPUAvailable(): Promise<boolean>;
}

interface KernelClassWithFeatures {
  readonly features: { maxTextureSize?: number } | null;
}

export interface GpuJsModule {
  GPU: GpuConstructor;
  HeadlessGLKernel: KernelClassWithFeatures;
}

let modulePromise: Promise<GpuJsModule> | null = null;

/** Dynamic import of gpu.js (CommonJS: the exports may sit on `default`). */
export function loadGpuJs(): Promise<GpuJsModule> {
  if (modulePromise === null) {
    const specifier = "gpu.js";
    modulePromise = import(specifier).then(
      (mod: Record<string, unknown>) => {
        const m = (mod.GPU !== undefined ? mod : mod.default) as GpuJsModule | undefined;
        if (m === undefined || typeof m.GPU !== "function") {
          throw new EngineError("BackendUnavailable", "the gpu.js package loaded but exports no GPU class");
        }
        return m;
      },
      (e: unknown) => {
        modulePromise = null;
        throw new EngineError(
          "BackendUnavailable",
          `cannot load the gpu.js package (${String((e as Error)?.message ?? e)}); reinstall with npm ci`,
          {},
          { cause: e },
        );
      },
    );
  }
  return modulePromise;
}

/**
 * Make `navigator.gpu` exist for gpu.js's WebGPU mode in Node by loading the `webgpu` package (Dawn).
 * Returns null when it works, else the reason (e.g. Debian 12: the Dawn binary needs GLIBCXX_3.4.32).
 */
async function installWebGpuGlobals(): Promise<string | null> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu !== undefined) return null;
  try {
    const specifier = "webgpu";
    const mod = (await import(specifier)) as {
      create: (flags: string[]) => unknown;
      globals: Record<string, unknown>;
    };
    const gpu = mod.create([]);
    for (const [k, v] of Object.entries(mod.globals)) {
      if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    }
    if (g.navigator === undefined) {
      Object.defineProperty(globalThis, "navigator", {
        value: { gpu },
        configurable: true,
        writable: true,
      });
    } else {
      Object.defineProperty(g.navigator, "gpu", { value: gpu, configurable: true, writable: true });
    }
    return null;
  } catch (e) {
    const msg = String((e as Error)?.message ?? e).split("\n")[0] ?? "";
    return `the webgpu (Dawn) package does not load: ${msg}`;
  }
}

/** A gpu.js instance in one concrete mode, known to start. */
export interface StartedMode {
  readonly mode: ConcreteMode;
  readonly gpu: GpuInstance;
  /** Largest output tile edge / texture edge this mode accepts (Infinity for wasm/cpu). */
  readonly maxTextureSize: number;
  /** Whether kernel calls return promises (wasm worker pool, webgpu). */
  readonly asyncMode: boolean;
  /** Whether feature uploads should be made resident once (GL textures) rather than passed per call. */
  readonly residentUploads: boolean;
}

/**
 * Try to start `mode`. Returns the started mode or a one-line reason why it cannot start here.
 * 'wasm' uses gpu.js's async contract, which spreads a kernel over a worker pool (`threads`).
 */
export async function startMode(
  mode: ConcreteMode,
  threads: boolean,
): Promise<{ ok: StartedMode } | { reason: string }> {
  let m: GpuJsModule;
  try {
    m = await loadGpuJs();
  } catch (e) {
    return { reason: (e as Error).message };
  }
  const { GPU } = m;
  switch (mode) {
    case "headlessgl":
      if (!GPU.isHeadlessGLSupported) {
        return {
          reason:
            "headless-gl unavailable: the optional `gl` native addon is not installed, or it cannot open a GL " +
            "context (it needs an X display: run under xvfb-run; see docs/gpu.md)",
        };
      }
      return {
        ok: {
          mode,
          gpu: new GPU({ mode: "headlessgl" }),
          maxTextureSize: m.HeadlessGLKernel.features?.maxTextureSize ?? 4096,
          asyncMode: false,
          residentUploads: true,
        },
      };
    case "webgl":
    case "webgl2": {
      const supported = mode === "webgl" ? GPU.isWebGLSupported : GPU.isWebGL2Supported;
      if (!supported) return { reason: `${mode} exists only in browsers (no WebGL context in Node)` };
      return {
        ok: { mode, gpu: new GPU({ mode }), maxTextureSize: 4096, asyncMode: false, residentUploads: true },
      };
    }
    case "webgpu": {
      const why = await installWebGpuGlobals();
      if (why !== null) return { reason: why };
      let available = false;
      try {
        available = await GPU.isWebGPUAvailable();
      } catch (e) {
        return { reason: `webgpu adapter request failed: ${(e as Error).message}` };
      }
      if (!available) return { reason: "webgpu: navigator.gpu present but no adapter (no Vulkan device?)" };
      return {
        ok: {
          mode,
          gpu: new GPU({ mode: "webgpu" }),
          maxTextureSize: Number.POSITIVE_INFINITY,
          asyncMode: true,
          residentUploads: false,
        },
      };
    }
    case "wasm":
      if (!GPU.isWebAssemblySupported) return { reason: "WebAssembly is not supported by this runtime" };
      return {
        ok: {
          mode,
          gpu: new GPU({ mode: "webasm" }),
          maxTextureSize: Number.POSITIVE_INFINITY,
          asyncMode: threads,
          residentUploads: false,
        },
      };
    case "cpu":
      return {
        ok: {
          mode,
          gpu: new GPU({ mode: "cpu" }),
          maxTextureSize: Number.POSITIVE_INFINITY,
          asyncMode: false,
          residentUploads: false,
        },
      };
  }
}

/**
 * The GEMM tile kernel: out[y][x] = Σ_q a[y·f + q] · b[x·f + q], rows of a and b flat (1-D) so that no texture
 * edge ever equals the feature length. Given as a string so that the TypeScript transpiler cannot rewrite it.
 */
export const GEMM_SOURCE = `function gemmTile(a, b) {
  let s = 0;
  const ra = this.thread.y * this.constants.f;
  const rb = this.thread.x * this.constants.f;
  for (let q = 0; q < this.constants.f; q++) {
    s += a[ra + q] * b[rb + q];
  }
  return s;
}`;

/**
 * The register-blocked variant: each thread computes 4 neighbouring columns, so every a value read is used 4 times
 * (measured here: ×1.5 in wasm, ×1.6 in headless-gl on Mesa against GEMM_SOURCE). b blocks must be padded to a
 * multiple of 4 rows. Output [⌈cols/4⌉, rows] of 4-vectors.
 */
export const GEMM4_SOURCE = `function gemmTile4(a, b) {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const ra = this.thread.y * this.constants.f;
  const rb = this.thread.x * 4 * this.constants.f;
  for (let q = 0; q < this.constants.f; q++) {
    const x = a[ra + q];
    s0 += x * b[rb + q];
    s1 += x * b[rb + this.constants.f + q];
    s2 += x * b[rb + 2 * this.constants.f + q];
    s3 += x * b[rb + 3 * this.constants.f + q];
  }
  return [s0, s1, s2, s3];
}`;

/** Copy kernel used to make a feature block resident on the device once (GL modes: returns a Texture). */
export const COPY_SOURCE = `function residentCopy(x) {
  return x[this.thread.x];
}`;

/** The gpu.js class that actually ran the kernel (detects gpu.js's silent fallback to its CPU kernel). */
export function ranOn(k: KernelShortcut): string {
  const c = k.kernel.constructor;
  return c.mode ?? c.name;
}

/**
 * Copy one tile result (gpu.js gives an array of Float32Array rows for a 2-D output, or a flat array / a buffer
 * result with toArray() in some modes) into rows r0.. and columns c0.. of a row-major Float64Array of width `ld`,
 * applying `post(value, globalRow, globalCol)`.
 */
export function rowsOfResult(result: unknown, rows: number, cols: number): ArrayLike<number>[] {
  let r = result as { toArray?: () => unknown } | ArrayLike<number> | ArrayLike<number>[];
  if (r !== null && typeof r === "object" && typeof (r as { toArray?: unknown }).toArray === "function") {
    r = (r as { toArray: () => unknown }).toArray() as ArrayLike<number>[];
  }
  const arr = r as ArrayLike<unknown>;
  if (arr.length === rows && typeof arr[0] === "object" && arr[0] !== null) {
    return Array.from(arr as ArrayLike<ArrayLike<number>>);
  }
  if (arr.length === rows * cols && typeof arr[0] === "number") {
    const flat = arr as ArrayLike<number> & { subarray?: (a: number, b: number) => ArrayLike<number> };
    const out: ArrayLike<number>[] = [];
    for (let y = 0; y < rows; y++) {
      if (typeof flat.subarray === "function") out.push(flat.subarray(y * cols, (y + 1) * cols));
      else out.push(Array.prototype.slice.call(flat, y * cols, (y + 1) * cols) as number[]);
    }
    return out;
  }
  throw new EngineError(
    "Internal",
    `gpu.js returned an unexpected result shape for a ${rows}x${cols} tile; please report`,
  );
}

/**
 * Rows of a vec4 tile result ([rows][cols4] of 4-vectors, gpu.js's layout for returnType 'Array(4)') as flat rows
 * of length 4·cols4 (the caller reads the first `cols`). wasm and GL modes return views of one buffer in row-major
 * order, which is used without copying; otherwise the vectors are copied.
 */
export function rowsOfResult4(result: unknown, rows: number, cols4: number): ArrayLike<number>[] {
  let r = result as unknown;
  if (r !== null && typeof r === "object" && typeof (r as { toArray?: unknown }).toArray === "function") {
    r = (r as { toArray: () => unknown }).toArray();
  }
  const grid = r as ArrayLike<ArrayLike<Float32Array>>;
  const w = 4 * cols4;
  if (grid.length !== rows || grid[0] === undefined || grid[0].length !== cols4) {
    // Some modes may hand back the flat rows directly.
    return rowsOfResult(r, rows, w);
  }
  const first = grid[0][0]!;
  const last = grid[rows - 1]![cols4 - 1]!;
  const second = rows > 1 ? grid[1]![0]! : first;
  const contiguous =
    first instanceof Float32Array &&
    last instanceof Float32Array &&
    second instanceof Float32Array &&
    first.buffer === last.buffer &&
    first.buffer === second.buffer &&
    last.byteOffset - first.byteOffset === (rows * cols4 - 1) * 16 &&
    second.byteOffset - first.byteOffset === (rows > 1 ? cols4 * 16 : 0);
  const flat = contiguous
    ? new Float32Array(first.buffer, first.byteOffset, rows * w)
    : new Float32Array(rows * w);
  if (!contiguous) {
    for (let y = 0; y < rows; y++) {
      const row = grid[y]!;
      for (let x = 0; x < cols4; x++) {
        const v = row[x]!;
        const o = y * w + 4 * x;
        flat[o] = v[0]!;
        flat[o + 1] = v[1]!;
        flat[o + 2] = v[2]!;
        flat[o + 3] = v[3]!;
      }
    }
  }
  const out: ArrayLike<number>[] = [];
  for (let y = 0; y < rows; y++) out.push(flat.subarray(y * w, (y + 1) * w));
  return out;
}
