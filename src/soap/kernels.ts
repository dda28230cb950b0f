import type { ComputeBackend } from "../backend/types.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { type EnvFeatures, envFeatures, kernelMatrix, sliceFeatures, withBackend } from "./envKernel.js";
import { LambdaSoap } from "./lambdaSoap.js";
import { blockKey, type FeatureBlock, type FeatureBlocks } from "./types.js";

/**
 * λ-SOAP kernels from feature blocks (features normalised per environment, symmetric-half storage — the
 * kernels are the plain products):
 *   atomic     K^λ_μν(i,j) = (p⁰_i · p⁰_j)^(ζ−1) (P^λ_i P^λ_jᵀ)_μν
 *   structure  K^λ_μν(A,B) = 1/(N_A N_B) Σ_{i∈A, j∈B} K^λ_μν(i,j)   (TENSOAP's definition)
 * Both go through the one kernel path of src/soap/envKernel.ts (raw products on the ComputeBackend, then the ζ
 * fold); a kernel of a block with itself is a symmetric product (upper triangle only on the CpuBackend's SIMD
 * path). The structure kernel sums atomic kernels chunk by chunk.
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
  /** Default: a float64 CpuBackend for the call (see withBackend in src/soap/envKernel.ts). */
  backend?: ComputeBackend;
  /**
   * Rows of A per product (bounds the raw products' memory; default all rows in one product, which is symmetric
   * for a block with itself). Chunks are rectangular products of their rows against all of B.
   */
  chunk?: number;
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

/** EnvFeatures of centre species z (with the λ=0 block when ζ > 1 needs it). */
function featuresOf(blocks: FeatureBlocks, z: number, o: KernelOptions, which: string): EnvFeatures {
  const bl = getBlock(blocks, z, o.lambda, which);
  return envFeatures(bl, o.lambda > 0 && o.zeta !== 1 ? getBlock(blocks, z, 0, which) : null);
}

function checkZeta(zeta: number): void {
  if (!(zeta >= 1) || !Number.isFinite(zeta))
    throw new EngineError("InvalidParameter", `zeta must be ≥ 1, got ${zeta}`, { field: "zeta" });
}

/**
 * Atomic kernel between the environments of centre species z in A and in B. When A and B are the same blocks
 * (a === b) the product is symmetric: the backend may multiply only the upper triangle and mirror it.
 */
export async function atomicKernel(
  a: FeatureBlocks,
  b: FeatureBlocks,
  z: number,
  o: KernelOptions,
): Promise<KernelMatrix> {
  checkZeta(o.zeta);
  const A = featuresOf(a, z, o, "A");
  const B = a === b ? A : featuresOf(b, z, o, "B");
  const chunk = o.chunk ?? A.n;
  const values = await withBackend(o.backend, async (be) => {
    if (chunk >= A.n) return kernelMatrix(be, A, B, o.zeta);
    const out = new Float64Array(A.n * A.c * B.n * B.c);
    for (let i0 = 0; i0 < A.n; i0 += chunk) {
      const g = await kernelMatrix(be, sliceFeatures(A, i0, Math.min(A.n, i0 + chunk)), B, o.zeta);
      out.set(g, i0 * A.c * B.n * B.c); // chunk rows are contiguous rows of the full kernel
    }
    return out;
  });
  return { n: A.n, m: B.n, nComponents: A.c, values };
}

export interface StructureKernelOptions extends Omit<KernelOptions, "chunk"> {
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
  const fa = new Map(za.map((z) => [z, featuresOf(a, z, o, "A")]));
  // the same blocks on both sides share their EnvFeatures, so that same-species products are symmetric
  const fb = new Map(zb.map((z) => [z, (a === b ? fa.get(z) : undefined) ?? featuresOf(b, z, o, "B")]));
  await withBackend(o.backend, async (be) => {
    for (const z1 of za) {
      const sa = getBlock(a, z1, o.lambda, "A").samples;
      const A = fa.get(z1)!;
      for (const z2 of zb) {
        const sb = getBlock(b, z2, o.lambda, "B").samples;
        const B = fb.get(z2)!;
        for (let s0 = 0; s0 < A.n; s0 += chunk) {
          const s1 = Math.min(A.n, s0 + chunk);
          // a chunk that is the whole block stays the same object: a symmetric product when B is that block too
          const Ac = s0 === 0 && s1 === A.n ? A : sliceFeatures(A, s0, s1);
          const g = await kernelMatrix(be, Ac, B, o.zeta);
          addStructureSums(g, sa, s0, s1, sb, B.n, c, NB, out);
        }
      }
    }
  });
  for (let I = 0; I < NA; I++)
    for (let J = 0; J < NB; J++) {
      const w = cntA[I]! > 0 && cntB[J]! > 0 ? 1 / (cntA[I]! * cntB[J]!) : 0;
      for (let mu = 0; mu < c; mu++)
        for (let nu = 0; nu < c; nu++) out[(I * c + mu) * NB * c + J * c + nu]! *= w;
    }
  return { n: NA, m: NB, nComponents: c, values: out };
}

/** out[(S_A(i)·c+μ), (S_B(j)·c+ν)] += g[(i−s0)·c+μ, j·c+ν] for the atomic kernel rows s0..s1 against all m columns. */
function addStructureSums(
  g: Float64Array,
  sa: Int32Array,
  s0: number,
  s1: number,
  sb: Int32Array,
  m: number,
  c: number,
  NB: number,
  out: Float64Array,
): void {
  const mc = m * c;
  for (let i = s0; i < s1; i++) {
    const SA = sa[2 * i]!;
    for (let mu = 0; mu < c; mu++) {
      const grow = ((i - s0) * c + mu) * mc;
      const orow = (SA * c + mu) * NB * c;
      for (let j = 0; j < m; j++) {
        const o2 = orow + sb[2 * j]! * c;
        const g2 = grow + j * c;
        for (let nu = 0; nu < c; nu++) out[o2 + nu]! += g[g2 + nu]!;
      }
    }
  }
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
        field: "centers",
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
