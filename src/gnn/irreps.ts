/**
 * The GNN's conventions for real spherical harmonics and Clebsch–Gordan coefficients, as explicit transforms of
 * the one implementation in src/math (ylm.ts, clebsch.ts):
 * - Y_lm in e3nn's "component" normalisation, Σ_m Y_lm(u)² = 2l + 1 for a unit u: √(4π) × the orthonormal
 *   RealYlm (same order m = −l..l, no Condon–Shortley phase; l=1 → (y, z, x), Y_2 ∝ the T2 components of u uᵀ).
 * - CG as a dense C[m1, m2, m3] (row-major d1×d2×d3) with Σ_{m1,m2} C[m1,m2,m3] C[m1,m2,m3'] = δ_{m3 m3'}: the
 *   realCgTable(l1, l2, l3) entries (μ = m3), times a per-path sign GNN_CG_SIGN. The sign is the GNN's historical
 *   one (its original construction fixed each null-space vector by its largest entry, among equal-magnitude
 *   entries by round-off); keeping it keeps the initial weights' meaning, hence trained models, checkpoints and
 *   the benchmark numbers unchanged.
 * Ranks up to SH_LMAX = 4 (the sign table and the network's coupling strides are sized for it).
 */
import { realCgTable } from "../math/clebsch.js";
import { RealYlm } from "../math/ylm.js";

export const SH_LMAX = 4;

const SQRT_4PI = Math.sqrt(4 * Math.PI);
const ylms: RealYlm[] = [];

/**
 * Writes the component-normalised Y_lm(u) for l = 0..lmax into out[off .. off + (lmax+1)²) for the unit vector
 * (x, y, z) (the caller normalises). lmax ≤ SH_LMAX.
 */
export function realSphericalHarmonics(
  lmax: number,
  x: number,
  y: number,
  z: number,
  out: Float64Array,
  off: number,
): void {
  if (lmax > SH_LMAX) throw new RangeError(`spherical harmonics: lmax ${lmax} > ${SH_LMAX}`);
  const ylm = (ylms[lmax] ??= new RealYlm(lmax));
  ylm.compute(x, y, z, out, off);
  for (let i = off; i < off + ylm.size; i++) out[i]! *= SQRT_4PI;
}

/** Paths (l1, l2, l3) whose GNN coupling is −realCgTable (see the top of this file). */
const FLIPPED = new Set([
  "1,1,1",
  "1,4,4",
  "2,2,2",
  "2,3,3",
  "2,3,4",
  "2,4,3",
  "2,4,4",
  "3,1,3",
  "3,2,2",
  "3,2,3",
  "3,3,1",
  "3,3,2",
  "3,3,3",
  "3,3,4",
  "3,4,3",
  "3,4,4",
  "4,2,4",
  "4,3,3",
  "4,4,2",
  "4,4,4",
]);

/** The GNN's sign of the (l1, l2, l3) coupling relative to realCgTable: ±1. */
export function gnnCgSign(l1: number, l2: number, l3: number): 1 | -1 {
  return FLIPPED.has(`${l1},${l2},${l3}`) ? -1 : 1;
}

const cache = new Map<string, Float64Array>();

/**
 * Dense real CG coefficients C[m1, m2, m3] coupling Y_l1 ⊗ Y_l2 → l3 in the GNN's convention (top of this file).
 * Throws a RangeError when the triangle rule fails or l > SH_LMAX.
 */
export function realCG(l1: number, l2: number, l3: number): Float64Array {
  const key = `${l1},${l2},${l3}`;
  const hit = cache.get(key);
  if (hit) return hit;
  if (l3 < Math.abs(l1 - l2) || l3 > l1 + l2) throw new RangeError(`no CG for (${l1},${l2},${l3})`);
  if (Math.max(l1, l2, l3) > SH_LMAX) throw new RangeError(`CG: l > ${SH_LMAX}`);
  const t = realCgTable(l1, l2, l3);
  const d2 = 2 * l2 + 1;
  const d3 = 2 * l3 + 1;
  const sign = gnnCgSign(l1, l2, l3);
  const c = new Float64Array((2 * l1 + 1) * d2 * d3);
  for (let e = 0; e < t.nnz; e++) c[(t.m1[e]! * d2 + t.m2[e]!) * d3 + t.mu[e]!] = sign * t.value[e]!;
  cache.set(key, c);
  return c;
}
