/**
 * Choice of the M representative (inducing) environments for sparse GPR: seeded farthest-point sampling
 * (FPS) on feature vectors, or CUR leverage scores of the feature matrix (Mahoney & Drineas 2009, PNAS 106,
 * 697; deterministic top-M variant) with the leading singular subspace from a seeded randomised range finder
 * (Halko, Martinsson & Tropp 2011, Alg. 4.4).
 */
import { EngineError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import { gemmKernel } from "../math/gemm.js";

function checkM(n: number, m: number): void {
  if (!Number.isInteger(m) || m < 1 || m > n) {
    throw new EngineError("InvalidParameter", `number of sparse points must be in 1..${n}, got ${m}`, {
      field: "sparse",
    });
  }
}

/**
 * Farthest-point sampling on the rows of x (n × d): start at a seeded random row, then repeatedly add the
 * row farthest (Euclidean) from the chosen set. Returns the row indices in selection order.
 */
export function farthestPointSampling(
  x: Float64Array,
  n: number,
  d: number,
  m: number,
  seed: number,
): Int32Array {
  checkM(n, m);
  const out = new Int32Array(m);
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let p = 0; p < d; p++) s += x[i * d + p]! * x[i * d + p]!;
    sq[i] = s;
  }
  const minD = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  let cur = new Rng(seed).int(n);
  for (let k = 0; k < m; k++) {
    out[k] = cur;
    const oc = cur * d;
    let best = -1;
    let bestD = -1;
    for (let i = 0; i < n; i++) {
      let dot = 0;
      const oi = i * d;
      for (let p = 0; p < d; p++) dot += x[oi + p]! * x[oc + p]!;
      const dist = sq[i]! + sq[cur]! - 2 * dot;
      if (dist < minD[i]!) minD[i] = dist;
      if (minD[i]! > bestD) {
        bestD = minD[i]!;
        best = i;
      }
    }
    cur = best;
  }
  return out;
}

/** Modified Gram–Schmidt on the k columns of q (n × k, row-major), in place. */
function orthonormalizeColumns(q: Float64Array, n: number, k: number): void {
  for (let j = 0; j < k; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let r = 0; r < n; r++) dot += q[r * k + i]! * q[r * k + j]!;
        for (let r = 0; r < n; r++) q[r * k + j] -= dot * q[r * k + i]!;
      }
    }
    let nrm = 0;
    for (let r = 0; r < n; r++) nrm += q[r * k + j]! * q[r * k + j]!;
    nrm = Math.sqrt(nrm);
    for (let r = 0; r < n; r++) q[r * k + j] = nrm > 1e-300 ? q[r * k + j]! / nrm : 0;
  }
}

/**
 * CUR selection of rows: leverage scores π_i = ‖Q_i‖² of the leading k = min(m, d) left singular subspace of
 * x (n × d), computed by a seeded randomised range finder with 2 power iterations; returns the m rows of
 * highest leverage (ties by index).
 */
export function curSelection(x: Float64Array, n: number, d: number, m: number, seed: number): Int32Array {
  checkM(n, m);
  const k = Math.min(m, d, n);
  const rng = new Rng(seed);
  const omega = new Float64Array(d * k).map(() => rng.normal());
  const q = new Float64Array(n * k);
  gemmKernel(false, false, n, k, d, 1, x, 0, d, omega, 0, k, 0, q, 0, k);
  orthonormalizeColumns(q, n, k);
  const z = new Float64Array(d * k);
  for (let it = 0; it < 2; it++) {
    gemmKernel(true, false, d, k, n, 1, x, 0, d, q, 0, k, 0, z, 0, k); // Xᵀ Q
    orthonormalizeColumns(z, d, k);
    gemmKernel(false, false, n, k, d, 1, x, 0, d, z, 0, k, 0, q, 0, k); // X Z
    orthonormalizeColumns(q, n, k);
  }
  const score = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += q[i * k + j]! * q[i * k + j]!;
    score[i] = s;
  }
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b]! - score[a]! || a - b);
  return Int32Array.from(idx.slice(0, m));
}
