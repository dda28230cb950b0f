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
 * a = B W1/√nb, h = silu(a), R = h W2/√H. B: E × nb, W1: nb × H, W2: H × nout. Writes a and R.
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
  const s1 = 1 / Math.sqrt(nb);
  const s2 = 1 / Math.sqrt(hid);
  const h = new Float64Array(hid);
  for (let k = 0; k < e; k++) {
    for (let j = 0; j < hid; j++) {
      let s = 0;
      for (let q = 0; q < nb; q++) s += b[k * nb + q]! * w1[q * hid + j]!;
      s *= s1;
      a[k * hid + j] = s;
      h[j] = s * sigmoid(s);
    }
    const ro = k * nout;
    for (let o = 0; o < nout; o++) r[ro + o] = 0;
    for (let j = 0; j < hid; j++) {
      const hj = h[j]! * s2;
      if (hj === 0) continue;
      const wj = j * nout;
      for (let o = 0; o < nout; o++) r[ro + o]! += hj * w2[wj + o]!;
    }
  }
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
  const s1 = 1 / Math.sqrt(nb);
  const s2 = 1 / Math.sqrt(hid);
  const gh = new Float64Array(hid);
  for (let k = 0; k < e; k++) {
    const ro = k * nout;
    for (let j = 0; j < hid; j++) {
      const aj = a[k * hid + j]!;
      const sg = sigmoid(aj);
      const hj = aj * sg * s2;
      const wj = j * nout;
      let g = 0;
      for (let o = 0; o < nout; o++) {
        const go = gr[ro + o]!;
        gw2[wj + o]! += hj * go;
        g += go * w2[wj + o]!;
      }
      gh[j] = g * s2 * sg * (1 + aj * (1 - sg)) * s1;
    }
    for (let q = 0; q < nb; q++) {
      const bq = b[k * nb + q]!;
      if (bq === 0) continue;
      for (let j = 0; j < hid; j++) gw1[q * hid + j]! += bq * gh[j]!;
    }
  }
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

/**
 * uvu tensor-product convolution: for path p,
 * msg[i, slot·C + c, m3] += α Σ_{j∈N(i)} R[e, p·C + c] Σ_{m1,m2} CG[m1,m2,m3] x[j,c,m1] Y_l2,m2(û_ij).
 * x[id] is n × C × d1; msg[id] is n × (npaths(id)·C) × d3 and must be zeroed by the caller.
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
  const gm = new Float64Array(49);
  for (let i = 0; i < g.n; i++) {
    for (let e = g.offsets[i]!; e < g.offsets[i + 1]!; e++) {
      const j = g.neighbors[e]!;
      const yo = e * g.shStride;
      for (let p = 0; p < np; p++) {
        const path = paths[p]!;
        const d1 = 2 * path.l1 + 1;
        const d2 = 2 * path.l2 + 1;
        const d3 = 2 * path.l3 + 1;
        const cg = path.cg;
        const y0 = yo + path.l2 * path.l2;
        // G[m1,m3] = Σ_m2 CG[m1,m2,m3] Y[m2]
        for (let m1 = 0; m1 < d1; m1++)
          for (let m3 = 0; m3 < d3; m3++) {
            let s = 0;
            for (let m2 = 0; m2 < d2; m2++) s += cg[(m1 * d2 + m2) * d3 + m3]! * g.sh[y0 + m2]!;
            gm[m1 * d3 + m3] = s;
          }
        const xin = x[path.inId]!;
        const out = msg[path.outId]!;
        const cOut = msgC[path.outId]!;
        const ro = e * np * c + p * c;
        for (let ch = 0; ch < c; ch++) {
          const w = alpha * r[ro + ch]!;
          const xo = (j * c + ch) * d1;
          const oo = (i * cOut + path.slot * c + ch) * d3;
          for (let m3 = 0; m3 < d3; m3++) {
            let s = 0;
            for (let m1 = 0; m1 < d1; m1++) s += xin[xo + m1]! * gm[m1 * d3 + m3]!;
            out[oo + m3]! += w * s;
          }
        }
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
  const gm = new Float64Array(49);
  for (let i = 0; i < g.n; i++) {
    for (let e = g.offsets[i]!; e < g.offsets[i + 1]!; e++) {
      const j = g.neighbors[e]!;
      const yo = e * g.shStride;
      for (let p = 0; p < np; p++) {
        const path = paths[p]!;
        const d1 = 2 * path.l1 + 1;
        const d2 = 2 * path.l2 + 1;
        const d3 = 2 * path.l3 + 1;
        const cg = path.cg;
        const y0 = yo + path.l2 * path.l2;
        for (let m1 = 0; m1 < d1; m1++)
          for (let m3 = 0; m3 < d3; m3++) {
            let s = 0;
            for (let m2 = 0; m2 < d2; m2++) s += cg[(m1 * d2 + m2) * d3 + m3]! * g.sh[y0 + m2]!;
            gm[m1 * d3 + m3] = s;
          }
        const xin = x[path.inId]!;
        const gxin = gx[path.inId];
        const gout = gmsg[path.outId]!;
        const cOut = msgC[path.outId]!;
        const ro = e * np * c + p * c;
        for (let ch = 0; ch < c; ch++) {
          const w = alpha * r[ro + ch]!;
          const xo = (j * c + ch) * d1;
          const oo = (i * cOut + path.slot * c + ch) * d3;
          let dr = 0;
          for (let m1 = 0; m1 < d1; m1++) {
            const xv = xin[xo + m1]!;
            let s = 0;
            for (let m3 = 0; m3 < d3; m3++) {
              const gv = gout[oo + m3]!;
              dr += xv * gm[m1 * d3 + m3]! * gv;
              s += gm[m1 * d3 + m3]! * gv;
            }
            if (gxin) gxin[xo + m1]! += w * s;
          }
          gr[ro + ch]! += alpha * dr;
        }
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
