import { Rng } from "../core/rng.js";
import { solveInPlace } from "./linalg.js";
import { realSphericalHarmonics, SH_LMAX, shOffset } from "./sh.js";

/**
 * Real-basis Wigner D matrix of rank l for the rotation R (row-major 3×3) in the basis of `realSphericalHarmonics`:
 * Y_l(R u) = D Y_l(u). Found by least squares on 3(2l+1) fixed points (exact up to round-off, since Y_l(R u) lies
 * in the span of Y_l). Row-major (2l+1)².
 */
export function wignerDReal(l: number, r: ArrayLike<number>): Float64Array {
  const d = 2 * l + 1;
  const npts = 3 * d;
  const rng = new Rng(12345 + l);
  const yu = new Float64Array(npts * d);
  const yr = new Float64Array(npts * d);
  const buf = new Float64Array((SH_LMAX + 1) ** 2);
  for (let k = 0; k < npts; k++) {
    let x = rng.normal();
    let y = rng.normal();
    let z = rng.normal();
    const nn = Math.hypot(x, y, z);
    x /= nn;
    y /= nn;
    z /= nn;
    realSphericalHarmonics(l, x, y, z, buf, 0);
    for (let m = 0; m < d; m++) yu[k * d + m] = buf[shOffset(l) + m]!;
    const rx = r[0]! * x + r[1]! * y + r[2]! * z;
    const ry = r[3]! * x + r[4]! * y + r[5]! * z;
    const rz = r[6]! * x + r[7]! * y + r[8]! * z;
    realSphericalHarmonics(l, rx, ry, rz, buf, 0);
    for (let m = 0; m < d; m++) yr[k * d + m] = buf[shOffset(l) + m]!;
  }
  // Normal equations: (Yuᵀ Yu) Dᵀ = Yuᵀ Yr, solved column by column.
  const out = new Float64Array(d * d);
  for (let row = 0; row < d; row++) {
    const a = new Float64Array(d * d);
    const b = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < npts; k++) s += yu[k * d + i]! * yu[k * d + j]!;
        a[i * d + j] = s;
      }
      let s = 0;
      for (let k = 0; k < npts; k++) s += yu[k * d + i]! * yr[k * d + row]!;
      b[i] = s;
    }
    solveInPlace(a, b, d);
    for (let j = 0; j < d; j++) out[row * d + j] = b[j]!;
  }
  return out;
}

const cache = new Map<string, Float64Array>();

/**
 * Real Clebsch–Gordan coefficients C[m1, m2, m3] (row-major d1×d2×d3) coupling Y_l1 ⊗ Y_l2 → l3 in the real basis
 * of `realSphericalHarmonics`, normalised so that Σ_{m1,m2} C[m1,m2,m3] C[m1,m2,m3'] = δ_{m3 m3'}.
 * Computed as the (one-dimensional) null space of Σ_k (2I − K_k − K_kᵀ), K_k = D_l1 ⊗ D_l2 ⊗ D_l3 of three fixed
 * random rotations, by inverse iteration; the overall sign is fixed so that the largest entry is positive.
 * Throws a RangeError when the triangle rule fails or l > SH_LMAX.
 */
export function realCG(l1: number, l2: number, l3: number): Float64Array {
  const key = `${l1},${l2},${l3}`;
  const hit = cache.get(key);
  if (hit) return hit;
  if (l3 < Math.abs(l1 - l2) || l3 > l1 + l2) throw new RangeError(`no CG for (${l1},${l2},${l3})`);
  if (Math.max(l1, l2, l3) > SH_LMAX) throw new RangeError(`CG: l > ${SH_LMAX}`);
  const d1 = 2 * l1 + 1;
  const d2 = 2 * l2 + 1;
  const d3 = 2 * l3 + 1;
  const n = d1 * d2 * d3;
  const m = new Float64Array(n * n);
  const rng = new Rng(987654321);
  for (let k = 0; k < 3; k++) {
    const rot = rng.rotation();
    const a = wignerDReal(l1, rot);
    const b = wignerDReal(l2, rot);
    const c = wignerDReal(l3, rot);
    for (let i1 = 0; i1 < d1; i1++)
      for (let i2 = 0; i2 < d2; i2++)
        for (let i3 = 0; i3 < d3; i3++) {
          const row = (i1 * d2 + i2) * d3 + i3;
          for (let j1 = 0; j1 < d1; j1++) {
            const ab = a[i1 * d1 + j1]!;
            for (let j2 = 0; j2 < d2; j2++) {
              const abb = ab * b[i2 * d2 + j2]!;
              for (let j3 = 0; j3 < d3; j3++) {
                const col = (j1 * d2 + j2) * d3 + j3;
                const v = abb * c[i3 * d3 + j3]!;
                m[row * n + col]! -= v;
                m[col * n + row]! -= v;
              }
            }
          }
          m[row * n + row]! += 2;
        }
  }
  let x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal();
  for (let it = 0; it < 3; it++) {
    const a = Float64Array.from(m);
    for (let i = 0; i < n; i++) a[i * n + i]! += 1e-10;
    solveInPlace(a, x, n);
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i]! * x[i]!;
    s = Math.sqrt(s);
    x = x.map((v) => v / s);
  }
  // Normalise: Σ C² = d3 (columns orthonormal); clean round-off; fix sign.
  let big = 0;
  for (let i = 0; i < n; i++) if (Math.abs(x[i]!) > Math.abs(big)) big = x[i]!;
  const f = Math.sign(big) * Math.sqrt(d3);
  for (let i = 0; i < n; i++) {
    const v = x[i]! * f;
    x[i] = Math.abs(v) < 1e-13 ? 0 : v;
  }
  cache.set(key, x);
  return x;
}
