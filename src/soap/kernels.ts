import { CpuBackend } from "../backend/cpu.js";
import type { ComputeBackend } from "../backend/types.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { simdGemmAvailable, simdGram } from "../math/simdGemm.js";
import { LambdaSoap } from "./lambdaSoap.js";
import { blockKey, type FeatureBlock, type FeatureBlocks } from "./types.js";

/**
 * λ-SOAP kernels from feature blocks (features normalised per environment, symmetric-half storage — the
 * kernels are the plain products):
 *   atomic     K^λ_μν(i,j) = (p⁰_i · p⁰_j)^(ζ−1) (P^λ_i P^λ_jᵀ)_μν
 *   structure  K^λ_μν(A,B) = 1/(N_A N_B) Σ_{i∈A, j∈B} K^λ_μν(i,j)   (TENSOAP's definition)
 * All products are blocked GEMMs: for the default / CPU backend the WebAssembly SIMD Gram product of
 * src/math/simdGemm.ts (threads as the CpuBackend's `threads`; here it also sees sub-ranges of the same block,
 * so symmetric chunks multiply only their upper triangle), otherwise (or with `simd: false`) the
 * ComputeBackend's own.
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
   * Products of the default backend or of a CpuBackend (with its `simd` on) run through the WebAssembly SIMD
   * Gram kernel of src/math/simdGemm.ts directly (default true; ~4× the scalar GEMM on one core).
   * false: always call the backend's gramScalar / gramTensor (a CpuBackend uses the same SIMD kernel there
   * unless built with `simd: false` or SOAPGPR_NO_SIMD=1). Other backends are always called.
   */
  simd?: boolean;
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
  if (o.backend && !(o.backend instanceof CpuBackend && o.backend.simd)) return false;
  return simdGemmAvailable();
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
