import { Worker } from "node:worker_threads";
import { CpuBackend } from "../backend/cpu.js";
import type { ComputeBackend } from "../backend/types.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { LambdaSoap } from "./lambdaSoap.js";
import { blockKey, type FeatureBlock, type FeatureBlocks } from "./types.js";

/**
 * λ-SOAP kernels from feature blocks (features normalised per environment, symmetric-half storage — the
 * kernels are the plain products):
 *   atomic     K^λ_μν(i,j) = (p⁰_i · p⁰_j)^(ζ−1) (P^λ_i P^λ_jᵀ)_μν
 *   structure  K^λ_μν(A,B) = 1/(N_A N_B) Σ_{i∈A, j∈B} K^λ_μν(i,j)   (TENSOAP's definition)
 * All products are blocked GEMMs: for the default / CPU backend a WebAssembly SIMD Gram product (below; 1 or 2
 * threads as the CpuBackend's `threads`), otherwise (or with `simd: false`) the ComputeBackend's own.
 */
export interface KernelMatrix {
  /** rows (environments or structures) */
  readonly n: number;
  readonly m: number;
  /** 2λ+1 */
  readonly nComponents: number;
  /** (n·c) × (m·c) row-major: values[(i*c+μ)*(m*c) + j*c+ν] */
  readonly values: Float64Array;
}

export interface KernelOptions {
  lambda: number;
  zeta: number;
  backend?: ComputeBackend;
  /**
   * Products of the default backend or of a CpuBackend run through the WebAssembly SIMD Gram kernel in the
   * calling thread (default true; ~4× the scalar GEMM on one core, faster than the scalar GEMM on two threads).
   * false: always call the backend (e.g. the CpuBackend's worker threads). Other backends are always called.
   */
  simd?: boolean;
}

/*
 * WebAssembly SIMD Gram kernel (float64, f64x2): C = A·Bᵀ over rows of features, the 4 × 2 register tile below
 * hand-assembled (no toolchain needed). V8 compiles it to packed SSE2 multiply/add: ~7 G multiply-adds/s on one
 * core against ~2.8 for the scalar JavaScript GEMM, with the same float64 products (only the order of the
 * partial sums differs, ≤ 1e-15 relative). Operands are copied into the module's memory (rows padded to an
 * even length, row counts to multiples of 4 and 2); a fresh instance per product, so no memory is retained.
 */
function leb128(n: number): number[] {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
}

/**
 * tile(a, b, c, n, lda, ldb, ldc) (byte addresses and strides): for r < 4, s < 2,
 *   C[c + r·ldc + 8s] += Σ_{p < n/8} A[a + r·lda + 8p] · B[b + s·ldb + 8p],  n a positive multiple of 16.
 */
function gramTileModule(shared: boolean): Uint8Array {
  const [G, S, T] = [0x20, 0x21, 0x22]; // local.get / set / tee
  const [a, b, c, n, lda, ldb, ldc, a1, a2, a3, b1, i] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const acc = (r: number, s: number) => 12 + 2 * r + s; // v128 accumulators 12..19
  const va = (r: number) => 20 + r; // v128 A values 20..23
  const vb = (s: number) => 24 + s; // v128 B values 24, 25
  const V128_LOAD = [0xfd, 0x00, 3, 0];
  const F64X2_MUL = [0xfd, 0xf2, 0x01];
  const F64X2_ADD = [0xfd, 0xf0, 0x01];
  const code: number[] = [];
  code.push(G, a, G, lda, 0x6a, S, a1, G, a1, G, lda, 0x6a, S, a2, G, a2, G, lda, 0x6a, S, a3);
  code.push(G, b, G, ldb, 0x6a, S, b1);
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop
  const rowsA = [a, a1, a2, a3];
  for (let r = 0; r < 4; r++) code.push(G, rowsA[r]!, G, i, 0x6a, ...V128_LOAD, S, va(r));
  code.push(G, b, G, i, 0x6a, ...V128_LOAD, S, vb(0), G, b1, G, i, 0x6a, ...V128_LOAD, S, vb(1));
  for (let r = 0; r < 4; r++)
    for (let s = 0; s < 2; s++)
      code.push(G, acc(r, s), G, va(r), G, vb(s), ...F64X2_MUL, ...F64X2_ADD, S, acc(r, s));
  // i += 16; continue while i < n
  code.push(G, i, 0x41, 16, 0x6a, T, i, G, n, 0x49, 0x0d, 0, 0x0b, 0x0b);
  for (let r = 0; r < 4; r++)
    for (let s = 0; s < 2; s++) {
      // addr = c + r·ldc;  f64[addr + 8s] += lane0 + lane1
      code.push(G, c, G, ldc, 0x41, r, 0x6c, 0x6a, T, i, G, i, 0x2b, 3, 8 * s);
      code.push(G, acc(r, s), 0xfd, 0x21, 0, G, acc(r, s), 0xfd, 0x21, 1, 0xa0, 0xa0, 0x39, 3, 8 * s);
    }
  code.push(0x0b);
  const func = [2, 5, 0x7f, 14, 0x7b, ...code]; // locals: 5 i32, 14 v128
  const section = (id: number, body: number[]) => [id, ...leb128(body.length), ...body];
  const name = (x: string) => [x.length, ...Array.from(x, (ch) => ch.charCodeAt(0))];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, [1, 0x60, 7, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    // imports memory m.mem (≥ 1 page; shared: at most 65536 pages, for worker threads)
    ...section(2, [
      1,
      ...name("m"),
      ...name("mem"),
      2,
      ...(shared ? [0x03, 1, ...leb128(65536)] : [0x00, 1]),
    ]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name("tile"), 0, 0]),
    ...section(10, [1, ...leb128(func.length), ...func]),
  ]);
}

/** The parts of the WebAssembly API used here (the project's TypeScript lib has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }) => { buffer: ArrayBuffer };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

const tileModules: (object | null | undefined)[] = [undefined, undefined];
/** The compiled tile module (private or shared memory), null without WebAssembly SIMD. */
function simdModule(shared = false): object | null {
  const k = shared ? 1 : 0;
  if (tileModules[k] === undefined) {
    try {
      const bytes = gramTileModule(shared);
      tileModules[k] = wasmApi?.validate(bytes) ? new wasmApi.Module(bytes) : null;
    } catch {
      tileModules[k] = null; // no WebAssembly SIMD (or no shared memory): the backend's GEMM is used
    }
  }
  return tileModules[k]!;
}

/**
 * Tile calls for the row tiles [i0, i1) of C = A·Bᵀ in module memory (self-contained: worker threads evaluate
 * its source). k slices of KC doubles; B rows in blocks of JB (4 A rows + JB B rows stay in L1 / L2);
 * symmetric: tiles on or above the diagonal only.
 */
function runTiles(
  tile: (...args: number[]) => void,
  i0: number,
  i1: number,
  C: number,
  fp: number,
  aBase: number,
  bBase: number,
  cBase: number,
  symmetric: boolean,
): void {
  const KC = 512;
  const JB = 128;
  const ld = fp * 8;
  const ldc = C * 8;
  for (let k0 = 0; k0 < fp; k0 += KC) {
    const nb = Math.min(KC, fp - k0) * 8;
    for (let j0 = 0; j0 < C; j0 += JB) {
      const j1 = Math.min(C, j0 + JB);
      for (let i = i0; i < i1; i += 4) {
        const ai = (aBase + i * fp + k0) * 8;
        const ci = (cBase + i * C) * 8;
        for (let j = symmetric ? Math.max(j0, i) : j0; j < j1; j += 2)
          tile(ai, (bBase + j * fp + k0) * 8, ci + j * 8, nb, ld, ld, ldc);
      }
    }
  }
}

const TILE_WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const runTiles = ${runTiles.toString()};
parentPort.on("message", (j) => {
  try {
    const tile = new WebAssembly.Instance(j.module, { m: { mem: j.mem } }).exports.tile;
    runTiles(tile, j.i0, j.i1, j.C, j.fp, j.aBase, j.bBase, j.cBase, j.symmetric);
    parentPort.postMessage({ id: j.id, ok: true });
  } catch (e) {
    parentPort.postMessage({ id: j.id, ok: false, error: String((e && e.stack) || e) });
  }
});
`;

/** One helper thread for the SIMD product (the calling thread does the other half); unref'd while idle. */
let tileWorker: Worker | null = null;
const tileJobs = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
let tileJobId = 0;
function runTilesInWorker(job: Record<string, unknown>): Promise<void> {
  if (!tileWorker) {
    const w = new Worker(TILE_WORKER_SOURCE, { eval: true });
    w.on("message", (m: { id: number; ok: boolean; error?: string }) => {
      const p = tileJobs.get(m.id);
      tileJobs.delete(m.id);
      if (tileJobs.size === 0) w.unref();
      if (m.ok) p?.resolve();
      else p?.reject(new Error(`SIMD Gram worker failed: ${m.error}`));
    });
    w.on("error", (e) => {
      for (const p of tileJobs.values()) p.reject(e);
      tileJobs.clear();
      tileWorker = null;
    });
    w.unref();
    tileWorker = w;
  }
  const id = ++tileJobId;
  const w = tileWorker;
  return new Promise<void>((resolve, reject) => {
    tileJobs.set(id, { resolve, reject });
    w.ref();
    w.postMessage({ ...job, id });
  });
}

/** Multiply-adds from which the SIMD product is split over two threads (a hand-off costs ~1 ms). */
const SIMD_PARALLEL_FMA = 5e7;

/** Largest module memory a SIMD product may use (bytes); larger products go to the backend. */
const SIMD_MAX_BYTES = 1.5 * 2 ** 30;

/**
 * out (rows × cols) = A·Bᵀ for A = a[aOff ..] (rows × f, row-major) and B = b[bOff ..] (cols × f) by the SIMD
 * tile; `symmetric` (A and B the same rows) computes the upper triangle only and mirrors it.
 * Returns null when WebAssembly SIMD is unavailable or the operands are too large.
 */
async function simdGram(
  a: Float64Array,
  aOff: number,
  rows: number,
  b: Float64Array,
  bOff: number,
  cols: number,
  f: number,
  symmetric: boolean,
  threads = 1,
): Promise<Float64Array | null> {
  const parallel = threads >= 2 && rows * cols * f >= SIMD_PARALLEL_FMA && rows >= 16;
  const mod = simdModule(parallel);
  if (!mod || f === 0) return parallel ? simdGram(a, aOff, rows, b, bOff, cols, f, symmetric, 1) : null;
  const fp = f + (f & 1); // row stride (doubles), even: 16-byte aligned rows
  const R = Math.ceil(rows / 4) * 4;
  const C = symmetric ? R : Math.ceil(cols / 2) * 2;
  const aBase = 0;
  const bBase = symmetric ? aBase : R * fp;
  const cBase = symmetric ? R * fp : bBase + C * fp;
  const bytes = (cBase + R * C) * 8;
  if (bytes > SIMD_MAX_BYTES) return null;
  // memory made at its final size and imported: growing it would detach an ArrayBuffer, which in V8 switches
  // every typed-array access of the process to a slower, detach-checking form (measured: −25 % elsewhere)
  const pages = Math.ceil(bytes / 65536);
  let mem: { buffer: ArrayBuffer };
  try {
    mem = parallel
      ? new wasmApi!.Memory({ initial: pages, maximum: pages, shared: true })
      : new wasmApi!.Memory({ initial: pages });
  } catch {
    return null; // memory not available: the backend's GEMM is used
  }
  const inst = new wasmApi!.Instance(mod, { m: { mem } });
  const tile = inst.exports.tile as (...args: number[]) => void;
  const M = new Float64Array(mem.buffer);
  const copyRows = (src: Float64Array, off: number, n: number, base: number) => {
    if (fp === f) M.set(src.subarray(off, off + n * f), base);
    else for (let r = 0; r < n; r++) M.set(src.subarray(off + r * f, off + (r + 1) * f), base + r * fp);
  };
  copyRows(a, aOff, rows, aBase);
  if (!symmetric) copyRows(b, bOff, cols, bBase);
  if (parallel) {
    // two equal shares of the work: row tiles [0, split) here, [split, R) in the helper thread
    let split = Math.ceil(R / 8) * 4;
    if (symmetric) {
      const total = (R / 4) * C - 2 * (R / 4) * (R / 4 - 1); // Σ over row tiles of (C − i)
      let acc = 0;
      for (split = 0; split < R && acc < total / 2; split += 4) acc += C - split;
    }
    const other = runTilesInWorker({
      module: mod,
      mem,
      i0: split,
      i1: R,
      C,
      fp,
      aBase,
      bBase,
      cBase,
      symmetric,
    });
    runTiles(tile, 0, split, C, fp, aBase, bBase, cBase, symmetric);
    await other;
  } else runTiles(tile, 0, R, C, fp, aBase, bBase, cBase, symmetric);
  const out = new Float64Array(rows * cols);
  const Mc = new Float64Array(mem.buffer, cBase * 8, R * C);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    if (symmetric) {
      for (let col = 0; col < r; col++) out[o + col] = Mc[col * C + r]!;
      out.set(Mc.subarray(r * C + r, r * C + cols), o + r);
    } else out.set(Mc.subarray(r * C, r * C + cols), o);
  }
  return out;
}

/** Multiply the (i,μ),(j,ν) blocks of a tensor Gram matrix by k0[i,j]^(ζ−1). */
function foldK0(g: Float64Array, k0: Float64Array, n: number, m: number, c: number, zeta: number): void {
  const mc = m * c;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const kk = k0[i * m + j]!;
      const w = zeta === 2 ? kk : kk ** (zeta - 1);
      for (let mu = 0; mu < c; mu++) {
        const o = (i * c + mu) * mc + j * c;
        for (let nu = 0; nu < c; nu++) g[o + nu]! *= w;
      }
    }
  }
}

/** Whether the WebAssembly SIMD path serves these options (see KernelOptions.simd). */
function useSimd(o: { backend?: ComputeBackend; simd?: boolean }): boolean {
  if (o.simd === false) return false;
  if (o.backend && !(o.backend instanceof CpuBackend)) return false;
  return simdModule() !== null;
}

let defaultBackend: ComputeBackend | null = null;
function backendOf(o: { backend?: ComputeBackend }): ComputeBackend {
  if (o.backend) return o.backend;
  defaultBackend ??= new CpuBackend();
  return defaultBackend;
}

function getBlock(blocks: FeatureBlocks, z: number, lambda: number, which: string): FeatureBlock {
  const b = blocks.get(blockKey(z, lambda));
  if (!b) {
    throw new EngineError(
      "InvalidParameter",
      `${which}: no feature block for centre species Z=${z}, λ=${lambda}`,
      {
        field: "lambdas",
      },
    );
  }
  return b;
}

function checkZeta(zeta: number): void {
  if (!(zeta >= 1) || !Number.isFinite(zeta))
    throw new EngineError("InvalidParameter", `zeta must be ≥ 1, got ${zeta}`, { field: "zeta" });
}

/** Kernel between sample ranges [a0, a1) of block A and [b0, b1) of block B (λ=0 blocks needed for ζ > 1). */
async function blockKernel(
  A: FeatureBlock,
  A0: FeatureBlock | null,
  a0: number,
  a1: number,
  B: FeatureBlock,
  B0: FeatureBlock | null,
  o: KernelOptions,
  b0 = 0,
  b1 = B.nSamples,
): Promise<Float64Array> {
  const be = backendOf(o);
  const n = a1 - a0;
  const m = b1 - b0;
  if (A.nProperties !== B.nProperties) {
    throw new EngineError(
      "ShapeMismatch",
      `feature sizes differ (${A.nProperties} vs ${B.nProperties}): compute both sets with the same species and hypers`,
    );
  }
  const c = A.nComponents;
  const f = A.nProperties;
  if (useSimd(o)) {
    // same block, same rows: only the upper triangle is multiplied
    const sym = A === B && a0 === b0 && a1 === b1;
    // threads of the CpuBackend (default backend: SOAPGPR_THREADS or 2)
    const th = be instanceof CpuBackend ? be.threads : 1;
    if (o.lambda === 0) {
      const g = await simdGram(A.values, a0 * f, n, B.values, b0 * f, m, f, sym, th);
      if (g) {
        if (o.zeta !== 1)
          for (let k = 0; k < g.length; k++) g[k] = o.zeta === 2 ? g[k]! * g[k]! : g[k]! ** o.zeta;
        return g;
      }
    } else if (o.zeta === 1 || (A0 && B0 && A0.nProperties === B0.nProperties)) {
      const g = await simdGram(A.values, a0 * c * f, n * c, B.values, b0 * c * f, m * c, f, sym, th);
      if (g && o.zeta === 1) return g;
      if (g && A0 && B0) {
        const f0 = A0.nProperties;
        const sym0 = sym && A0 === B0;
        const k0 = await simdGram(A0.values, a0 * f0, n, B0.values, b0 * f0, m, f0, sym0, th);
        if (k0) {
          foldK0(g, k0, n, m, c, o.zeta);
          return g;
        }
      }
    }
  }
  const av = A.values.subarray(a0 * c * f, a1 * c * f);
  const bv = B.values.subarray(b0 * c * f, b1 * c * f);
  if (o.lambda === 0) return be.gramScalar(av, n, bv, m, f, o.zeta);
  let k0: Float64Array | null = null;
  if (o.zeta !== 1) {
    if (!A0 || !B0)
      throw new EngineError("InvalidParameter", "λ>0 kernels with ζ>1 need the λ=0 blocks as well");
    if (A0.nProperties !== B0.nProperties) throw new EngineError("ShapeMismatch", "λ=0 feature sizes differ");
    const f0 = A0.nProperties;
    k0 = await be.gramScalar(
      A0.values.subarray(a0 * f0, a1 * f0),
      n,
      B0.values.subarray(b0 * f0, b1 * f0),
      m,
      f0,
      1,
    );
  }
  return be.gramTensor(av, n, bv, m, c, f, k0, o.zeta);
}

/**
 * Atomic kernel between the environments of centre species z in A and in B. When A and B are the same block
 * (a === b) only the upper block triangle is multiplied and mirrored (K(j,i) = K(i,j)ᵀ): about half the work.
 */
export async function atomicKernel(
  a: FeatureBlocks,
  b: FeatureBlocks,
  z: number,
  o: KernelOptions & { chunk?: number },
): Promise<KernelMatrix> {
  checkZeta(o.zeta);
  const A = getBlock(a, z, o.lambda, "A");
  const B = getBlock(b, z, o.lambda, "B");
  const A0 = o.lambda > 0 && o.zeta !== 1 ? getBlock(a, z, 0, "A") : null;
  const B0 = o.lambda > 0 && o.zeta !== 1 ? getBlock(b, z, 0, "B") : null;
  const c = A.nComponents;
  const chunk = o.chunk ?? 64;
  if (A !== B || A.nSamples <= chunk || useSimd(o)) {
    const values = await blockKernel(A, A0, 0, A.nSamples, B, B0, o);
    return { n: A.nSamples, m: B.nSamples, nComponents: c, values };
  }
  const n = A.nSamples;
  const nc = n * c;
  const values = new Float64Array(nc * nc);
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const i1 = Math.min(n, i0 + chunk);
    const g = await blockKernel(A, A0, i0, i1, A, A0, o, i0, n);
    const w = (n - i0) * c; // row width of g
    const h = (i1 - i0) * c; // rows of g
    for (let r = 0; r < h; r++) {
      const row = i0 * c + r;
      values.set(g.subarray(r * w, (r + 1) * w), row * nc + i0 * c);
      // mirror the columns right of this chunk's diagonal block into the lower triangle
      for (let col = h; col < w; col++) values[(i0 * c + col) * nc + row] = g[r * w + col]!;
    }
  }
  return { n, m: n, nComponents: c, values };
}

export interface StructureKernelOptions extends KernelOptions {
  /** centre species included (default: every species with a block in A and B) */
  centers?: readonly number[];
  /** number of structures in A / B (default: 1 + largest structure index among the samples) */
  nStructuresA?: number;
  nStructuresB?: number;
  /** environments of A per GEMM chunk (bounds memory; default 256) */
  chunk?: number;
}

function speciesOf(blocks: FeatureBlocks, lambda: number): number[] {
  const zs: number[] = [];
  for (const b of blocks.values()) if (b.lambda === lambda) zs.push(b.centerSpecies);
  return zs.sort((x, y) => x - y);
}

/**
 * Structure kernel: average of the atomic kernels over all included centres of A and B, across centre species
 * too (environments of different centre species overlap through their neighbour channels, as in TENSOAP).
 */
export async function structureKernel(
  a: FeatureBlocks,
  b: FeatureBlocks,
  o: StructureKernelOptions,
): Promise<KernelMatrix> {
  checkZeta(o.zeta);
  const za = o.centers ? [...o.centers] : speciesOf(a, o.lambda);
  const zb = o.centers ? [...o.centers] : speciesOf(b, o.lambda);
  const count = (blocks: FeatureBlocks, zs: number[], nS: number | undefined) => {
    let ns = nS ?? 0;
    if (nS === undefined)
      for (const z of zs) {
        const bl = getBlock(blocks, z, o.lambda, "blocks");
        for (let s = 0; s < bl.nSamples; s++) ns = Math.max(ns, bl.samples[2 * s]! + 1);
      }
    const cnt = new Float64Array(ns);
    for (const z of zs) {
      const bl = getBlock(blocks, z, o.lambda, "blocks");
      for (let s = 0; s < bl.nSamples; s++) cnt[bl.samples[2 * s]!]!++;
    }
    return cnt;
  };
  const cntA = count(a, za, o.nStructuresA);
  const cntB = count(b, zb, o.nStructuresB);
  const NA = cntA.length;
  const NB = cntB.length;
  const c = 2 * o.lambda + 1;
  const out = new Float64Array(NA * c * NB * c);
  const chunk = o.chunk ?? 256;
  for (const z1 of za) {
    const A = getBlock(a, z1, o.lambda, "A");
    const A0 = o.lambda > 0 && o.zeta !== 1 ? getBlock(a, z1, 0, "A") : null;
    for (const z2 of zb) {
      const B = getBlock(b, z2, o.lambda, "B");
      const B0 = o.lambda > 0 && o.zeta !== 1 ? getBlock(b, z2, 0, "B") : null;
      const m = B.nSamples;
      const mc = m * c;
      for (let s0 = 0; s0 < A.nSamples; s0 += chunk) {
        const s1 = Math.min(A.nSamples, s0 + chunk);
        const g = await blockKernel(A, A0, s0, s1, B, B0, o);
        for (let i = s0; i < s1; i++) {
          const SA = A.samples[2 * i]!;
          for (let mu = 0; mu < c; mu++) {
            const grow = ((i - s0) * c + mu) * mc;
            const orow = (SA * c + mu) * NB * c;
            for (let j = 0; j < m; j++) {
              const o2 = orow + B.samples[2 * j]! * c;
              const g2 = grow + j * c;
              for (let nu = 0; nu < c; nu++) out[o2 + nu]! += g[g2 + nu]!;
            }
          }
        }
      }
    }
  }
  for (let I = 0; I < NA; I++)
    for (let J = 0; J < NB; J++) {
      const w = cntA[I]! > 0 && cntB[J]! > 0 ? 1 / (cntA[I]! * cntB[J]!) : 0;
      for (let mu = 0; mu < c; mu++)
        for (let nu = 0; nu < c; nu++) out[(I * c + mu) * NB * c + J * c + nu]! *= w;
    }
  return { n: NA, m: NB, nComponents: c, values: out };
}

export interface KernelReportOptions {
  lambda: number;
  zeta: number;
  /** centre species (atomic numbers); default all present in both sets */
  centers?: readonly number[];
  /** structure-averaged kernels instead of atomic blocks */
  structure?: boolean;
  backend?: ComputeBackend;
}

export interface KernelReport {
  lambda: number;
  zeta: number;
  hypers: Readonly<Record<string, unknown>>;
  species: number[];
  /** atomic: one entry per centre species; structure: one entry with centerSpecies null */
  blocks: {
    centerSpecies: number | null;
    n: number;
    m: number;
    nComponents: number;
    /** (structure, atom) of each row / column (atomic kernels only) */
    rows?: number[][];
    cols?: number[][];
    /** kernel[i][j] (λ=0) or kernel[i][j][μ][ν] */
    kernel: number[][] | number[][][][];
  }[];
}

/**
 * Kernels between two sets of structures as a plain JSON-serialisable report (what `soapgpr kernel` prints).
 * Features of both sets use the same species channels (the union of both sets unless hypers fix them).
 */
export async function kernelReport(
  descriptor: LambdaSoap,
  a: readonly Structure[],
  b: readonly Structure[],
  o: KernelReportOptions,
): Promise<KernelReport> {
  const species = descriptor.speciesFor([...a, ...b]);
  const soap = new LambdaSoap({ ...descriptor.params, species });
  const lambdas = o.lambda === 0 || o.zeta === 1 ? [o.lambda] : [0, o.lambda];
  const present = (ss: readonly Structure[]) => new Set(ss.flatMap((s) => Array.from(s.numbers)));
  const pa = present(a);
  const pb = present(b);
  const centers = o.centers ? [...o.centers] : species.filter((z) => pa.has(z) && pb.has(z));
  for (const z of centers) {
    if (!pa.has(z) || !pb.has(z))
      throw new EngineError("InvalidParameter", `centre species Z=${z} is absent from one of the sets`, {
        field: "--centers",
      });
  }
  const fa = soap.compute(a, { centers, lambdas });
  const fb = soap.compute(b, { centers, lambdas });
  const c = 2 * o.lambda + 1;
  const nest = (K: KernelMatrix): number[][] | number[][][][] => {
    const mc = K.m * c;
    if (c === 1)
      return Array.from({ length: K.n }, (_, i) => Array.from(K.values.subarray(i * K.m, (i + 1) * K.m)));
    return Array.from({ length: K.n }, (_, i) =>
      Array.from({ length: K.m }, (_, j) =>
        Array.from({ length: c }, (_, mu) =>
          Array.from({ length: c }, (_, nu) => K.values[(i * c + mu) * mc + j * c + nu]!),
        ),
      ),
    );
  };
  const report: KernelReport = { lambda: o.lambda, zeta: o.zeta, hypers: soap.hypers, species, blocks: [] };
  const ko = { lambda: o.lambda, zeta: o.zeta, ...(o.backend ? { backend: o.backend } : {}) };
  if (o.structure) {
    const K = await structureKernel(fa, fb, {
      ...ko,
      centers,
      nStructuresA: a.length,
      nStructuresB: b.length,
    });
    report.blocks.push({ centerSpecies: null, n: K.n, m: K.m, nComponents: c, kernel: nest(K) });
  } else {
    for (const z of centers) {
      const K = await atomicKernel(fa, fb, z, ko);
      const pairs = (bl: FeatureBlock) =>
        Array.from({ length: bl.nSamples }, (_, s) => [bl.samples[2 * s]!, bl.samples[2 * s + 1]!]);
      report.blocks.push({
        centerSpecies: z,
        n: K.n,
        m: K.m,
        nComponents: c,
        rows: pairs(getBlock(fa, z, o.lambda, "A")),
        cols: pairs(getBlock(fb, z, o.lambda, "B")),
        kernel: nest(K),
      });
    }
  }
  return report;
}
