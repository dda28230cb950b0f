/**
 * Orientation of a tensor's principal axis system (PAS): Euler angles and unit quaternions.
 *
 * The frame is the right-handed eigenvector matrix V of `principalFrame` (columns = PAS axes in the lab frame,
 * T = V diag(λ) Vᵀ), i.e. the active rotation that carries the lab axes onto the PAS axes.
 *
 * Euler angles follow Soprano (CCP-NC/soprano, soprano/nmr/utils.py `_matrix_to_euler`,
 * `_normalise_euler_angles`, `_handle_euler_edge_cases`): intrinsic ZYZ, V = Rz(α) Ry(β) Rz(γ) (active);
 * passive angles are those of Vᵀ. Both are then normalised to the ranges of TensorView for MATLAB
 * (doi:10.1016/j.ssnmr.2022.101849), which picks one of the four D2-equivalent frames: β ∈ [0, π/2], and
 * γ ∈ [0, π) (active) or α ∈ [0, π) (passive).
 *
 * Quaternions (w, x, y, z) of V by Shepperd's method with w ≥ 0. A tensor is unchanged by 180° turns about its
 * principal axes, so q and q ⊗ {1, i, j, k} describe the same tensor; the orientation metric is
 * q̃ = max_g |q_ref · (q_pred ⊗ g)| ∈ [0, 1] (1 for identical orientations).
 */
import { type EigenOrder, principalFrame } from "./eigen.js";

const TWO_PI = 2 * Math.PI;

function mod2pi(x: number): number {
  const r = x % TWO_PI;
  return r < 0 ? r + TWO_PI : r;
}

/** Raw intrinsic ZYZ angles of a rotation matrix M (row-major), M = Rz(α)Ry(β)Rz(γ); γ = 0 in gimbal lock. */
function zyzOf(m: ArrayLike<number>, transpose: boolean): [number, number, number] {
  const g = (i: number, j: number): number => (transpose ? m[j * 3 + i]! : m[i * 3 + j]!);
  const c = Math.max(-1, Math.min(1, g(2, 2)));
  const beta = Math.acos(c);
  const sb = Math.hypot(g(0, 2), g(1, 2));
  if (sb > 1e-12) {
    return [Math.atan2(g(1, 2), g(0, 2)), beta, Math.atan2(g(2, 1), -g(2, 0))];
  }
  if (c > 0) return [Math.atan2(g(1, 0), g(0, 0)), 0, 0];
  return [Math.atan2(-g(1, 0), -g(0, 0)), Math.PI, 0];
}

/** Soprano's `_normalise_euler_angles` (radians in, radians out). */
export function normaliseEuler(
  angles: [number, number, number],
  passive: boolean,
  eps = 1e-6,
): [number, number, number] {
  let [a, b, g] = angles;
  a = mod2pi(a);
  b = mod2pi(b);
  g = mod2pi(g);
  if (passive) {
    if (b > Math.PI) {
      b = TWO_PI - b;
      g = mod2pi(g - Math.PI);
    }
    if (b >= Math.PI / 2 - eps) {
      a = mod2pi(Math.PI - a);
      b = mod2pi(Math.PI - b);
      g = mod2pi(Math.PI + g);
    }
    if (a >= Math.PI - eps) a -= Math.PI;
  } else {
    if (b > Math.PI) {
      b = TWO_PI - b;
      a = mod2pi(a - Math.PI);
    }
    if (b >= Math.PI / 2 - eps) {
      a = mod2pi(a + Math.PI);
      b = mod2pi(Math.PI - b);
      g = mod2pi(Math.PI - g);
    }
    if (g >= Math.PI - eps) g -= Math.PI;
  }
  return [a, b, g];
}

/**
 * ZYZ Euler angles (radians) of the frame V (row-major, columns = PAS axes) with eigenvalues `vals` in the
 * same order, normalised as Soprano does, including its handling of degenerate eigenvalues (absolute tolerance
 * `eps` = 1e-6 as Soprano's): all three equal → (0, 0, 0); λ1 = λ2 (unique axis along z) → γ = 0. Like Soprano,
 * degeneracy is counted relative to λ1, so λ2 = λ3 ≠ λ1 gets no special treatment (Soprano's closed form for
 * that case is unreachable in its code).
 */
export function eulerZYZ(
  vecs: ArrayLike<number>,
  vals: ArrayLike<number>,
  passive: boolean,
  eps = 1e-6,
): [number, number, number] {
  const e = normaliseEuler(zyzOf(vecs, passive), passive);
  const e1 = vals[0]!;
  let deg = 0;
  for (let k = 0; k < 3; k++) if (Math.abs(vals[k]! - e1) < eps) deg++;
  if (deg === 3) return [0, 0, 0];
  if (deg === 2 && Math.abs(e1 - vals[1]!) < eps) e[2] = 0;
  return e;
}

/** Rotation matrix (row-major) of intrinsic ZYZ angles: Rz(α) Ry(β) Rz(γ). */
export function rotationFromZYZ(
  alpha: number,
  beta: number,
  gamma: number,
  out?: Float64Array,
): Float64Array {
  const R = out ?? new Float64Array(9);
  const ca = Math.cos(alpha);
  const sa = Math.sin(alpha);
  const cb = Math.cos(beta);
  const sb = Math.sin(beta);
  const cg = Math.cos(gamma);
  const sg = Math.sin(gamma);
  R[0] = ca * cb * cg - sa * sg;
  R[1] = -ca * cb * sg - sa * cg;
  R[2] = ca * sb;
  R[3] = sa * cb * cg + ca * sg;
  R[4] = -sa * cb * sg + ca * cg;
  R[5] = sa * sb;
  R[6] = -sb * cg;
  R[7] = sb * sg;
  R[8] = cb;
  return R;
}

/**
 * Unit quaternion (w, x, y, z) of a proper rotation matrix M (row-major) by Shepperd's method (choose the
 * largest of 4w², 4x², 4y², 4z² to divide by), with w ≥ 0. Written to out[outOff..+4).
 */
export function quaternionFromMatrix(
  m: ArrayLike<number>,
  mOff: number,
  out: Float64Array,
  outOff = 0,
): void {
  const m00 = m[mOff]!;
  const m01 = m[mOff + 1]!;
  const m02 = m[mOff + 2]!;
  const m10 = m[mOff + 3]!;
  const m11 = m[mOff + 4]!;
  const m12 = m[mOff + 5]!;
  const m20 = m[mOff + 6]!;
  const m21 = m[mOff + 7]!;
  const m22 = m[mOff + 8]!;
  const tr = m00 + m11 + m22;
  let w: number;
  let x: number;
  let y: number;
  let z: number;
  if (tr >= m00 && tr >= m11 && tr >= m22) {
    const s = 2 * Math.sqrt(Math.max(0, 1 + tr)); // 4w
    w = 0.25 * s;
    x = (m21 - m12) / s;
    y = (m02 - m20) / s;
    z = (m10 - m01) / s;
  } else if (m00 >= m11 && m00 >= m22) {
    const s = 2 * Math.sqrt(Math.max(0, 1 + m00 - m11 - m22)); // 4x
    w = (m21 - m12) / s;
    x = 0.25 * s;
    y = (m01 + m10) / s;
    z = (m02 + m20) / s;
  } else if (m11 >= m22) {
    const s = 2 * Math.sqrt(Math.max(0, 1 + m11 - m00 - m22)); // 4y
    w = (m02 - m20) / s;
    x = (m01 + m10) / s;
    y = 0.25 * s;
    z = (m12 + m21) / s;
  } else {
    const s = 2 * Math.sqrt(Math.max(0, 1 + m22 - m00 - m11)); // 4z
    w = (m10 - m01) / s;
    x = (m02 + m20) / s;
    y = (m12 + m21) / s;
    z = 0.25 * s;
  }
  const n = Math.hypot(w, x, y, z);
  const sg = w < 0 ? -1 / n : 1 / n;
  out[outOff] = w * sg;
  out[outOff + 1] = x * sg;
  out[outOff + 2] = y * sg;
  out[outOff + 3] = z * sg;
}

/** Rotation matrix (row-major) of a unit quaternion (w, x, y, z). */
export function matrixFromQuaternion(q: ArrayLike<number>, qOff = 0, out?: Float64Array): Float64Array {
  const R = out ?? new Float64Array(9);
  const w = q[qOff]!;
  const x = q[qOff + 1]!;
  const y = q[qOff + 2]!;
  const z = q[qOff + 3]!;
  R[0] = 1 - 2 * (y * y + z * z);
  R[1] = 2 * (x * y - w * z);
  R[2] = 2 * (x * z + w * y);
  R[3] = 2 * (x * y + w * z);
  R[4] = 1 - 2 * (x * x + z * z);
  R[5] = 2 * (y * z - w * x);
  R[6] = 2 * (x * z - w * y);
  R[7] = 2 * (y * z + w * x);
  R[8] = 1 - 2 * (x * x + y * y);
  return R;
}

/**
 * q̃ = max over g ∈ {1, i, j, k} of |q_a · (q_b ⊗ g)| for unit quaternions. With q_b = (w, x, y, z):
 * q_b⊗i = (−x, w, z, −y), q_b⊗j = (−y, −z, w, x), q_b⊗k = (−z, y, −x, w). Each |a · c| is evaluated as
 * 1 − min(‖a − c‖², ‖a + c‖²)/2 (equal for unit vectors), which is exactly 1 for identical quaternions and
 * free of cancellation near 1.
 */
export function quaternionSimilarity(
  qa: ArrayLike<number>,
  aOff: number,
  qb: ArrayLike<number>,
  bOff: number,
): number {
  const a0 = qa[aOff]!;
  const a1 = qa[aOff + 1]!;
  const a2 = qa[aOff + 2]!;
  const a3 = qa[aOff + 3]!;
  const w = qb[bOff]!;
  const x = qb[bOff + 1]!;
  const y = qb[bOff + 2]!;
  const z = qb[bOff + 3]!;
  const best = Math.min(
    closeness(a0, a1, a2, a3, w, x, y, z),
    closeness(a0, a1, a2, a3, -x, w, z, -y),
    closeness(a0, a1, a2, a3, -y, -z, w, x),
    closeness(a0, a1, a2, a3, -z, y, -x, w),
  );
  return Math.max(0, 1 - 0.5 * best);
}

/** min(‖a − c‖², ‖a + c‖²). */
function closeness(
  a0: number,
  a1: number,
  a2: number,
  a3: number,
  c0: number,
  c1: number,
  c2: number,
  c3: number,
): number {
  const m = (a0 - c0) ** 2 + (a1 - c1) ** 2 + (a2 - c2) ** 2 + (a3 - c3) ** 2;
  const p = (a0 + c0) ** 2 + (a1 + c1) ** 2 + (a2 + c2) ** 2 + (a3 + c3) ** 2;
  return Math.min(m, p);
}

export interface Orientation {
  /** principal values in `order` */
  values: [number, number, number];
  /** right-handed frame, row-major, columns = principal axes */
  frame: Float64Array;
  /** (w, x, y, z), w ≥ 0 */
  quaternion: [number, number, number, number];
  /** ZYZ active Euler angles, degrees (Soprano normalisation) */
  eulerActive: [number, number, number];
  /** ZYZ passive Euler angles, degrees (Soprano normalisation) */
  eulerPassive: [number, number, number];
}

const DEG = 180 / Math.PI;

/** Orientation of the symmetric part of the tensor at t[off..off+9) for the given eigenvalue ordering. */
export function orientation(t: ArrayLike<number>, off: number, order: EigenOrder): Orientation {
  const vals = new Float64Array(3);
  const frame = new Float64Array(9);
  principalFrame(t, off, order, vals, frame);
  const q = new Float64Array(4);
  quaternionFromMatrix(frame, 0, q, 0);
  const ea = eulerZYZ(frame, vals, false);
  const ep = eulerZYZ(frame, vals, true);
  return {
    values: [vals[0]!, vals[1]!, vals[2]!],
    frame,
    quaternion: [q[0]!, q[1]!, q[2]!, q[3]!],
    eulerActive: [ea[0] * DEG, ea[1] * DEG, ea[2] * DEG],
    eulerPassive: [ep[0] * DEG, ep[1] * DEG, ep[2] * DEG],
  };
}
