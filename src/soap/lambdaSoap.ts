import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { type GroupedCg, groupCg, type RealCgTable, realCgTable } from "../math/clebsch.js";
import { type CouplingOuter, couplingOuter } from "../math/outer.js";
import { parseSoapHypers, type SoapHypers } from "./hypers.js";
import { SphericalExpansion } from "./expansion.js";
import { normalizeEnvironment, powerSpectrum } from "./powerSpectrum.js";
import { checkSoapWork, describeWork, estimateSoapWork, type SoapWorkEstimate } from "./work.js";
import {
  blockKey,
  type ComputeOptions,
  type Descriptor,
  type FeatureBlock,
  type FeatureBlocks,
} from "./types.js";

export { normalizeEnvironment, powerSpectrum } from "./powerSpectrum.js";

/** One (l1, l2) block of the λ-coupled features. */
interface PairBlock extends GroupedCg {
  readonly l1: number;
  readonly l2: number;
  readonly cg: RealCgTable;
  /** offset of this block in the property axis */
  readonly offset: number;
  /** l1 < l2: K² features [A][B]; l1 = l2: K(K+1)/2 features, A ≤ B */
  readonly triangular: boolean;
}

/**
 * Properties per component of λ-SOAP features with `nSpecies` species channels of `nmax` radial functions: f of the
 * λ block and f0 of the λ=0 block (for memory estimates, src/core/memory.ts, before anything is computed).
 */
export function featureCounts(
  nSpecies: number,
  nmax: number,
  lmax: number,
  lambda: number,
): { f: number; f0: number } {
  const f0 = new LambdaCoupling(0, lmax, nSpecies * nmax).nProperties;
  return { f: lambda === 0 ? f0 : new LambdaCoupling(lambda, lmax, nSpecies * nmax).nProperties, f0 };
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
    // scratch for couple(): at most 2 l1 + 1 groups (μ, m1) per component μ
    this.xr = new Int32Array(2 * lmax + 1);
    const D = 2 * lmax + 1;
    this.gl = new Float64Array((lmax + 1) * D * D);
    this.gram = new Float64Array((2 * lambda + 1) ** 2);
    this.mBuf = new Float64Array((2 * lambda + 1) * D * D);
    this.qBuf = new Float64Array((2 * lambda + 1) * D * D);
  }

  private readonly xr: Int32Array;
  private outer: CouplingOuter | undefined;
  private readonly gl: Float64Array;
  private readonly gram: Float64Array;
  private readonly mBuf: Float64Array;
  private readonly qBuf: Float64Array;

  /**
   * 1/√‖P Pᵀ‖_F of the coupled features of one centre, from the expansion alone (no feature pass):
   * (P Pᵀ)_μν = Σ_blocks w · tr(C_μ G_l2 C_νᵀ G_l1), G_l = X_l X_lᵀ ((2l+1)² per l), w = 2 for l1 < l2 (the
   * (l2, l1) block of the full feature set contributes equally), 1 for l1 = l2. Returns 0 for a zero environment.
   */
  normScale(X: Float64Array, xOff: number): number {
    const K = this.nChannels;
    const L = this.lmax + 1;
    const nc = 2 * this.lambda + 1;
    const G = this.gl;
    const D = 2 * this.lmax + 1;
    for (let l = 0; l < L; l++) {
      const d = 2 * l + 1;
      const base = xOff + l * l * K;
      const go = l * D * D;
      for (let a = 0; a < d; a++) {
        const ra = base + a * K;
        for (let b = a; b < d; b++) {
          const rb = base + b * K;
          let s = 0;
          for (let k = 0; k < K; k++) s += X[ra + k]! * X[rb + k]!;
          G[go + a * D + b] = s;
          G[go + b * D + a] = s;
        }
      }
    }
    const gram = this.gram;
    gram.fill(0);
    const M = this.mBuf;
    const Q = this.qBuf;
    for (const blk of this.blocks) {
      const { l1, l2, cg } = blk;
      const d1 = 2 * l1 + 1;
      const d2 = 2 * l2 + 1;
      const g1 = l1 * D * D;
      const g2 = l2 * D * D;
      const sz = d1 * d2;
      M.fill(0, 0, nc * sz);
      Q.fill(0, 0, nc * sz);
      for (let e = 0; e < cg.nnz; e++) {
        const v = cg.value[e]!;
        const mu = cg.mu[e]!;
        const m1 = cg.m1[e]!;
        const m2 = cg.m2[e]!;
        // M_μ[m1, :] += v G2[m2, :];  Q_μ[:, m2] += v G1[:, m1]
        const mo = mu * sz + m1 * d2;
        for (let b = 0; b < d2; b++) M[mo + b]! += v * G[g2 + m2 * D + b]!;
        const qo = mu * sz + m2;
        for (let a = 0; a < d1; a++) Q[qo + a * d2]! += v * G[g1 + a * D + m1]!;
      }
      const w = l1 === l2 ? 1 : 2;
      for (let mu = 0; mu < nc; mu++) {
        for (let nu = mu; nu < nc; nu++) {
          let s = 0;
          for (let k = 0; k < sz; k++) s += M[mu * sz + k]! * Q[nu * sz + k]!;
          gram[mu * nc + nu]! += w * s;
        }
      }
    }
    let fro = 0;
    for (let mu = 0; mu < nc; mu++) {
      fro += gram[mu * nc + mu]! ** 2;
      for (let nu = mu + 1; nu < nc; nu++) fro += 2 * gram[mu * nc + nu]! ** 2;
    }
    fro = Math.sqrt(fro);
    return fro > 0 ? 1 / Math.sqrt(fro) : 0;
  }

  /** Which outer-product implementation couple() uses: "simd" (WebAssembly) or "js" (see src/math/outer.ts). */
  get outerKind(): "simd" | "js" {
    return this.outerProducts().kind;
  }

  private outerProducts(): CouplingOuter {
    this.outer ??= couplingOuter(
      this.lmax,
      this.nChannels,
      (2 * this.lambda + 1) * this.nProperties,
      this.strict,
    );
    return this.outer;
  }

  /** 1 for σ = −1 (the diagonal A = B of l1 = l2 blocks vanishes and is not stored), else 0. */
  private get strict(): number {
    return this.sigma === 1 ? 0 : 1;
  }

  /**
   * Couple one centre's expansion X ((lmax+1)² × K, row (l,m)) into out[μ * nProperties + p] (every entry is
   * written, none read), symmetric-half storage with √2 weights, every feature multiplied by `scale`.
   * P_μ(A, B) = Σ_t xs_t[A] · ys_t[B] over the groups t = (μ, m1) of each block: xs_t = X[l1 m1, :] (row offset
   * xr[t]), ys_t = √2·scale Σ_{m2} C[μ, m1, m2] X[l2 m2, :] — a K × K product with inner dimension ≤ 2 l1 + 1.
   */
  couple(X: Float64Array, xOff: number, out: Float64Array, outOff: number, scale = 1): void {
    const eng = this.outerProducts();
    eng.begin(X, xOff, out, outOff);
    const { x, ys, ys0, o, o0 } = eng;
    const K = this.nChannels;
    const F = this.nProperties;
    const nc = 2 * this.lambda + 1;
    const xr = this.xr;
    const S2 = Math.SQRT2 * scale;
    const strict = this.strict;
    const blocks = this.blocks;
    for (let ib = 0; ib < blocks.length; ib++) {
      const blk = blocks[ib]!;
      const { gM1, gStart, eM2, eV, muStart, offset, triangular } = blk;
      const b1 = eng.x0 + blk.l1 * blk.l1 * K;
      const b2 = eng.x0 + blk.l2 * blk.l2 * K;
      const size = triangular ? (strict === 0 ? (K * (K + 1)) / 2 : (K * (K - 1)) / 2) : K * K;
      for (let mu = 0; mu < nc; mu++) {
        const g0 = muStart[mu]!;
        const ng = muStart[mu + 1]! - g0;
        const ob = o0 + mu * F + offset;
        if (ng === 0) {
          o.fill(0, ob, ob + size);
          continue;
        }
        for (let t = 0; t < ng; t++) {
          const g = g0 + t;
          const q = ys0 + t * K;
          xr[t] = b1 + gM1[g]! * K;
          const e0 = gStart[g]!;
          const eEnd = gStart[g + 1]!;
          const v = S2 * eV[e0]!;
          const r2 = b2 + eM2[e0]! * K;
          if (eEnd === e0 + 2) {
            // two entries (the common case besides one): one pass
            const w = S2 * eV[e0 + 1]!;
            const r3 = b2 + eM2[e0 + 1]! * K;
            for (let B = 0; B < K; B++) ys[q + B] = v * x[r2 + B]! + w * x[r3 + B]!;
          } else {
            for (let B = 0; B < K; B++) ys[q + B] = v * x[r2 + B]!;
            for (let e = e0 + 1; e < eEnd; e++) {
              const w = S2 * eV[e]!;
              const r3 = b2 + eM2[e]! * K;
              for (let B = 0; B < K; B++) ys[q + B]! += w * x[r3 + B]!;
            }
          }
        }
        if (triangular) eng.triangle(xr, ng, ob, strict);
        else eng.full(xr, ng, ob);
      }
    }
    eng.end(out, outOff, nc * F);
  }
}

export interface LambdaSoapComputeOptions extends ComputeOptions {
  // parity (ComputeOptions): the SO(3)-only kernel ∫dR D^λ(R)|⟨ρ|Rρ′⟩|² is the sum of both parities.
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
  private readonly couplings = new Map<string, LambdaCoupling>();
  private readonly expansions = new Map<string, SphericalExpansion>();

  constructor(hypers: SoapHypers | unknown = {}) {
    this.params = parseSoapHypers(hypers);
    this.hypers = JSON.parse(JSON.stringify(this.params)) as Record<string, unknown>;
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

  /** Work estimate of `compute` (src/soap/work.ts). */
  workEstimate(structures: readonly Structure[], options: LambdaSoapComputeOptions = {}): SoapWorkEstimate {
    const centers = options.centers ? new Set(options.centers) : null;
    const lambdaMax = Math.max(...(options.lambdas ?? this.params.lambdas));
    return estimateSoapWork(structures, this.params, centers, this.speciesFor(structures).length, lambdaMax);
  }

  describeWork(structures: readonly Structure[], options: LambdaSoapComputeOptions = {}): string {
    return describeWork(this.workEstimate(structures, options));
  }

  /** Refuses settings whose work estimate is absurd (checkSoapWork) before allocating anything. */
  compute(structures: readonly Structure[], options: LambdaSoapComputeOptions = {}): FeatureBlocks {
    checkSoapWork(this.workEstimate(structures, options), this.params);
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
    const { perSpecies, perStructure } = centresOf(structures, options);
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
          if (w.coupling) {
            // λ>0: the normalisation ‖P Pᵀ‖_F = 1 is computed from the expansion and folded into the coupling
            const scale = this.params.normalize ? w.coupling.normScale(X, c * exp.size) : 1;
            w.coupling.couple(X, c * exp.size, w.values, off, scale);
          } else {
            powerSpectrum(X, c * exp.size, exp.lmax, K, w.values, off);
            if (this.params.normalize) normalizeEnvironment(w.values, off, w.nc, w.F);
          }
          w.next++;
        }
      }
      options.onProgress?.(si + 1, structures.length);
    });
    return out;
  }
}

/** The centre atoms, per structure and per centre species (flat (structure, atom) pairs), in input order. */
function centresOf(
  structures: readonly Structure[],
  options: LambdaSoapComputeOptions,
): { perSpecies: Map<number, number[]>; perStructure: number[][] } {
  const centerSet = options.centers ? new Set(options.centers) : null;
  const perSpecies = new Map<number, number[]>();
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
  return { perSpecies, perStructure };
}
