/**
 * Electric-field-gradient observables from a Cartesian EFG tensor in atomic units (row-major 9 numbers).
 *
 * - Principal values in NQR order |Vxx| ≤ |Vyy| ≤ |Vzz| (of the symmetric part), η = (Vxx − Vyy)/Vzz ∈ [0, 1].
 * - CQ = e Q Vzz / h in MHz (sign kept), P_Q = CQ √(1 + η²/3), ν_Q = 3 CQ / (2I(2I − 1)).
 * - θ, φ: polar and azimuthal angle of the Vzz axis in the lab frame (B0 ∥ z). The axis is only defined up to
 *   sign; following Harper et al. 2025 (eq. 5: θ ∈ [0, π], φ ∈ [−π/2, π/2]) the axis is flipped so that its x
 *   component is ≥ 0 (for x = 0: y ≥ 0; for x = y = 0: z ≥ 0). Then θ = acos(v_z) ∈ [0°, 180°] and
 *   φ = atan2(v_y, v_x) ∈ [−90°, 90°]. The identification at the φ = ±90° edge is (θ, 90°) ~ (180° − θ, −90°).
 * - ω_Q (kHz) by Harper eq. 5, ω_Q = ν_Q · ½(3cos²θ − 1 − η sin²θ cos 2φ), evaluated with the θ, φ above
 *   (as the paper defines them). Note that this φ is the lab azimuth of the Vzz axis, so the η term of eq. 5 is
 *   not invariant under rotations about B0; eq. 5 is exact for η = 0.
 * - ω_Q^lab (kHz) = ν_Q · V^lab_zz / Vzz: the exact first-order quadrupolar frequency (satellite splitting
 *   parameter) for B0 ∥ z, V^lab_zz being the zz element of the (symmetrised, traceless) tensor.
 * Frequencies are cyclic (Hz-type, no 2π).
 */
import { principalFrame } from "./eigen.js";
import { CQ_HZ_PER_MB_AU, type Isotope } from "./isotopes.js";

export interface EfgParams {
  /** principal values (a.u.), NQR order */
  vxx: number;
  vyy: number;
  vzz: number;
  /** asymmetry (Vxx − Vyy)/Vzz in [0, 1]; 0 when Vzz = 0 */
  eta: number;
  /** Vzz axis (unit vector, lab frame, sign-fixed as described above) */
  axis: [number, number, number];
  /** polar angle of the Vzz axis, degrees, [0, 180] */
  theta: number;
  /** azimuthal angle of the Vzz axis, degrees, [−90, 90] */
  phi: number;
  /** isotope name used for the next fields, or null when none was given */
  isotope: string | null;
  /** CQ in MHz (NaN without isotope) */
  cq: number;
  /** quadrupolar product P_Q in MHz */
  pq: number;
  /** ν_Q = 3CQ/(2I(2I−1)) in MHz (0 for I ≤ 1/2) */
  nuQ: number;
  /** ω_Q of Harper eq. 5, kHz */
  omegaQ: number;
  /** exact first-order lab-frame value ν_Q · V^lab_zz / Vzz, kHz */
  omegaQLab: number;
}

const RAD = 180 / Math.PI;

/** Sign-fixed Vzz axis -> [θ°, φ°] in Harper's ranges; writes the fixed axis back into `v`. */
export function axisAngles(v: [number, number, number]): [number, number] {
  let [x, y, z] = v;
  if (x < 0 || (x === 0 && (y < 0 || (y === 0 && z < 0)))) {
    x = -x;
    y = -y;
    z = -z;
  }
  v[0] = x === 0 ? 0 : x; // avoid −0
  v[1] = y === 0 ? 0 : y;
  v[2] = z === 0 ? 0 : z;
  const n = Math.hypot(x, y, z);
  const theta = Math.acos(Math.max(-1, Math.min(1, z / n))) * RAD;
  const phi = x === 0 && y === 0 ? 0 : Math.atan2(y, x) * RAD;
  return [theta, phi];
}

/** ν_Q in MHz from CQ (MHz) and the spin. */
export function nuQFromCq(cqMHz: number, spin: number): number {
  const d = 2 * spin * (2 * spin - 1);
  return d > 0 ? (3 * cqMHz) / d : 0;
}

/** Harper eq. 5 in the units of nuQ: ν_Q · ½(3cos²θ − 1 − η sin²θ cos 2φ), angles in degrees. */
export function omegaQEq5(nuQ: number, eta: number, thetaDeg: number, phiDeg: number): number {
  const c = Math.cos(thetaDeg / RAD);
  const s2 = 1 - c * c;
  return nuQ * 0.5 * (3 * c * c - 1 - eta * s2 * Math.cos((2 * phiDeg) / RAD));
}

/** EFG observables of the tensor at t[off..off+9). `iso` null → CQ-derived fields are NaN. */
export function efgParams(t: ArrayLike<number>, off: number, iso: Isotope | null): EfgParams {
  const vals = new Float64Array(3);
  const vecs = new Float64Array(9);
  principalFrame(t, off, "nqr", vals, vecs);
  const vxx = vals[0]!;
  const vyy = vals[1]!;
  const vzz = vals[2]!;
  let eta = vzz === 0 ? 0 : (vxx - vyy) / vzz;
  eta = Math.max(0, Math.min(1, eta)); // round-off only: the NQR order guarantees 0 ≤ η ≤ 1
  const axis: [number, number, number] = [vecs[2]!, vecs[5]!, vecs[8]!];
  const [theta, phi] = axisAngles(axis);
  // lab zz of the symmetric traceless part
  const tr3 = (t[off]! + t[off + 4]! + t[off + 8]!) / 3;
  const labZz = t[off + 8]! - tr3;
  let cq = Number.NaN;
  let pq = Number.NaN;
  let nuQ = Number.NaN;
  let omegaQ = Number.NaN;
  let omegaQLab = Number.NaN;
  if (iso) {
    cq = (CQ_HZ_PER_MB_AU * iso.qMb * vzz) / 1e6;
    pq = cq * Math.sqrt(1 + (eta * eta) / 3);
    nuQ = nuQFromCq(cq, iso.spin);
    omegaQ = 1000 * omegaQEq5(nuQ, eta, theta, phi);
    omegaQLab = vzz === 0 ? 0 : (1000 * nuQ * labZz) / vzz;
  }
  return {
    vxx,
    vyy,
    vzz,
    eta,
    axis,
    theta,
    phi,
    isotope: iso ? iso.name : null,
    cq,
    pq,
    nuQ,
    omegaQ,
    omegaQLab,
  };
}

/** |Vzz| and η·|Vzz| of the tensor at t[off..off+9) (the C̃Q and η̃ numerators, positive-Vzz convention). */
export function absVzzAndEta(t: ArrayLike<number>, off: number): [number, number] {
  const p = efgParams(t, off, null);
  const v = Math.abs(p.vzz);
  return [v, p.eta * v];
}
