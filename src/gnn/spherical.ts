/**
 * Private Cartesian ↔ spherical converter for 3×3 tensors (DESIGN.md conventions); it duplicates
 * src/nmr/spherical.ts, to be merged into it (issue 12, item 4). Layout of the spherical 9-vector:
 * [T0, T1(3), T2(5)] with T0 = tr T/√3; a = ((T_yz−T_zy), (T_zx−T_xz), (T_xy−T_yx))/√2, T1 = (a_y, a_z, a_x);
 * T2 = (√2 S_xy, √2 S_yz, (2S_zz−S_xx−S_yy)/√6, √2 S_xz, (S_xx−S_yy)/√2), S the symmetric traceless part.
 */
const R2 = Math.SQRT2;
const R3 = Math.sqrt(3);
const R6 = Math.sqrt(6);

/** t: row-major 3×3 at t[o..o+9); writes 9 spherical components to out[p..p+9). */
export function cartToSph(t: ArrayLike<number>, o: number, out: Float64Array, p: number): void {
  const xx = t[o]!;
  const xy = t[o + 1]!;
  const xz = t[o + 2]!;
  const yx = t[o + 3]!;
  const yy = t[o + 4]!;
  const yz = t[o + 5]!;
  const zx = t[o + 6]!;
  const zy = t[o + 7]!;
  const zz = t[o + 8]!;
  out[p] = (xx + yy + zz) / R3;
  out[p + 1] = (zx - xz) / R2;
  out[p + 2] = (xy - yx) / R2;
  out[p + 3] = (yz - zy) / R2;
  const sxy = (xy + yx) / 2;
  const syz = (yz + zy) / 2;
  const sxz = (xz + zx) / 2;
  out[p + 4] = R2 * sxy;
  out[p + 5] = R2 * syz;
  out[p + 6] = (2 * zz - xx - yy) / R6;
  out[p + 7] = R2 * sxz;
  out[p + 8] = (xx - yy) / R2;
}

/** Inverse of cartToSph: 9 spherical components at s[p..p+9) → row-major 3×3 at out[o..o+9). */
export function sphToCart(s: ArrayLike<number>, p: number, out: Float64Array, o: number): void {
  const iso = s[p]! / R3;
  const ay = s[p + 1]! / R2;
  const az = s[p + 2]! / R2;
  const ax = s[p + 3]! / R2;
  const sxy = s[p + 4]! / R2;
  const syz = s[p + 5]! / R2;
  const szz = (2 * s[p + 6]!) / R6;
  const sxz = s[p + 7]! / R2;
  const d = R2 * s[p + 8]!;
  const sxx = (-szz + d) / 2;
  const syy = (-szz - d) / 2;
  out[o] = iso + sxx;
  out[o + 1] = sxy + az;
  out[o + 2] = sxz - ay;
  out[o + 3] = sxy - az;
  out[o + 4] = iso + syy;
  out[o + 5] = syz + ax;
  out[o + 6] = sxz + ay;
  out[o + 7] = syz - ax;
  out[o + 8] = iso + szz;
}
