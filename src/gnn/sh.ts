/**
 * Real spherical harmonics for l ≤ 3 in "component" normalisation (Σ_m Y_lm(u)² = 2l+1 for a unit u), i.e. the
 * orthonormal real harmonics times √(4π). Order m = −l..l with the DESIGN.md convention: l=1 → (y, z, x), l=2 →
 * (xy, yz, 3z²−1, xz, x²−y²) up to positive factors, so Y_2 is proportional to the T2 components of u uᵀ and Y_1
 * to T1 = (a_y, a_z, a_x). No Condon–Shortley phase. Parity of Y_l is (−1)^l.
 */
export const SH_LMAX = 3;

/** Offset of block l in a packed 0..lmax array: l². */
export function shOffset(l: number): number {
  return l * l;
}

const S3 = Math.sqrt(3);
const S5 = Math.sqrt(5);
const S15 = Math.sqrt(15);
const S7 = Math.sqrt(7);
// l=3 factors (orthonormal factor × √(4π)): √(35/8), √105, √(21/8), √7/2, √(105)/2
const C30 = Math.sqrt(35 / 8);
const C31 = Math.sqrt(105);
const C32 = Math.sqrt(21 / 8);
const C34 = Math.sqrt(105) / 2;

/**
 * Writes Y_lm(u) for l = 0..lmax into out[off .. off + (lmax+1)²) for the unit vector (x, y, z)
 * (the caller normalises). lmax ≤ 3.
 */
export function realSphericalHarmonics(
  lmax: number,
  x: number,
  y: number,
  z: number,
  out: Float64Array,
  off: number,
): void {
  out[off] = 1;
  if (lmax < 1) return;
  out[off + 1] = S3 * y;
  out[off + 2] = S3 * z;
  out[off + 3] = S3 * x;
  if (lmax < 2) return;
  out[off + 4] = S15 * x * y;
  out[off + 5] = S15 * y * z;
  out[off + 6] = (S5 / 2) * (3 * z * z - 1);
  out[off + 7] = S15 * x * z;
  out[off + 8] = (S15 / 2) * (x * x - y * y);
  if (lmax < 3) return;
  const z2 = z * z;
  out[off + 9] = C30 * y * (3 * x * x - y * y);
  out[off + 10] = C31 * x * y * z;
  out[off + 11] = C32 * y * (5 * z2 - 1);
  out[off + 12] = (S7 / 2) * z * (5 * z2 - 3);
  out[off + 13] = C32 * x * (5 * z2 - 1);
  out[off + 14] = C34 * z * (x * x - y * y);
  out[off + 15] = C30 * x * (x * x - 3 * y * y);
}
