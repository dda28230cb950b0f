/**
 * Cartesian rank-2 tensors (3x3, row-major, 9 numbers) <-> irreducible spherical components λ = 0, 1, 2.
 *
 * Conventions (DESIGN.md, fixed once; orthonormal, real harmonics ordered m = −l..l):
 *   T0 = tr T / √3
 *   a  = ((T_yz − T_zy), (T_zx − T_xz), (T_xy − T_yx)) / √2,   T1 = (a_y, a_z, a_x)
 *   T2 = (√2 S_xy, √2 S_yz, (2S_zz − S_xx − S_yy)/√6, √2 S_xz, (S_xx − S_yy)/√2),
 *        S = symmetric traceless part of T.
 * The 9 numbers [T0 | T1 | T2] are the coordinates of T in an orthonormal basis of R^{3x3} under the Frobenius
 * inner product, so ‖T‖_F² = T0² + ‖T1‖² + ‖T2‖² and the round trip is exact up to round-off.
 *
 * TENSOAP (data/tensoap-ref/cart2sph_matrix.json) uses the same T1 and T2 and L0 = −tr T/√3.
 *
 * All functions take caller-provided outputs with explicit offsets so they can run over packed batches.
 */

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT3 = 1 / Math.sqrt(3);
const INV_SQRT6 = 1 / Math.sqrt(6);

/** T0 = tr T / √3 of the tensor at t[off..off+9). */
export function cartesianToT0(t: ArrayLike<number>, off = 0): number {
  return (t[off]! + t[off + 4]! + t[off + 8]!) * INV_SQRT3;
}

/** T1 = (a_y, a_z, a_x) written to out[outOff..outOff+3). */
export function cartesianToT1(t: ArrayLike<number>, off: number, out: Float64Array, outOff = 0): void {
  const ax = (t[off + 5]! - t[off + 7]!) * INV_SQRT2; // (T_yz − T_zy)/√2
  const ay = (t[off + 6]! - t[off + 2]!) * INV_SQRT2; // (T_zx − T_xz)/√2
  const az = (t[off + 1]! - t[off + 3]!) * INV_SQRT2; // (T_xy − T_yx)/√2
  out[outOff] = ay;
  out[outOff + 1] = az;
  out[outOff + 2] = ax;
}

/** T2 (5 components, m = −2..2) of the symmetric traceless part, written to out[outOff..outOff+5). */
export function cartesianToT2(t: ArrayLike<number>, off: number, out: Float64Array, outOff = 0): void {
  const xx = t[off]!;
  const yy = t[off + 4]!;
  const zz = t[off + 8]!;
  // √2·S_ab = √2·(T_ab + T_ba)/2 = (T_ab + T_ba)/√2; the trace drops out of both diagonal combinations.
  out[outOff] = (t[off + 1]! + t[off + 3]!) * INV_SQRT2;
  out[outOff + 1] = (t[off + 5]! + t[off + 7]!) * INV_SQRT2;
  out[outOff + 2] = (2 * zz - xx - yy) * INV_SQRT6;
  out[outOff + 3] = (t[off + 2]! + t[off + 6]!) * INV_SQRT2;
  out[outOff + 4] = (xx - yy) * INV_SQRT2;
}

/** All 9 spherical components [T0, T1(3), T2(5)] written to out[outOff..outOff+9). */
export function cartesianToSpherical(t: ArrayLike<number>, off: number, out: Float64Array, outOff = 0): void {
  out[outOff] = cartesianToT0(t, off);
  cartesianToT1(t, off, out, outOff + 1);
  cartesianToT2(t, off, out, outOff + 4);
}

/**
 * Symmetric traceless Cartesian tensor (9 numbers, row-major) from T2; written to out[outOff..outOff+9)
 * (overwrites all 9 entries).
 */
export function t2ToCartesian(t2: ArrayLike<number>, off: number, out: Float64Array, outOff = 0): void {
  const sxy = t2[off]! * INV_SQRT2;
  const syz = t2[off + 1]! * INV_SQRT2;
  const s0 = t2[off + 2]!;
  const sxz = t2[off + 3]! * INV_SQRT2;
  const s2 = t2[off + 4]!;
  // Invert zz = 2 s0/√6, xx − yy = √2 s2 with xx + yy + zz = 0.
  const zz = 2 * s0 * INV_SQRT6;
  const xx = -0.5 * zz + s2 * INV_SQRT2;
  const yy = -0.5 * zz - s2 * INV_SQRT2;
  out[outOff] = xx;
  out[outOff + 1] = sxy;
  out[outOff + 2] = sxz;
  out[outOff + 3] = sxy;
  out[outOff + 4] = yy;
  out[outOff + 5] = syz;
  out[outOff + 6] = sxz;
  out[outOff + 7] = syz;
  out[outOff + 8] = zz;
}

/** Full Cartesian tensor from [T0, T1(3), T2(5)] at s[off..off+9); written to out[outOff..outOff+9). */
export function sphericalToCartesian(s: ArrayLike<number>, off: number, out: Float64Array, outOff = 0): void {
  t2ToCartesian(s, off + 4, out, outOff);
  const d = s[off]! * INV_SQRT3;
  const ay = s[off + 1]!;
  const az = s[off + 2]!;
  const ax = s[off + 3]!;
  // antisymmetric part A_yz = −A_zy = a_x/√2 etc.
  const hx = ax * INV_SQRT2;
  const hy = ay * INV_SQRT2;
  const hz = az * INV_SQRT2;
  out[outOff] = out[outOff]! + d;
  out[outOff + 4] = out[outOff + 4]! + d;
  out[outOff + 8] = out[outOff + 8]! + d;
  out[outOff + 1] = out[outOff + 1]! + hz;
  out[outOff + 3] = out[outOff + 3]! - hz;
  out[outOff + 5] = out[outOff + 5]! + hx;
  out[outOff + 7] = out[outOff + 7]! - hx;
  out[outOff + 6] = out[outOff + 6]! + hy;
  out[outOff + 2] = out[outOff + 2]! - hy;
}

/** T2 of n packed tensors (t.length = 9n) into a new or given Float64Array(5n). */
export function cartesianToT2Batch(t: ArrayLike<number>, n: number, out?: Float64Array): Float64Array {
  const o = out ?? new Float64Array(5 * n);
  for (let i = 0; i < n; i++) cartesianToT2(t, 9 * i, o, 5 * i);
  return o;
}

/** Symmetric traceless Cartesian tensors (9n) from n packed T2 vectors (5n). */
export function t2ToCartesianBatch(t2: ArrayLike<number>, n: number, out?: Float64Array): Float64Array {
  const o = out ?? new Float64Array(9 * n);
  for (let i = 0; i < n; i++) t2ToCartesian(t2, 5 * i, o, 9 * i);
  return o;
}

/** All spherical components of n packed tensors: out is 9n, [T0, T1(3), T2(5)] per tensor. */
export function cartesianToSphericalBatch(t: ArrayLike<number>, n: number, out?: Float64Array): Float64Array {
  const o = out ?? new Float64Array(9 * n);
  for (let i = 0; i < n; i++) cartesianToSpherical(t, 9 * i, o, 9 * i);
  return o;
}

/** Inverse of cartesianToSphericalBatch. */
export function sphericalToCartesianBatch(s: ArrayLike<number>, n: number, out?: Float64Array): Float64Array {
  const o = out ?? new Float64Array(9 * n);
  for (let i = 0; i < n; i++) sphericalToCartesian(s, 9 * i, o, 9 * i);
  return o;
}

// ---------------------------------------------------------------------------------------------------------
// TENSOAP convention. cart2sph_matrix.json: columns [L0 | L1(μ=−1,0,1) | L2(μ=−2..2)]; comparing its columns
// with the definitions above, L1 ≡ T1 and L2 ≡ T2 component by component, and L0 = −T0.

/** Sign of TENSOAP's L0 relative to our T0 (L0 = −tr/√3). */
export const TENSOAP_L0_SIGN = -1;

/** Our T2 from TENSOAP's L2 (identical convention: a copy). */
export function t2FromTensoapL2(l2: ArrayLike<number>, off: number, out: Float64Array, outOff = 0): void {
  for (let m = 0; m < 5; m++) out[outOff + m] = l2[off + m]!;
}

/** TENSOAP's L2 from our T2 (identical convention: a copy). */
export function t2ToTensoapL2(t2: ArrayLike<number>, off: number, out: Float64Array, outOff = 0): void {
  for (let m = 0; m < 5; m++) out[outOff + m] = t2[off + m]!;
}

/** Our [T0, T1, T2] from TENSOAP's [L0, L1, L2] (9 numbers). */
export function sphericalFromTensoap(s: ArrayLike<number>, off: number, out: Float64Array, outOff = 0): void {
  out[outOff] = TENSOAP_L0_SIGN * s[off]!;
  for (let m = 1; m < 9; m++) out[outOff + m] = s[off + m]!;
}

/** TENSOAP's [L0, L1, L2] from our [T0, T1, T2] (9 numbers). */
export function sphericalToTensoap(s: ArrayLike<number>, off: number, out: Float64Array, outOff = 0): void {
  sphericalFromTensoap(s, off, out, outOff); // the map is its own inverse
}

// ---------------------------------------------------------------------------------------------------------
// Wigner matrices in this real basis.

/**
 * 5x5 real Wigner matrix (row-major, D[μ*5+ν]) acting on our T2 components for the rotation R (row-major 3x3):
 * T2(R T Rᵀ) = D²(R) · T2(T). Built from the orthonormal basis tensors E_ν: D_μν = ⟨E_μ, R E_ν Rᵀ⟩_F.
 */
export function wignerD2(R: ArrayLike<number>, out?: Float64Array): Float64Array {
  const D = out ?? new Float64Array(25);
  const e = new Float64Array(5);
  const E = new Float64Array(9);
  const RE = new Float64Array(9);
  const col = new Float64Array(5);
  for (let nu = 0; nu < 5; nu++) {
    e.fill(0);
    e[nu] = 1;
    t2ToCartesian(e, 0, E, 0);
    rotateTensor(R, E, 0, RE, 0);
    cartesianToT2(RE, 0, col, 0);
    for (let mu = 0; mu < 5; mu++) D[mu * 5 + nu] = col[mu]!;
  }
  return D;
}

/**
 * 3x3 real Wigner matrix (row-major) acting on our T1 = (a_y, a_z, a_x): T1(R T Rᵀ) = D¹(R) · T1(T) for proper
 * rotations (det R = +1). The axial vector a turns like a vector, and T1 is a with its components cycled
 * (y, z, x), so D¹_μν = R[p(μ)][p(ν)] with p = (1, 2, 0).
 */
export function wignerD1(R: ArrayLike<number>, out?: Float64Array): Float64Array {
  const D = out ?? new Float64Array(9);
  const p = [1, 2, 0] as const;
  for (let mu = 0; mu < 3; mu++) {
    for (let nu = 0; nu < 3; nu++) D[mu * 3 + nu] = R[p[mu]! * 3 + p[nu]!]!;
  }
  return D;
}

/** out = R T Rᵀ for row-major 3x3 R and the tensor at t[off..off+9); out must not alias t. */
export function rotateTensor(
  R: ArrayLike<number>,
  t: ArrayLike<number>,
  off: number,
  out: Float64Array,
  outOff = 0,
): void {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) {
        const rik = R[i * 3 + k]!;
        if (rik === 0) continue;
        let u = 0;
        for (let l = 0; l < 3; l++) u += t[off + k * 3 + l]! * R[j * 3 + l]!;
        s += rik * u;
      }
      out[outOff + i * 3 + j] = s;
    }
  }
}
