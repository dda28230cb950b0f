import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { type RealCgTable, realCgTable } from "../math/clebsch.js";
import { parseSoapHypers, type SoapHypers } from "./hypers.js";
import { SphericalExpansion } from "./expansion.js";
import { checkSoapWork, describeWork, estimateSoapWork, type SoapWorkEstimate } from "./work.js";
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
  /** groups of component μ: muStart[μ]..muStart[μ+1]−1 (length 2λ+2) */
  readonly muStart: Int32Array;
}

function groupCg(cg: RealCgTable): Pick<PairBlock, "gMu" | "gM1" | "gStart" | "eM2" | "eV" | "muStart"> {
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
  const nc = 2 * cg.lambda + 1;
  const muStart = new Int32Array(nc + 1);
  for (let mu = 0, g = 0; mu <= nc; mu++) {
    while (g < gMu.length && gMu[g]! < mu) g++;
    muStart[mu] = g;
  }
  return {
    muStart,
    gMu: Int32Array.from(gMu),
    gM1: Int32Array.from(gM1),
    gStart: Int32Array.from(gStart),
    eM2: Int32Array.from(order, (e) => cg.m2[e]!),
    eV: Float64Array.from(order, (e) => cg.value[e]!),
  };
}

/** The parts of the WebAssembly API used here (the project's TypeScript lib has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

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
 * Hand-assembled WebAssembly SIMD (f64x2) kernel for the coupling's outer products (no toolchain needed):
 *   outer(xr, ng, ys, ldy, rows, K, bsm, bsa, bem, bea, ob): for A = 0, 4, …, K−4 (K a multiple of 4) and
 *   B = bsm·A + bsa, +4, … < bem·A + bea, the 4 × 4 tile  f64[ob + rows[A + r] + 8 (B + s)] =
 *   Σ_{t<ng} f64[xr[t] + 8 (A + r)] · f64[ys + t·ldy + 8 (B + s)]  (byte addresses; xr, rows: i32 tables).
 *   Full block: B in [0, K); triangle: B in [A + 4, K); diagonal tiles: B = A. Two f64x2 accumulators per row.
 */
function outerModuleBytes(): Uint8Array {
  const [G, S, T] = [0x20, 0x21, 0x22]; // local.get / set / tee
  const [xr, ng, ys, ldy, rows, K, bsm, bsa, bem, bea, ob] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [a, b, t, xa, yp, addr, bend] = [11, 12, 13, 14, 15, 16, 17];
  const acc = (r: number, s: number) => 18 + 2 * r + s; // v128 18..25
  const xv = (r: number) => 26 + r; // v128 26..29
  const yv = (s: number) => 30 + s; // v128 30, 31
  const ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
  const c: number[] = [];
  c.push(0x02, 0x40, 0x03, 0x40); // block, loop A
  c.push(G, bsm, G, a, 0x6c, G, bsa, 0x6a, S, b); // b = bsm·a + bsa
  c.push(G, bem, G, a, 0x6c, G, bea, 0x6a, S, bend); // bend = bem·a + bea
  c.push(0x02, 0x40, G, b, G, bend, 0x4f, 0x0d, 0); // block; br_if b ≥ bend
  c.push(0x03, 0x40); // loop B
  for (let r = 0; r < 4; r++) for (let s = 0; s < 2; s++) c.push(...ZERO, S, acc(r, s));
  c.push(G, ys, G, b, 0x41, 3, 0x74, 0x6a, S, yp, 0x41, 0, S, t); // yp = ys + 8b; t = 0
  c.push(0x03, 0x40); // loop t
  c.push(G, xr, G, t, 0x41, 2, 0x74, 0x6a, 0x28, 2, 0, G, a, 0x41, 3, 0x74, 0x6a, S, xa); // xa = xr[t] + 8a
  for (let r = 0; r < 4; r++) c.push(G, xa, 0xfd, 0x0a, 3, 8 * r, S, xv(r)); // v128.load64_splat
  for (let s = 0; s < 2; s++) c.push(G, yp, 0xfd, 0x00, 3, 16 * s, S, yv(s)); // v128.load
  for (let r = 0; r < 4; r++)
    for (let s = 0; s < 2; s++)
      c.push(G, acc(r, s), G, xv(r), G, yv(s), 0xfd, 0xf2, 0x01, 0xfd, 0xf0, 0x01, S, acc(r, s));
  c.push(G, yp, G, ldy, 0x6a, S, yp); // yp += ldy
  c.push(G, t, 0x41, 1, 0x6a, T, t, G, ng, 0x49, 0x0d, 0, 0x0b); // while ++t < ng
  for (let r = 0; r < 4; r++) {
    // addr = ob + rows[a + r] + 8b
    c.push(G, rows, G, a, 0x41, r, 0x6a, 0x41, 2, 0x74, 0x6a, 0x28, 2, 0, G, ob, 0x6a);
    c.push(G, b, 0x41, 3, 0x74, 0x6a, T, addr);
    c.push(G, acc(r, 0), 0xfd, 0x0b, 3, 0, G, addr, G, acc(r, 1), 0xfd, 0x0b, 3, 16);
  }
  c.push(G, b, 0x41, 4, 0x6a, T, b, G, bend, 0x49, 0x0d, 0, 0x0b, 0x0b); // while (b += 4) < bend; end block
  c.push(G, a, 0x41, 4, 0x6a, T, a, G, K, 0x49, 0x0d, 0, 0x0b, 0x0b, 0x0b); // while (a += 4) < K
  const func = [2, 7, 0x7f, 14, 0x7b, ...c]; // locals: 7 i32, 14 v128
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
    ...section(1, [1, 0x60, 11, ...new Array<number>(11).fill(0x7f), 0]),
    ...section(2, [1, ...name("m"), ...name("mem"), 2, 0, 1]), // imports memory m.mem (≥ 1 page)
    ...section(3, [1, 0]),
    ...section(7, [1, ...name("outer"), 0, 0]),
    ...section(10, [1, ...leb128(func.length), ...func]),
  ]);
}

/** SOAPGPR_NO_SIMD=1 selects the JavaScript loops (for comparisons). */
const disableSimd = typeof process !== "undefined" && process.env?.SOAPGPR_NO_SIMD === "1";

let outerModule: object | null | undefined;
function simdOuterModule(): object | null {
  if (outerModule === undefined) {
    try {
      const bytes = outerModuleBytes();
      outerModule = wasmApi?.validate(bytes) ? new wasmApi.Module(bytes) : null;
    } catch {
      outerModule = null; // no WebAssembly SIMD: the JavaScript loops are used
    }
  }
  return outerModule;
}

/** One SIMD instance per coupling: memory regions (byte addresses) and views. */
interface SimdState {
  outer: (...args: number[]) => void;
  f64: Float64Array;
  i32: Int32Array;
  /** X of one centre, ys rows, xr table, row tables (full, triangle, diagonal tiles), diagonal tiles, staging */
  xB: number;
  ysB: number;
  xrB: number;
  rowsFullB: number;
  rowsTriB: number;
  rowsDiagB: number;
  diagB: number;
  outB: number;
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
    this.ys = new Float64Array((2 * lmax + 1) * nChannels);
    const D = 2 * lmax + 1;
    this.gl = new Float64Array((lmax + 1) * D * D);
    this.gram = new Float64Array((2 * lambda + 1) ** 2);
    this.mBuf = new Float64Array((2 * lambda + 1) * D * D);
    this.qBuf = new Float64Array((2 * lambda + 1) * D * D);
  }

  private readonly xr: Int32Array;
  private readonly ys: Float64Array;
  private simd: SimdState | null | undefined;
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

  /**
   * Couple one centre's expansion X ((lmax+1)² × K, row (l,m)) into out[μ * nProperties + p] (every entry is
   * written, none read), symmetric-half storage with √2 weights, every feature multiplied by `scale`.
   */
  couple(X: Float64Array, xOff: number, out: Float64Array, outOff: number, scale = 1): void {
    if (this.simd === undefined) this.simd = this.initSimd();
    if (this.simd) this.coupleSimd(this.simd, X, xOff, out, outOff, scale);
    else this.coupleJs(X, xOff, out, outOff, scale);
  }

  /** The SIMD state when WebAssembly SIMD is available and K is a multiple of 4 (else null: JavaScript loops). */
  private initSimd(): SimdState | null {
    const K = this.nChannels;
    const mod = K % 4 === 0 && !disableSimd ? simdOuterModule() : null;
    if (!mod) return null;
    const lmax = this.lmax;
    const nc = 2 * this.lambda + 1;
    const D = 2 * lmax + 1;
    // regions in doubles, each 16-byte aligned
    const al = (n: number) => n + (n & 1);
    const xD = al((lmax + 1) ** 2 * K);
    const ysD = al(D * K);
    const tabD = al(D + 3 * K); // i32 tables: xr (D), rows full / triangle / diagonal tiles (K each), 8-byte units
    const xB = 64; // (a row base may be 8 bytes below the staging start: keep everything above 0)
    const ysB = xB + 8 * xD;
    const xrB = ysB + 8 * ysD;
    const rowsFullB = xrB + 4 * D;
    const rowsTriB = rowsFullB + 4 * K;
    const rowsDiagB = rowsTriB + 4 * K;
    const diagB = xrB + 8 * tabD; // the diagonal 4 × 4 tiles: (a, B) at 4a + B − (a − a mod 4)
    const outB = diagB + 8 * 4 * K + 64;
    const bytes = outB + 8 * nc * this.nProperties;
    // memory made at its final size and imported: growing it would detach an ArrayBuffer, which in V8 switches
    // every typed-array access of the process to a slower, detach-checking form (measured: −25 % elsewhere)
    const mem = new wasmApi!.Memory({ initial: Math.ceil(bytes / 65536) });
    const inst = new wasmApi!.Instance(mod, { m: { mem } });
    const f64 = new Float64Array(mem.buffer);
    const i32 = new Int32Array(mem.buffer);
    const strict = this.sigma === 1 ? 0 : 1;
    for (let A = 0; A < K; A++) {
      i32[rowsFullB / 4 + A] = 8 * A * K;
      i32[rowsTriB / 4 + A] = 8 * (A * (K - strict) - (A * (A - 1)) / 2 - A - strict);
      i32[rowsDiagB / 4 + A] = 8 * (4 * A - (A - (A % 4)));
    }
    return {
      outer: inst.exports.outer as (...args: number[]) => void,
      f64,
      i32,
      xB,
      ysB,
      xrB,
      rowsFullB,
      rowsTriB,
      rowsDiagB,
      diagB,
      outB,
    };
  }

  /** couple() through the SIMD outer-product kernel: features staged in module memory, then copied out. */
  private coupleSimd(
    st: SimdState,
    X: Float64Array,
    xOff: number,
    out: Float64Array,
    outOff: number,
    scale: number,
  ): void {
    const K = this.nChannels;
    const F = this.nProperties;
    const nc = 2 * this.lambda + 1;
    const { f64, i32, xB, ysB, xrB, outB } = st;
    const xr = this.xr;
    const S2 = Math.SQRT2 * scale;
    const strict = this.sigma === 1 ? 0 : 1;
    const ks = K - strict;
    const h = Math.SQRT1_2;
    const x0 = xB / 8;
    const y0 = ysB / 8;
    const xr0 = xrB / 4;
    const o8 = outB / 8;
    f64.set(X.subarray(xOff, xOff + (this.lmax + 1) ** 2 * K), x0);
    const blocks = this.blocks;
    for (let ib = 0; ib < blocks.length; ib++) {
      const blk = blocks[ib]!;
      const { gM1, gStart, eM2, eV, muStart, offset, triangular } = blk;
      const b1 = x0 + blk.l1 * blk.l1 * K;
      const b2 = x0 + blk.l2 * blk.l2 * K;
      const size = triangular ? (strict === 0 ? (K * (K + 1)) / 2 : (K * (K - 1)) / 2) : K * K;
      for (let mu = 0; mu < nc; mu++) {
        const g0 = muStart[mu]!;
        const ng = muStart[mu + 1]! - g0;
        const ob = o8 + mu * F + offset; // staging offset (doubles) of this component's block
        if (ng === 0) {
          f64.fill(0, ob, ob + size);
          continue;
        }
        // ys_t = √2·scale Σ_{m2} C[μ, m1, m2] X[l2 m2, :] into module memory; xr[t] = byte address of X[l1 m1, :]
        for (let t = 0; t < ng; t++) {
          const g = g0 + t;
          const q = y0 + t * K;
          xr[t] = b1 + gM1[g]! * K;
          i32[xr0 + t] = 8 * xr[t]!;
          const e0 = gStart[g]!;
          const eEnd = gStart[g + 1]!;
          const v = S2 * eV[e0]!;
          const r2 = b2 + eM2[e0]! * K;
          if (eEnd === e0 + 2) {
            const w = S2 * eV[e0 + 1]!;
            const r3 = b2 + eM2[e0 + 1]! * K;
            for (let B = 0; B < K; B++) f64[q + B] = v * f64[r2 + B]! + w * f64[r3 + B]!;
          } else {
            for (let B = 0; B < K; B++) f64[q + B] = v * f64[r2 + B]!;
            for (let e = e0 + 1; e < eEnd; e++) {
              const w = S2 * eV[e]!;
              const r3 = b2 + eM2[e]! * K;
              for (let B = 0; B < K; B++) f64[q + B]! += w * f64[r3 + B]!;
            }
          }
        }
        if (!triangular) st.outer(xrB, ng, ysB, 8 * K, st.rowsFullB, K, 0, 0, 0, K, 8 * ob);
        else {
          st.outer(xrB, ng, ysB, 8 * K, st.rowsTriB, K, 1, 4, 0, K, 8 * ob);
          // the 4 × 4 diagonal tiles into scratch, then their upper parts (diagonal weight 1 = √2/√2)
          st.outer(xrB, ng, ysB, 8 * K, st.rowsDiagB, K, 1, 0, 1, 4, st.diagB);
          const d0 = st.diagB / 8;
          for (let a = 0; a < K; a++) {
            const A = a - (a % 4);
            const ra = ob + a * ks - (a * (a - 1)) / 2 - a - strict;
            const da = d0 + 4 * a - A;
            if (strict === 0) f64[ra + a] = h * f64[da + a]!;
            for (let B = a + 1; B < A + 4; B++) f64[ra + B] = f64[da + B]!;
          }
        }
      }
    }
    out.set(f64.subarray(o8, o8 + nc * F), outOff);
  }

  private coupleJs(X: Float64Array, xOff: number, out: Float64Array, outOff: number, scale: number): void {
    const K = this.nChannels;
    const F = this.nProperties;
    const nc = 2 * this.lambda + 1;
    const xr = this.xr;
    const ys = this.ys;
    const S2 = Math.SQRT2 * scale;
    const strict = this.sigma === 1 ? 0 : 1;
    const blocks = this.blocks;
    for (let ib = 0; ib < blocks.length; ib++) {
      const blk = blocks[ib]!;
      const { gM1, gStart, eM2, eV, muStart, offset } = blk;
      const b1 = xOff + blk.l1 * blk.l1 * K;
      const b2 = xOff + blk.l2 * blk.l2 * K;
      for (let mu = 0; mu < nc; mu++) {
        // P_μ(A, B) = Σ_t xs_t[A] · ys_t[B] over the groups t = (μ, m1) of this block:
        //   xs_t = X[l1 m1, :] (row offset xr[t]),  ys_t = √2 Σ_{m2} C[μ, m1, m2] X[l2 m2, :]
        // (a K × K product with inner dimension ≤ 2 l1 + 1, register-blocked: each output written once)
        const g0 = muStart[mu]!;
        const ng = muStart[mu + 1]! - g0;
        for (let t = 0; t < ng; t++) {
          const g = g0 + t;
          const q = t * K;
          xr[t] = b1 + gM1[g]! * K;
          const e0 = gStart[g]!;
          const eEnd = gStart[g + 1]!;
          const v = S2 * eV[e0]!;
          const r2 = b2 + eM2[e0]! * K;
          if (eEnd === e0 + 2) {
            // two entries (the common case besides one): one pass
            const w = S2 * eV[e0 + 1]!;
            const r3 = b2 + eM2[e0 + 1]! * K;
            for (let B = 0; B < K; B++) ys[q + B] = v * X[r2 + B]! + w * X[r3 + B]!;
          } else {
            for (let B = 0; B < K; B++) ys[q + B] = v * X[r2 + B]!;
            for (let e = e0 + 1; e < eEnd; e++) {
              const w = S2 * eV[e]!;
              const r3 = b2 + eM2[e]! * K;
              for (let B = 0; B < K; B++) ys[q + B]! += w * X[r3 + B]!;
            }
          }
        }
        const o0 = outOff + mu * F + offset;
        if (!blk.triangular) outerFull(X, xr, ys, ng, K, out, o0);
        else outerTriangle(X, xr, ys, ng, K, out, o0, strict);
      }
    }
  }
}

/** out[o0 + A K + B] = Σ_{t<ng} X[xr[t] + A] ys[t K + B] (4 × 4 register tiles, as the GEMM micro-kernel). */
function outerFull(
  X: Float64Array,
  xr: Int32Array,
  ys: Float64Array,
  ng: number,
  K: number,
  out: Float64Array,
  o0: number,
): void {
  let A = 0;
  for (; A + 3 < K; A += 4) {
    const oa = o0 + A * K;
    let B = 0;
    for (; B + 3 < K; B += 4) {
      let c00 = 0;
      let c01 = 0;
      let c02 = 0;
      let c03 = 0;
      let c10 = 0;
      let c11 = 0;
      let c12 = 0;
      let c13 = 0;
      let c20 = 0;
      let c21 = 0;
      let c22 = 0;
      let c23 = 0;
      let c30 = 0;
      let c31 = 0;
      let c32 = 0;
      let c33 = 0;
      for (let t = 0, q = 0; t < ng; t++, q += K) {
        const xa = xr[t]! + A;
        const x0 = X[xa]!;
        const x1 = X[xa + 1]!;
        const x2 = X[xa + 2]!;
        const x3 = X[xa + 3]!;
        const y0 = ys[q + B]!;
        const y1 = ys[q + B + 1]!;
        const y2 = ys[q + B + 2]!;
        const y3 = ys[q + B + 3]!;
        c00 += x0 * y0;
        c01 += x0 * y1;
        c02 += x0 * y2;
        c03 += x0 * y3;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c12 += x1 * y2;
        c13 += x1 * y3;
        c20 += x2 * y0;
        c21 += x2 * y1;
        c22 += x2 * y2;
        c23 += x2 * y3;
        c30 += x3 * y0;
        c31 += x3 * y1;
        c32 += x3 * y2;
        c33 += x3 * y3;
      }
      let o = oa + B;
      out[o] = c00;
      out[o + 1] = c01;
      out[o + 2] = c02;
      out[o + 3] = c03;
      o += K;
      out[o] = c10;
      out[o + 1] = c11;
      out[o + 2] = c12;
      out[o + 3] = c13;
      o += K;
      out[o] = c20;
      out[o + 1] = c21;
      out[o + 2] = c22;
      out[o + 3] = c23;
      o += K;
      out[o] = c30;
      out[o + 1] = c31;
      out[o + 2] = c32;
      out[o + 3] = c33;
    }
    for (; B < K; B++) {
      for (let r = 0; r < 4; r++) {
        let c = 0;
        for (let t = 0, q = 0; t < ng; t++, q += K) c += X[xr[t]! + A + r]! * ys[q + B]!;
        out[oa + r * K + B] = c;
      }
    }
  }
  for (; A < K; A++) {
    const oa = o0 + A * K;
    for (let B = 0; B < K; B++) {
      let c = 0;
      for (let t = 0, q = 0; t < ng; t++, q += K) c += X[xr[t]! + A]! * ys[q + B]!;
      out[oa + B] = c;
    }
  }
}

/**
 * Upper triangle of Σ_t xs_t ys_tᵀ (xs_t = X[xr[t] ..]) in packed row order: strict = 0 stores B ≥ A (the
 * diagonal, whose weight is 1 not √2, multiplied by 1/√2), strict = 1 stores B > A. Entry (A, B) at
 * rowBase(A) + B, rowBase(A) = o0 + A (K − strict) − A (A − 1)/2 − A − strict. 4 × 4 register tiles on and
 * above the diagonal (the diagonal tiles store their upper part only).
 */
function outerTriangle(
  X: Float64Array,
  xr: Int32Array,
  ys: Float64Array,
  ng: number,
  K: number,
  out: Float64Array,
  o0: number,
  strict: number,
): void {
  const h = Math.SQRT1_2;
  const ks = K - strict;
  let A = 0;
  for (; A + 3 < K; A += 4) {
    const r0 = o0 + A * ks - (A * (A - 1)) / 2 - A - strict;
    const r1 = r0 + ks - A - 1;
    const r2 = r1 + ks - A - 2;
    const r3 = r2 + ks - A - 3;
    let B = A;
    for (; B + 3 < K; B += 4) {
      let c00 = 0;
      let c01 = 0;
      let c02 = 0;
      let c03 = 0;
      let c10 = 0;
      let c11 = 0;
      let c12 = 0;
      let c13 = 0;
      let c20 = 0;
      let c21 = 0;
      let c22 = 0;
      let c23 = 0;
      let c30 = 0;
      let c31 = 0;
      let c32 = 0;
      let c33 = 0;
      for (let t = 0, q = 0; t < ng; t++, q += K) {
        const xa = xr[t]! + A;
        const x0 = X[xa]!;
        const x1 = X[xa + 1]!;
        const x2 = X[xa + 2]!;
        const x3 = X[xa + 3]!;
        const y0 = ys[q + B]!;
        const y1 = ys[q + B + 1]!;
        const y2 = ys[q + B + 2]!;
        const y3 = ys[q + B + 3]!;
        c00 += x0 * y0;
        c01 += x0 * y1;
        c02 += x0 * y2;
        c03 += x0 * y3;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c12 += x1 * y2;
        c13 += x1 * y3;
        c20 += x2 * y0;
        c21 += x2 * y1;
        c22 += x2 * y2;
        c23 += x2 * y3;
        c30 += x3 * y0;
        c31 += x3 * y1;
        c32 += x3 * y2;
        c33 += x3 * y3;
      }
      if (B === A) {
        if (strict === 0) {
          out[r0 + A] = h * c00;
          out[r1 + A + 1] = h * c11;
          out[r2 + A + 2] = h * c22;
          out[r3 + A + 3] = h * c33;
        }
        out[r0 + A + 1] = c01;
        out[r0 + A + 2] = c02;
        out[r0 + A + 3] = c03;
        out[r1 + A + 2] = c12;
        out[r1 + A + 3] = c13;
        out[r2 + A + 3] = c23;
      } else {
        out[r0 + B] = c00;
        out[r0 + B + 1] = c01;
        out[r0 + B + 2] = c02;
        out[r0 + B + 3] = c03;
        out[r1 + B] = c10;
        out[r1 + B + 1] = c11;
        out[r1 + B + 2] = c12;
        out[r1 + B + 3] = c13;
        out[r2 + B] = c20;
        out[r2 + B + 1] = c21;
        out[r2 + B + 2] = c22;
        out[r2 + B + 3] = c23;
        out[r3 + B] = c30;
        out[r3 + B + 1] = c31;
        out[r3 + B + 2] = c32;
        out[r3 + B + 3] = c33;
      }
    }
    // remaining columns (B > A + 3: full rows)
    for (; B < K; B++) {
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      for (let t = 0, q = 0; t < ng; t++, q += K) {
        const xa = xr[t]! + A;
        const y = ys[q + B]!;
        c0 += X[xa]! * y;
        c1 += X[xa + 1]! * y;
        c2 += X[xa + 2]! * y;
        c3 += X[xa + 3]! * y;
      }
      out[r0 + B] = c0;
      out[r1 + B] = c1;
      out[r2 + B] = c2;
      out[r3 + B] = c3;
    }
  }
  // remaining rows (fewer than 4)
  for (; A < K; A++) {
    const ra = o0 + A * ks - (A * (A - 1)) / 2 - A - strict;
    for (let B = A + strict; B < K; B++) {
      let c = 0;
      for (let t = 0, q = 0; t < ng; t++, q += K) c += X[xr[t]! + A]! * ys[q + B]!;
      out[ra + B] = B === A ? h * c : c;
    }
  }
}

/**
 * Power spectrum (λ=0) directly from the expansion: p_l(A ≤ B) = w_AB Σ_m X[lm,A] X[lm,B] / √(2l+1),
 * w = √2 for A < B — the same layout and values as LambdaCoupling(0).
 */
export function powerSpectrum(
  X: Float64Array,
  xOff: number,
  lmax: number,
  K: number,
  out: Float64Array,
  outOff: number,
): void {
  const T = (K * (K + 1)) / 2;
  for (let l = 0; l <= lmax; l++) {
    const o0 = outOff + l * T;
    out.fill(0, o0, o0 + T);
    const w = Math.SQRT2 / Math.sqrt(2 * l + 1);
    for (let m = 0; m < 2 * l + 1; m++) {
      const r = xOff + (l * l + m) * K;
      // rank-1 update of the upper triangle, rows A and A+1 together (row A starts at B = A)
      let oa = o0;
      let A = 0;
      for (; A + 1 < K; A += 2) {
        const t0 = w * X[r + A]!;
        const t1 = w * X[r + A + 1]!;
        const base0 = oa - A;
        const base1 = oa + (K - A) - (A + 1);
        out[base0 + A]! += t0 * X[r + A]!;
        for (let B = A + 1; B < K; B++) {
          const xb = X[r + B]!;
          out[base0 + B]! += t0 * xb;
          out[base1 + B]! += t1 * xb;
        }
        oa += 2 * (K - A) - 1;
      }
      if (A < K) out[oa]! += w * X[r + A]! * X[r + A]!;
    }
    // the diagonal A = B carries weight 1, not √2
    let o = o0;
    for (let A = 0; A < K; A++) {
      out[o]! *= Math.SQRT1_2;
      o += K - A;
    }
  }
}

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
        const oa = off + a * F;
        const ob = off + b * F;
        // four independent partial sums (shorter dependency chains)
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let p = 0;
        for (; p + 3 < F; p += 4) {
          s0 += P[oa + p]! * P[ob + p]!;
          s1 += P[oa + p + 1]! * P[ob + p + 1]!;
          s2 += P[oa + p + 2]! * P[ob + p + 2]!;
          s3 += P[oa + p + 3]! * P[ob + p + 3]!;
        }
        for (; p < F; p++) s0 += P[oa + p]! * P[ob + p]!;
        const s = s0 + s1 + s2 + s3;
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
