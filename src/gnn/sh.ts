/**
 * Real spherical harmonics for l ≤ 4 in "component" normalisation (Σ_m Y_lm(u)² = 2l+1 for a unit u), i.e. the
 * orthonormal real harmonics times √(4π). Order m = −l..l with the DESIGN.md convention: l=1 → (y, z, x), l=2 →
 * (xy, yz, 3z²−1, xz, x²−y²) up to positive factors, so Y_2 is proportional to the T2 components of u uᵀ and Y_1
 * to T1 = (a_y, a_z, a_x). No Condon–Shortley phase. Parity of Y_l is (−1)^l.
 */
export const SH_LMAX = 4;

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
// l=4 factors (orthonormal factor × √(4π)): (3/2)√35, (3/2)√(35/2), (3/2)√5, (3/2)√(5/2), 3/8, (3/4)√5, (3/8)√35
const C40 = 1.5 * Math.sqrt(35);
const C41 = 1.5 * Math.sqrt(35 / 2);
const C42 = 1.5 * S5;
const C43 = 1.5 * Math.sqrt(5 / 2);
const C45 = 0.75 * S5;
const C46 = (3 / 8) * Math.sqrt(35);

/**
 * Writes Y_lm(u) for l = 0..lmax into out[off .. off + (lmax+1)²) for the unit vector (x, y, z)
 * (the caller normalises). lmax ≤ 4.
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
  if (lmax < 4) return;
  const x2 = x * x;
  const y2 = y * y;
  out[off + 16] = C40 * x * y * (x2 - y2);
  out[off + 17] = C41 * y * z * (3 * x2 - y2);
  out[off + 18] = C42 * x * y * (7 * z2 - 1);
  out[off + 19] = C43 * y * z * (7 * z2 - 3);
  out[off + 20] = (3 / 8) * (35 * z2 * z2 - 30 * z2 + 3);
  out[off + 21] = C43 * x * z * (7 * z2 - 3);
  out[off + 22] = C45 * (x2 - y2) * (7 * z2 - 1);
  out[off + 23] = C41 * x * z * (x2 - 3 * y2);
  out[off + 24] = C46 * (x2 * (x2 - 3 * y2) - y2 * (3 * x2 - y2));
}
