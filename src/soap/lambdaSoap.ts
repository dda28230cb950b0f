import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { type RealCgTable, realCgTable } from "../math/clebsch.js";
import { parseSoapHypers, type SoapHypers } from "./hypers.js";
import { SphericalExpansion } from "./expansion.js";
import {
  blockKey,
  type ComputeOptions,
  type Descriptor,
  type FeatureBlock,
  type FeatureBlocks,
} from "./types.js";

/** One (l1, l2) block of the λ-coupled features. */
interface PairBlock {
  readonly l1: number;
  readonly l2: number;
  readonly cg: RealCgTable;
  /** offset of this block in the property axis */
  readonly offset: number;
  /** l1 < l2: K² features [A][B]; l1 = l2: K(K+1)/2 features, A ≤ B */
  readonly triangular: boolean;
  /** CG entries grouped by (μ, m1): group g has μ = gMu[g], m1 = gM1[g], entries gStart[g]..gStart[g+1]−1 */
  readonly gMu: Int32Array;
  readonly gM1: Int32Array;
  readonly gStart: Int32Array;
  readonly eM2: Int32Array;
  readonly eV: Float64Array;
}

function groupCg(cg: RealCgTable): Pick<PairBlock, "gMu" | "gM1" | "gStart" | "eM2" | "eV"> {
  const order = Array.from({ length: cg.nnz }, (_, e) => e).sort(
    (a, b) => cg.mu[a]! - cg.mu[b]! || cg.m1[a]! - cg.m1[b]! || cg.m2[a]! - cg.m2[b]!,
  );
  const gMu: number[] = [];
  const gM1: number[] = [];
  const gStart: number[] = [];
  order.forEach((e, k) => {
    if (k === 0 || cg.mu[e] !== gMu[gMu.length - 1] || cg.m1[e] !== gM1[gM1.length - 1]) {
      gMu.push(cg.mu[e]!);
      gM1.push(cg.m1[e]!);
      gStart.push(k);
    }
  });
  gStart.push(order.length);
  return {
    gMu: Int32Array.from(gMu),
    gM1: Int32Array.from(gM1),
    gStart: Int32Array.from(gStart),
    eM2: Int32Array.from(order, (e) => cg.m2[e]!),
    eV: Float64Array.from(order, (e) => cg.value[e]!),
  };
}

/**
 * Layout of the λ-coupled features in symmetric-half storage.
 *
 * Full features: P^λ_μ(A,l1; B,l2) = Σ_{m1,m2} C^λ_{μ,m1,m2} X[l1 m1, A] X[l2 m2, B] for channels A = (species a, n),
 * B = (b, n′) and l1+l2+λ even. Since P(A,l1; B,l2) = P(B,l2; A,l1), only (A,l1) ≤ (B,l2) is stored, the
 * off-diagonal entries multiplied by √2, so every dot product (hence every kernel) equals the full one.
 * Blocks are ordered by (l1, l2), l1 ≤ l2; within a block by A then B (B ≥ A when l1 = l2).
 */
export class LambdaCoupling {
  readonly lambda: number;
  /** O(3) parity: +1 couples l1+l2+λ even (true tensors), −1 odd (pseudo-tensors; SO(3)-equivariant only) */
  readonly sigma: 1 | -1;
  readonly lmax: number;
  readonly nChannels: number;
  readonly nProperties: number;
  readonly blocks: readonly PairBlock[];

  constructor(lambda: number, lmax: number, nChannels: number, sigma: 1 | -1 = 1) {
    this.lambda = lambda;
    this.sigma = sigma;
    this.lmax = lmax;
    this.nChannels = nChannels;
    const K = nChannels;
    const blocks: PairBlock[] = [];
    let off = 0;
    for (let l1 = 0; l1 <= lmax; l1++) {
      for (let l2 = l1; l2 <= lmax; l2++) {
        const even = (l1 + l2 + lambda) % 2 === 0;
        if (even !== (sigma === 1) || lambda < l2 - l1 || lambda > l1 + l2) continue;
        const triangular = l1 === l2;
        const cg = realCgTable(l1, l2, lambda);
        blocks.push({ l1, l2, cg, offset: off, triangular, ...groupCg(cg) });
        // σ=+1: A ≤ B; σ=−1: P(A,l;B,l) = −P(B,l;A,l), so the diagonal vanishes and only A < B is stored
        off += triangular ? (sigma === 1 ? (K * (K + 1)) / 2 : (K * (K - 1)) / 2) : K * K;
      }
    }
    if (blocks.length === 0) {
      throw new EngineError(
        "InvalidParameter",
        `λ=${lambda} (σ=${sigma}) has no (l1, l2) pair with maxAngular ${lmax}`,
      );
    }
    this.blocks = blocks;
    this.nProperties = off;
    const maxG = 2 * lmax + 1;
    this.xt = new Float64Array(nChannels * maxG);
    this.yt = new Float64Array(nChannels * maxG);
  }

  private readonly xt: Float64Array;
  private readonly yt: Float64Array;

  /**
   * Couple one centre's expansion X ((lmax+1)² × K, row (l,m)) into out[μ * nProperties + p] (zeroed here),
   * symmetric-half storage with √2 weights.
   */
  couple(X: Float64Array, xOff: number, out: Float64Array, outOff: number): void {
    const K = this.nChannels;
    const F = this.nProperties;
    const nc = 2 * this.lambda + 1;
    const xt = this.xt;
    const yt = this.yt;
    const S2 = Math.SQRT2;
    for (const blk of this.blocks) {
      const { gMu, gM1, gStart, eM2, eV, offset } = blk;
      const b1 = xOff + blk.l1 * blk.l1 * K;
      const b2 = xOff + blk.l2 * blk.l2 * K;
      const nG = gMu.length;
      // P_μ(A, B) = Σ_q X[l1 m1_q, A] · y_q[B] over the groups q of μ, y_q = √2 Σ_{m2} C[μ, m1_q, m2] X[l2 m2, :]:
      // a small product xtᵀ·yt with the group index innermost, so each output is written once.
      let g0 = 0;
      while (g0 < nG) {
        const mu = gMu[g0]!;
        let g1 = g0;
        while (g1 < nG && gMu[g1] === mu) g1++;
        const G = g1 - g0;
        for (let q = 0; q < G; q++) {
          const g = g0 + q;
          const r1 = b1 + gM1[g]! * K;
          for (let A = 0; A < K; A++) {
            xt[A * G + q] = X[r1 + A]!;
            yt[A * G + q] = 0;
          }
          for (let e = gStart[g]!; e < gStart[g + 1]!; e++) {
            const v = S2 * eV[e]!;
            const r2 = b2 + eM2[e]! * K;
            for (let B = 0; B < K; B++) yt[B * G + q]! += v * X[r2 + B]!;
          }
        }
        const o0 = outOff + mu * F + offset;
        if (!blk.triangular) {
          for (let A = 0; A < K; A++) {
            const xa = A * G;
            const oa = o0 + A * K;
            for (let B = 0; B < K; B++) {
              const yb = B * G;
              let acc = 0;
              for (let q = 0; q < G; q++) acc += xt[xa + q]! * yt[yb + q]!;
              out[oa + B] = acc;
            }
          }
        } else {
          const first = this.sigma === 1 ? 0 : 1; // σ=−1: strict upper triangle
          let o = o0;
          for (let A = 0; A < K; A++) {
            const xa = A * G;
            for (let B = A + first; B < K; B++) {
              const yb = B * G;
              let acc = 0;
              for (let q = 0; q < G; q++) acc += xt[xa + q]! * yt[yb + q]!;
              out[o++] = B === A ? acc * Math.SQRT1_2 : acc; // the diagonal carries weight 1, not √2
            }
          }
        }
        g0 = g1;
      }
      // μ rows without any CG entry in this block stay zero
      for (let mu = 0; mu < nc; mu++) {
        let has = false;
        for (let g = 0; g < nG; g++) if (gMu[g] === mu) has = true;
        if (!has) {
          const size = blk.triangular ? (this.sigma === 1 ? (K * (K + 1)) / 2 : (K * (K - 1)) / 2) : K * K;
          out.fill(0, outOff + mu * F + offset, outOff + mu * F + offset + size);
        }
      }
    }
  }
}

/**
 * Power spectrum (λ=0) directly from the expansion: p_l(A ≤ B) = w_AB Σ_m X[lm,A] X[lm,B] / √(2l+1),
 * w = √2 for A < B — the same layout and values as LambdaCoupling(0).
 */
export function powerSpectrum(X: Float64Array, xOff: number, lmax: number, K: number, out: Float64Array, outOff: number): void {
  const T = (K * (K + 1)) / 2;
  const d = 2 * lmax + 1;
  const xt = PS_SCRATCH.length >= K * d ? PS_SCRATCH : (PS_SCRATCH = new Float64Array(K * d));
  for (let l = 0; l <= lmax; l++) {
    const G = 2 * l + 1;
    // xt[A][m] = X[l m, A]: the m-sum becomes the innermost, contiguous loop and each output is written once
    for (let m = 0; m < G; m++) {
      const r = xOff + (l * l + m) * K;
      for (let A = 0; A < K; A++) xt[A * G + m] = X[r + A]!;
    }
    const w = Math.SQRT2 / Math.sqrt(G);
    const wd = 1 / Math.sqrt(G);
    let o = outOff + l * T;
    for (let A = 0; A < K; A++) {
      const xa = A * G;
      for (let B = A; B < K; B++) {
        const xb = B * G;
        let acc = 0;
        for (let m = 0; m < G; m++) acc += xt[xa + m]! * xt[xb + m]!;
        out[o++] = (B === A ? wd : w) * acc;
      }
    }
  }
}
let PS_SCRATCH = new Float64Array(0);

/** Normalise one environment: λ=0 unit norm; λ>0 ‖P Pᵀ‖_F = 1 (P is nc × F). */
export function normalizeEnvironment(P: Float64Array, off: number, nc: number, F: number): void {
  let scale: number;
  if (nc === 1) {
    let s = 0;
    for (let p = 0; p < F; p++) s += P[off + p]! * P[off + p]!;
    scale = s > 0 ? 1 / Math.sqrt(s) : 0;
  } else {
    let fro = 0;
    for (let a = 0; a < nc; a++) {
      for (let b = a; b < nc; b++) {
        let s = 0;
        const oa = off + a * F;
        const ob = off + b * F;
        for (let p = 0; p < F; p++) s += P[oa + p]! * P[ob + p]!;
        fro += a === b ? s * s : 2 * s * s;
      }
    }
    fro = Math.sqrt(fro);
    scale = fro > 0 ? 1 / Math.sqrt(fro) : 0;
  }
  for (let p = 0; p < nc * F; p++) P[off + p]! *= scale;
}

export interface LambdaSoapComputeOptions extends ComputeOptions {
  /**
   * O(3) parity of the blocks: +1 (default, l1+l2+λ even: true tensors, what TENSOAP and the models use) or −1
   * (l1+l2+λ odd: pseudo-tensors). The SO(3)-only kernel ∫dR D^λ(R)|⟨ρ|Rρ′⟩|² is the sum of both.
   */
  parity?: 1 | -1;
  /** Centre atoms per structure (indices), overriding `centers` species selection. */
  atoms?: readonly (readonly number[])[];
}

/**
 * λ-SOAP descriptor: `new LambdaSoap(hypers).compute(structures, { centers, lambdas })` → FeatureBlocks keyed
 * `${centerSpecies}:${λ}`, one block per centre species and λ, samples in (structure, atom) order.
 * Species channels: hypers.species, or all species present in `structures` (pass the same species list, or
 * compute all structures in one call, when features of different calls are to be compared).
 */
export class LambdaSoap implements Descriptor {
  readonly name = "lambda-soap";
  readonly hypers: Readonly<Record<string, unknown>>;
  readonly params: SoapHypers;
  readonly outputIrreps: string;
  private readonly couplings = new Map<string, LambdaCoupling>();
  private readonly expansions = new Map<string, SphericalExpansion>();

  constructor(hypers: SoapHypers | unknown = {}) {
    this.params = parseSoapHypers(hypers);
    this.hypers = JSON.parse(JSON.stringify(this.params)) as Record<string, unknown>;
    this.outputIrreps = this.params.lambdas.map((l) => `1x${l}e`).join("+");
  }

  /** The spherical expansion for a species list (cached). */
  expansion(species: readonly number[]): SphericalExpansion {
    const key = species.join(",");
    let e = this.expansions.get(key);
    if (!e) {
      e = new SphericalExpansion(this.params, species);
      this.expansions.set(key, e);
    }
    return e;
  }

  coupling(lambda: number, K: number, sigma: 1 | -1 = 1): LambdaCoupling {
    const key = `${lambda}:${K}:${sigma}`;
    let c = this.couplings.get(key);
    if (!c) {
      c = new LambdaCoupling(lambda, this.params.basis.maxAngular, K, sigma);
      this.couplings.set(key, c);
    }
    return c;
  }

  /** Species channels used for these structures. */
  speciesFor(structures: readonly Structure[]): number[] {
    if (this.params.species) return [...this.params.species];
    const set = new Set<number>();
    for (const s of structures) for (const z of s.numbers) set.add(z);
    return [...set].sort((a, b) => a - b);
  }

  compute(structures: readonly Structure[], options: LambdaSoapComputeOptions = {}): FeatureBlocks {
    const species = this.speciesFor(structures);
    const exp = this.expansion(species);
    const K = exp.nChannels;
    const lambdas = options.lambdas ?? this.params.lambdas;
    for (const l of lambdas) {
      if (!Number.isInteger(l) || l < 0 || l > 2 * this.params.basis.maxAngular) {
        throw new EngineError(
          "InvalidParameter",
          `λ=${l} not available with maxAngular ${this.params.basis.maxAngular}`,
          { field: "lambdas" },
        );
      }
    }
    // centres: per structure, per centre species
    const centerSet = options.centers ? new Set(options.centers) : null;
    const perSpecies = new Map<number, number[]>(); // flat (structure, atom) pairs
    const perStructure: number[][] = [];
    structures.forEach((s, si) => {
      const atoms: number[] = [];
      const list = options.atoms ? (options.atoms[si] ?? []) : Array.from({ length: s.length }, (_, i) => i);
      for (const i of list) {
        const z = s.numbers[i]!;
        if (centerSet && !centerSet.has(z)) continue;
        atoms.push(i);
        let arr = perSpecies.get(z);
        if (!arr) perSpecies.set(z, (arr = []));
        arr.push(si, i);
      }
      perStructure.push(atoms);
    });
    // allocate blocks
    const out = new Map<string, FeatureBlock>();
    interface Writer {
      values: Float64Array;
      next: number;
      nc: number;
      F: number;
      coupling: LambdaCoupling | null;
    }
    const writers = new Map<string, Writer>();
    const zs = [...perSpecies.keys()].sort((a, b) => a - b);
    for (const z of zs) {
      const samples = Int32Array.from(perSpecies.get(z)!);
      const nS = samples.length / 2;
      for (const lam of lambdas) {
        const sigma = options.parity ?? 1;
        const coupling = this.coupling(lam, K, sigma);
        const F = coupling.nProperties;
        const nc = 2 * lam + 1;
        const values = new Float64Array(nS * nc * F);
        const block: FeatureBlock = {
          centerSpecies: z,
          lambda: lam,
          sigma,
          nSamples: nS,
          nComponents: nc,
          nProperties: F,
          values,
          samples,
        };
        out.set(blockKey(z, lam), block);
        writers.set(blockKey(z, lam), {
          values,
          next: 0,
          nc,
          F,
          coupling: lam === 0 && sigma === 1 ? null : coupling,
        });
      }
    }
    let X = new Float64Array(0);
    // writers per (centre species, λ) in lambdas order, looked up by atomic number without building keys
    const wByZ = new Map<number, Writer[]>();
    for (const z of zs)
      wByZ.set(
        z,
        lambdas.map((lam) => writers.get(blockKey(z, lam))!),
      );
    structures.forEach((s, si) => {
      const atoms = perStructure[si]!;
      if (atoms.length === 0) return;
      if (X.length < atoms.length * exp.size) X = new Float64Array(atoms.length * exp.size);
      exp.compute(s, atoms, X, 0);
      for (let c = 0; c < atoms.length; c++) {
        const ws = wByZ.get(s.numbers[atoms[c]!]!)!;
        for (const w of ws) {
          const off = w.next * w.nc * w.F;
          if (w.coupling) w.coupling.couple(X, c * exp.size, w.values, off);
          else powerSpectrum(X, c * exp.size, exp.lmax, K, w.values, off);
          if (this.params.normalize) normalizeEnvironment(w.values, off, w.nc, w.F);
          w.next++;
        }
      }
    });
    return out;
  }
}
