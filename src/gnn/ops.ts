import { gemm } from "../math/gemm.js";
import { convBwdKernel, convFwdKernel } from "./_kernels.js";
import { SH_LMAX } from "./irreps.js";

/**
 * Forward and hand-written backward kernels of the GNN. Feature arrays are per irrep, laid out
 * [atom, channel, m] (row-major n × c × d). Every backward *accumulates* into its gradient outputs.
 * Weight scales 1/√fan_in are applied inside the ops (weights are initialised N(0,1)).
 */

/** out[i,o,m] = α Σ_c W[o,c] x[i,c,m]  (overwrites out). */
export function linearForward(
  x: Float64Array,
  n: number,
  cin: number,
  d: number,
  w: Float64Array,
  cout: number,
  alpha: number,
  out: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    const xi = i * cin * d;
    const oi = i * cout * d;
    for (let o = 0; o < cout; o++) {
      const wo = o * cin;
      for (let m = 0; m < d; m++) {
        let s = 0;
        for (let c = 0; c < cin; c++) s += w[wo + c]! * x[xi + c * d + m]!;
        out[oi + o * d + m] = alpha * s;
      }
    }
  }
}

export function linearBackward(
  x: Float64Array,
  n: number,
  cin: number,
  d: number,
  w: Float64Array,
  cout: number,
  alpha: number,
  gout: Float64Array,
  gx: Float64Array | null,
  gw: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    const xi = i * cin * d;
    const oi = i * cout * d;
    for (let o = 0; o < cout; o++) {
      const wo = o * cin;
      for (let m = 0; m < d; m++) {
        const g = alpha * gout[oi + o * d + m]!;
        if (g === 0) continue;
        for (let c = 0; c < cin; c++) {
          gw[wo + c]! += g * x[xi + c * d + m]!;
          if (gx) gx[xi + c * d + m]! += g * w[wo + c]!;
        }
      }
    }
  }
}

/** Species-dependent linear: W is nspecies × cout × cin, type[i] picks the block. Accumulates into out. */
export function speciesLinearForward(
  x: Float64Array,
  types: Int32Array,
  n: number,
  cin: number,
  d: number,
  w: Float64Array,
  cout: number,
  alpha: number,
  out: Float64Array,
): void {
  const blk = cout * cin;
  for (let i = 0; i < n; i++) {
    const xi = i * cin * d;
    const oi = i * cout * d;
    const wb = types[i]! * blk;
    for (let o = 0; o < cout; o++) {
      const wo = wb + o * cin;
      for (let m = 0; m < d; m++) {
        let s = 0;
        for (let c = 0; c < cin; c++) s += w[wo + c]! * x[xi + c * d + m]!;
        out[oi + o * d + m]! += alpha * s;
      }
    }
  }
}

export function speciesLinearBackward(
  x: Float64Array,
  types: Int32Array,
  n: number,
  cin: number,
  d: number,
  w: Float64Array,
  cout: number,
  alpha: number,
  gout: Float64Array,
  gx: Float64Array | null,
  gw: Float64Array,
): void {
  const blk = cout * cin;
  for (let i = 0; i < n; i++) {
    const xi = i * cin * d;
    const oi = i * cout * d;
    const wb = types[i]! * blk;
    for (let o = 0; o < cout; o++) {
      const wo = wb + o * cin;
      for (let m = 0; m < d; m++) {
        const g = alpha * gout[oi + o * d + m]!;
        if (g === 0) continue;
        for (let c = 0; c < cin; c++) {
          gw[wo + c]! += g * x[xi + c * d + m]!;
          if (gx) gx[xi + c * d + m]! += g * w[wo + c]!;
        }
      }
    }
  }
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * Two-layer radial MLP without biases (so R = 0 where the basis vanishes, at the cutoff):
 * a = B W1/√nb, h = silu(a), R = h W2/√H. B: E × nb, W1: nb × H, W2: H × nout. Writes a and R (blocked GEMMs).
 */
export function radialForward(
  b: Float64Array,
  e: number,
  nb: number,
  w1: Float64Array,
  hid: number,
  w2: Float64Array,
  nout: number,
  a: Float64Array,
  r: Float64Array,
): void {
  gemm(e, hid, nb, b, w1, a, { alpha: 1 / Math.sqrt(nb) });
  const h = new Float64Array(e * hid);
  for (let k = 0; k < e * hid; k++) {
    const v = a[k]!;
    h[k] = v * sigmoid(v);
  }
  gemm(e, nout, hid, h, w2, r, { alpha: 1 / Math.sqrt(hid) });
}

/** Backward of radialForward w.r.t. W1 and W2 (the basis is a constant of the structure). */
export function radialBackward(
  b: Float64Array,
  e: number,
  nb: number,
  _w1: Float64Array,
  hid: number,
  w2: Float64Array,
  nout: number,
  a: Float64Array,
  gr: Float64Array,
  gw1: Float64Array,
  gw2: Float64Array,
): void {
  const s2 = 1 / Math.sqrt(hid);
  const h = new Float64Array(e * hid);
  for (let k = 0; k < e * hid; k++) {
    const v = a[k]!;
    h[k] = v * sigmoid(v);
  }
  // gW2 += s2 hᵀ gR ; gh = s2 gR W2ᵀ
  gemm(hid, nout, e, h, gr, gw2, { transA: true, alpha: s2, beta: 1 });
  const gh = new Float64Array(e * hid);
  gemm(e, hid, nout, gr, w2, gh, { transB: true, alpha: s2 });
  for (let k = 0; k < e * hid; k++) {
    const v = a[k]!;
    const sg = sigmoid(v);
    gh[k]! *= sg * (1 + v * (1 - sg));
  }
  gemm(nb, hid, e, b, gh, gw1, { transA: true, alpha: 1 / Math.sqrt(nb), beta: 1 });
}

/** One convolution path: input irrep (l1) → output irrep (l3) through the edge harmonic Y_l2. */
export interface ConvPath {
  readonly inId: number;
  readonly l1: number;
  readonly l2: number;
  readonly outId: number;
  readonly l3: number;
  /** Channel-block index of this path inside its output irrep's message array. */
  readonly slot: number;
  readonly cg: Float64Array;
}

export interface EdgeGraph {
  readonly n: number;
  readonly offsets: Int32Array;
  readonly neighbors: Int32Array;
  /** E × (lmax+1)² packed real harmonics of the unit edge vectors. */
  readonly sh: Float64Array;
  readonly shStride: number;
}

interface TripleTable {
  /** triple index of each path */
  readonly of: Int32Array;
  readonly l1: Int32Array;
  readonly l2: Int32Array;
  readonly l3: Int32Array;
  /** nonzero CG entries per triple: (m1·d3 + m3, m2, value) */
  readonly nzOff: Int32Array;
  readonly nzG: Int32Array;
  readonly nzM2: Int32Array;
  readonly nzV: Float64Array;
}

const tripleCache = new WeakMap<readonly ConvPath[], TripleTable>();

/** Distinct (l1,l2,l3) of the paths (both parities share one) with their sparse CG entries. */
function tripleTable(paths: readonly ConvPath[]): TripleTable {
  const hit = tripleCache.get(paths);
  if (hit) return hit;
  const keys: string[] = [];
  const of = new Int32Array(paths.length);
  const reps: ConvPath[] = [];
  paths.forEach((p, k) => {
    const key = `${p.l1},${p.l2},${p.l3}`;
    let t = keys.indexOf(key);
    if (t < 0) {
      t = keys.length;
      keys.push(key);
      reps.push(p);
    }
    of[k] = t;
  });
  const nzOff = new Int32Array(reps.length + 1);
  const g: number[] = [];
  const m2s: number[] = [];
  const v: number[] = [];
  reps.forEach((p, t) => {
    nzOff[t] = g.length;
    const d2 = 2 * p.l2 + 1;
    const d3 = 2 * p.l3 + 1;
    for (let m1 = 0; m1 < 2 * p.l1 + 1; m1++)
      for (let m2 = 0; m2 < d2; m2++)
        for (let m3 = 0; m3 < d3; m3++) {
          const c = p.cg[(m1 * d2 + m2) * d3 + m3]!;
          if (c !== 0) {
            g.push(m1 * d3 + m3);
            m2s.push(m2);
            v.push(c);
          }
        }
  });
  nzOff[reps.length] = g.length;
  const table: TripleTable = {
    of,
    l1: Int32Array.from(reps, (p) => p.l1),
    l2: Int32Array.from(reps, (p) => p.l2),
    l3: Int32Array.from(reps, (p) => p.l3),
    nzOff,
    nzG: Int32Array.from(g),
    nzM2: Int32Array.from(m2s),
    nzV: Float64Array.from(v),
  };
  tripleCache.set(paths, table);
  return table;
}

/** Room for one coupling matrix G[m1,m3] of the largest ranks: (2·SH_LMAX+1)². */
const GM_STRIDE = (2 * SH_LMAX + 1) ** 2;

/** G_t[m1,m3] = Σ_m2 CG_t[m1,m2,m3] Y_l2,m2 of edge e for every triple t, into gm (stride GM_STRIDE per triple). */
function edgeCouplings(t: TripleTable, sh: Float64Array, yo: number, gm: Float64Array): void {
  const nt = t.l1.length;
  for (let q = 0; q < nt; q++) {
    const base = q * GM_STRIDE;
    const n13 = (2 * t.l1[q]! + 1) * (2 * t.l3[q]! + 1);
    for (let k = 0; k < n13; k++) gm[base + k] = 0;
    const y0 = yo + t.l2[q]! * t.l2[q]!;
    for (let z = t.nzOff[q]!; z < t.nzOff[q + 1]!; z++)
      gm[base + t.nzG[z]!]! += t.nzV[z]! * sh[y0 + t.nzM2[z]!]!;
  }
}

/**
 * uvu tensor-product convolution: for path p,
 * msg[i, slot·C + c, m3] += α Σ_{j∈N(i)} R[e, p·C + c] Σ_{m1,m2} CG[m1,m2,m3] x[j,c,m1] Y_l2,m2(û_ij).
 * x[id] is n × C × d1; msg[id] is n × (npaths(id)·C) × d3 and must be zeroed by the caller.
 * Per edge, the coupling matrices G[m1,m3] = Σ_m2 CG Y are built once per distinct (l1,l2,l3) from the sparse CG.
 */
export function convForward(
  g: EdgeGraph,
  paths: readonly ConvPath[],
  c: number,
  x: readonly (Float64Array | null)[],
  r: Float64Array,
  msgC: readonly number[],
  alpha: number,
  msg: readonly (Float64Array | null)[],
): void {
  const np = paths.length;
  const tt = tripleTable(paths);
  const gm = new Float64Array(GM_STRIDE * tt.l1.length);
  const kf = paths.map((p) => convFwdKernel(2 * p.l1 + 1, 2 * p.l3 + 1));
  for (let i = 0; i < g.n; i++) {
    for (let e = g.offsets[i]!; e < g.offsets[i + 1]!; e++) {
      const j = g.neighbors[e]!;
      edgeCouplings(tt, g.sh, e * g.shStride, gm);
      for (let p = 0; p < np; p++) {
        const path = paths[p]!;
        const d1 = 2 * path.l1 + 1;
        const d3 = 2 * path.l3 + 1;
        const gb = tt.of[p]! * GM_STRIDE;
        const xin = x[path.inId]!;
        const out = msg[path.outId]!;
        const cOut = msgC[path.outId]!;
        kf[p]!(
          xin,
          j * c * d1,
          gm,
          gb,
          out,
          (i * cOut + path.slot * c) * d3,
          r,
          e * np * c + p * c,
          alpha,
          c,
        );
      }
    }
  }
}

export function convBackward(
  g: EdgeGraph,
  paths: readonly ConvPath[],
  c: number,
  x: readonly (Float64Array | null)[],
  r: Float64Array,
  msgC: readonly number[],
  alpha: number,
  gmsg: readonly (Float64Array | null)[],
  gx: readonly (Float64Array | null)[],
  gr: Float64Array,
): void {
  const np = paths.length;
  const tt = tripleTable(paths);
  const gm = new Float64Array(GM_STRIDE * tt.l1.length);
  const kb = paths.map((p) => convBwdKernel(2 * p.l1 + 1, 2 * p.l3 + 1));
  for (let i = 0; i < g.n; i++) {
    for (let e = g.offsets[i]!; e < g.offsets[i + 1]!; e++) {
      const j = g.neighbors[e]!;
      edgeCouplings(tt, g.sh, e * g.shStride, gm);
      for (let p = 0; p < np; p++) {
        const path = paths[p]!;
        const d1 = 2 * path.l1 + 1;
        const d3 = 2 * path.l3 + 1;
        const gb = tt.of[p]! * GM_STRIDE;
        const xin = x[path.inId]!;
        const gxin = gx[path.inId];
        const gout = gmsg[path.outId]!;
        const cOut = msgC[path.outId]!;
        kb[p]!(
          xin,
          j * c * d1,
          gm,
          gb,
          gout,
          (i * cOut + path.slot * c) * d3,
          r,
          e * np * c + p * c,
          alpha,
          c,
          gxin ?? null,
          gr,
        );
      }
    }
  }
}

/**
 * Gated nonlinearity (NequIP): the 0e block z0 (n × (C + G·C)) gives silu(z0[:, :C]) as scalars and
 * sigmoid(z0[:, C + k·C + c]) as the gate of channel c of the k-th gated irrep; the 0o block goes through tanh
 * (odd, keeps parity). gated[k] is an n × C × d array (z in, out separate).
 */
export function gateForward(
  n: number,
  c: number,
  z0e: Float64Array,
  out0e: Float64Array,
  z0o: Float64Array | null,
  out0o: Float64Array | null,
  gatedIn: readonly Float64Array[],
  gatedOut: readonly Float64Array[],
  dims: readonly number[],
): void {
  const G = gatedIn.length;
  const w = c + G * c;
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const s = z0e[i * w + ch]!;
      out0e[i * c + ch] = s * sigmoid(s);
    }
    for (let k = 0; k < G; k++) {
      const d = dims[k]!;
      const zi = gatedIn[k]!;
      const zo = gatedOut[k]!;
      for (let ch = 0; ch < c; ch++) {
        const gt = sigmoid(z0e[i * w + c + k * c + ch]!);
        const o = (i * c + ch) * d;
        for (let m = 0; m < d; m++) zo[o + m] = gt * zi[o + m]!;
      }
    }
  }
  if (z0o && out0o) for (let q = 0; q < n * c; q++) out0o[q] = Math.tanh(z0o[q]!);
}

export function gateBackward(
  n: number,
  c: number,
  z0e: Float64Array,
  g0e: Float64Array,
  gz0e: Float64Array,
  z0o: Float64Array | null,
  g0o: Float64Array | null,
  gz0o: Float64Array | null,
  gatedIn: readonly Float64Array[],
  gGatedOut: readonly Float64Array[],
  gGatedIn: readonly Float64Array[],
  dims: readonly number[],
): void {
  const G = gatedIn.length;
  const w = c + G * c;
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const s = z0e[i * w + ch]!;
      const sg = sigmoid(s);
      gz0e[i * w + ch]! += g0e[i * c + ch]! * sg * (1 + s * (1 - sg));
    }
    for (let k = 0; k < G; k++) {
      const d = dims[k]!;
      const zi = gatedIn[k]!;
      const go = gGatedOut[k]!;
      const gi = gGatedIn[k]!;
      for (let ch = 0; ch < c; ch++) {
        const q = i * w + c + k * c + ch;
        const gt = sigmoid(z0e[q]!);
        const o = (i * c + ch) * d;
        let dg = 0;
        for (let m = 0; m < d; m++) {
          dg += go[o + m]! * zi[o + m]!;
          gi[o + m]! += gt * go[o + m]!;
        }
        gz0e[q]! += dg * gt * (1 - gt);
      }
    }
  }
  if (z0o && g0o && gz0o)
    for (let q = 0; q < n * c; q++) {
      const t = Math.tanh(z0o[q]!);
      gz0o[q]! += g0o[q]! * (1 - t * t);
    }
}

/**
 * Tensor-product output: out[i, m3] += (1/N) Σ_{k1,k2} w[type_i, k1, k2] Σ_{m1,m2} CG[m1,m2,m3] a[i,k1,m1] b[i,k2,m2].
 * a, b: n × N × d (rank l each); w: nspecies × N × N; out row stride `ostride`, offset `ooff`.
 */
export function tpForward(
  n: number,
  nn: number,
  l: number,
  lam: number,
  cg: Float64Array,
  a: Float64Array,
  b: Float64Array,
  types: Int32Array,
  w: Float64Array,
  out: Float64Array,
  ostride: number,
  ooff: number,
): void {
  const d = 2 * l + 1;
  const d3 = 2 * lam + 1;
  const bw = new Float64Array(nn * d);
  const inv = 1 / nn;
  for (let i = 0; i < n; i++) {
    const wb = types[i]! * nn * nn;
    bw.fill(0);
    for (let k1 = 0; k1 < nn; k1++)
      for (let k2 = 0; k2 < nn; k2++) {
        const wv = inv * w[wb + k1 * nn + k2]!;
        for (let m = 0; m < d; m++) bw[k1 * d + m]! += wv * b[(i * nn + k2) * d + m]!;
      }
    for (let k1 = 0; k1 < nn; k1++)
      for (let m1 = 0; m1 < d; m1++) {
        const av = a[(i * nn + k1) * d + m1]!;
        for (let m2 = 0; m2 < d; m2++) {
          const ab = av * bw[k1 * d + m2]!;
          const co = (m1 * d + m2) * d3;
          for (let m3 = 0; m3 < d3; m3++) out[i * ostride + ooff + m3]! += cg[co + m3]! * ab;
        }
      }
  }
}

export function tpBackward(
  n: number,
  nn: number,
  l: number,
  lam: number,
  cg: Float64Array,
  a: Float64Array,
  b: Float64Array,
  types: Int32Array,
  w: Float64Array,
  gout: Float64Array,
  ostride: number,
  ooff: number,
  ga: Float64Array,
  gb: Float64Array,
  gw: Float64Array,
): void {
  const d = 2 * l + 1;
  const d3 = 2 * lam + 1;
  const bw = new Float64Array(nn * d);
  const gbw = new Float64Array(nn * d);
  const inv = 1 / nn;
  for (let i = 0; i < n; i++) {
    const wb = types[i]! * nn * nn;
    bw.fill(0);
    gbw.fill(0);
    for (let k1 = 0; k1 < nn; k1++)
      for (let k2 = 0; k2 < nn; k2++) {
        const wv = inv * w[wb + k1 * nn + k2]!;
        for (let m = 0; m < d; m++) bw[k1 * d + m]! += wv * b[(i * nn + k2) * d + m]!;
      }
    for (let k1 = 0; k1 < nn; k1++)
      for (let m1 = 0; m1 < d; m1++) {
        const av = a[(i * nn + k1) * d + m1]!;
        let gav = 0;
        for (let m2 = 0; m2 < d; m2++) {
          const co = (m1 * d + m2) * d3;
          let s = 0;
          for (let m3 = 0; m3 < d3; m3++) s += cg[co + m3]! * gout[i * ostride + ooff + m3]!;
          gav += s * bw[k1 * d + m2]!;
          gbw[k1 * d + m2]! += s * av;
        }
        ga[(i * nn + k1) * d + m1]! += gav;
      }
    for (let k1 = 0; k1 < nn; k1++)
      for (let k2 = 0; k2 < nn; k2++) {
        const wv = inv * w[wb + k1 * nn + k2]!;
        let s = 0;
        for (let m = 0; m < d; m++) {
          const bv = b[(i * nn + k2) * d + m]!;
          s += gbw[k1 * d + m]! * bv;
          gb[(i * nn + k2) * d + m]! += wv * gbw[k1 * d + m]!;
        }
        gw[wb + k1 * nn + k2]! += inv * s;
      }
  }
}
