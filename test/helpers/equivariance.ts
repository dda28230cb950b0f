/**
 * Equivariance harness shared by the λ-SOAP and GNN property tests (as e3nn ships its own): random rotations,
 * the real Wigner D of src/math/wigner.ts, an independent R T Rᵀ, rotated structures, and the largest deviation
 * of a [samples, 2l+1, properties] block from D times another.
 */
import type { Rng } from "../../src/core/rng.js";
import { Structure } from "../../src/core/structure.js";
import { wignerDReal } from "../../src/math/wigner.js";

/** A uniformly random rotation (row-major 3×3). */
export function randomRotation(rng: Rng): Float64Array {
  return rng.rotation();
}

/** A uniformly random unit vector. */
export function randomUnit(rng: Rng): [number, number, number] {
  const x = rng.normal();
  const y = rng.normal();
  const z = rng.normal();
  const n = Math.hypot(x, y, z);
  return [x / n, y / n, z / n];
}

/** Real Wigner D_l(R) ((2l+1)², row-major) in the basis of the real harmonics (order m = −l..l). */
export function wignerD(l: number, R: ArrayLike<number>): Float64Array {
  return wignerDReal(l, R);
}

/** D v for the n-vector v[off .. off + n) (D n×n row-major). */
export function applyMatrix(
  D: ArrayLike<number>,
  v: ArrayLike<number>,
  off: number,
  n: number,
): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i]! += D[i * n + j]! * v[off + j]!;
  return out;
}

/** R T Rᵀ for row-major 3×3 R and the tensor T = t[off .. off + 9) (written out, independent of src/nmr). */
export function rotateTensor(R: ArrayLike<number>, t: ArrayLike<number>, off = 0): Float64Array {
  const out = new Float64Array(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let a = 0; a < 3; a++)
        for (let b = 0; b < 3; b++) s += R[3 * i + a]! * t[off + 3 * a + b]! * R[3 * j + b]!;
      out[3 * i + j] = s;
    }
  return out;
}

/** s · R v for packed 3-vectors v (s = −1: rotation followed by inversion). */
export function rotateVectors(R: ArrayLike<number>, v: ArrayLike<number>, s: 1 | -1 = 1): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i += 3)
    for (let a = 0; a < 3; a++)
      out[i + a] = s * (R[3 * a]! * v[i]! + R[3 * a + 1]! * v[i + 1]! + R[3 * a + 2]! * v[i + 2]!);
  return out;
}

/** The structure with positions and cell rotated by R (and inverted when s = −1). */
export function rotateStructure(st: Structure, R: ArrayLike<number>, s: 1 | -1 = 1): Structure {
  return new Structure({
    numbers: st.numbers,
    positions: rotateVectors(R, st.positions, s),
    cell: st.cell ? rotateVectors(R, st.cell, s) : null,
  });
}

/**
 * For blocks A, B laid out [samples, d, F] (row-major): the largest |Σ_ν D[μ,ν] A[s,ν,p] − B[s,μ,p]| (`error`)
 * and the largest |Σ_ν D[μ,ν] A[s,ν,p]| (`scale`, to show the block is not trivially zero).
 */
export function blockEquivarianceError(
  D: ArrayLike<number>,
  A: ArrayLike<number>,
  B: ArrayLike<number>,
  nSamples: number,
  d: number,
  F: number,
): { error: number; scale: number } {
  let error = 0;
  let scale = 0;
  for (let smp = 0; smp < nSamples; smp++)
    for (let mu = 0; mu < d; mu++)
      for (let p = 0; p < F; p++) {
        let v = 0;
        for (let nu = 0; nu < d; nu++) v += D[mu * d + nu]! * A[(smp * d + nu) * F + p]!;
        error = Math.max(error, Math.abs(v - B[(smp * d + mu) * F + p]!));
        scale = Math.max(scale, Math.abs(v));
      }
  return { error, scale };
}
