/**
 * Resonance offsets (ppm on the δ scale) of one site for a field direction b (static) or a rotor axis r (MAS,
 * infinitely fast spinning), both unit vectors in the site frame (see `siteFrame`).
 *
 * Chemical shift (first order, any spin): δ(b) = bᵀ δ_s b, with δ_s the symmetric part of the shift tensor;
 * under fast MAS it averages to δ_iso = tr δ / 3.
 *
 * Central transition of a half-integer quadrupolar nucleus to second order (Abragam ch. VII; Freude & Haase,
 * NMR Basic Principles and Progress 29, 1 (1993)). With H_Q = eQ/(2I(2I−1)) · I·V·I, k = eQ/(2I(2I−1)h) per
 * unit of V and the lab components of V for B0 ∥ z, second-order perturbation theory gives
 *   ν_CT − ν0 = k²(I(I+1) − 3/4)/ν0 · [(V_xx − V_yy)²/4 + V_xy² − 2(V_xz² + V_yz²)],
 * which, with V_zz = bᵀVb, V_xz² + V_yz² = bᵀV²b − V_zz² and ‖V‖² = Σ V_ij², is
 *   f_static(b) = ‖V‖²/2 + (9/4)(bᵀVb)² − 3 bᵀV²b.
 * For η = 0 this is the classic −(ν_Q²/16ν0)(I(I+1) − 3/4)(1 − cos²β)(9cos²β − 1). Its rank-0, 2, 4 parts in
 * b are −‖V‖²/5, … (harmonic decomposition of the quartic via the Laplacian); magic-angle spinning keeps the
 * rank-0 part and scales the rank-4 part by P4(cos θm) = −7/18, leaving
 *   f_MAS(r) = −(7/8)(rᵀVr)² + ½ rᵀV²r − ‖V‖²/4,
 * whose powder average −‖V‖²/5 = −Vzz²(3 + η²)/10 is the isotropic second-order shift
 * −(3/40)(CQ/ν0)²(I(I+1) − 3/4)/(I²(2I − 1)²)(1 + η²/3).
 * δ-scale convention: offsets are (ν − ν_ref)/|ν0| in ppm for the sign of γ as for γ > 0, so the second-order
 * shift is negative (to lower δ) for every nucleus, as in the literature.
 */
import { EngineError } from "../core/errors.js";
import { principalFrame } from "../nmr/eigen.js";
import { CQ_HZ_PER_MB_AU, type Isotope } from "../nmr/isotopes.js";

/** The tensors of one site expressed in its principal-axis frame (symmetric parts, row-major 3×3). */
export interface SiteFrame {
  /** isotropic shift δ_iso, ppm */
  readonly iso: number;
  /** symmetric shift tensor, ppm (zeros when the site has none) */
  readonly shift: Float64Array;
  /** symmetric traceless EFG, a.u. (zeros when the site has none) */
  readonly efg: Float64Array;
  /** EFG squared */
  readonly efg2: Float64Array;
  /** ‖V‖² = Σ V_ij² */
  readonly efgNorm2: number;
}

/** Quadratic form bᵀTb of a symmetric row-major 3×3 tensor. */
export function quadraticForm(t: Float64Array, x: number, y: number, z: number): number {
  return t[0]! * x * x + t[4]! * y * y + t[8]! * z * z + 2 * (t[1]! * x * y + t[2]! * x * z + t[5]! * y * z);
}

function symmetricPart(t: ArrayLike<number>, traceless: boolean): Float64Array {
  const s = new Float64Array(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) s[3 * i + j] = 0.5 * (t[3 * i + j]! + t[3 * j + i]!);
  if (traceless) {
    const tr = (s[0]! + s[4]! + s[8]!) / 3;
    s[0]! -= tr;
    s[4]! -= tr;
    s[8]! -= tr;
  }
  return s;
}

/** out = Pᵀ T P (P: eigenvectors as columns). */
function toFrame(p: Float64Array, t: Float64Array): Float64Array {
  const out = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++)
        for (let l = 0; l < 3; l++) s += p[3 * k + i]! * t[3 * k + l]! * p[3 * l + j]!;
      out[3 * i + j] = s;
    }
  }
  return out;
}

function square(t: Float64Array): Float64Array {
  const out = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += t[3 * i + k]! * t[3 * k + j]!;
      out[3 * i + j] = s;
    }
  }
  return out;
}

/**
 * Both tensors of a site in the principal-axis frame of the EFG (NQR order, Vzz on z) when the site has a
 * non-zero EFG, else of the shift tensor (Haeberlen order). `shift` in ppm (δ scale), `efg` in a.u.; either null.
 */
export function siteFrame(shift: ArrayLike<number> | null, efg: ArrayLike<number> | null): SiteFrame {
  const d = shift ? symmetricPart(shift, false) : new Float64Array(9);
  const v = efg ? symmetricPart(efg, true) : new Float64Array(9);
  const vNorm2 = v.reduce((a, x) => a + x * x, 0);
  const p = new Float64Array(9);
  const vals = new Float64Array(3);
  if (vNorm2 > 0) principalFrame(v, 0, "nqr", vals, p);
  else principalFrame(d, 0, "haeberlen", vals, p);
  const vf = toFrame(p, v);
  return {
    iso: (d[0]! + d[4]! + d[8]!) / 3,
    shift: toFrame(p, d),
    efg: vf,
    efg2: square(vf),
    efgNorm2: vNorm2,
  };
}

/** True for a spin with a central transition broadened at second order (half-integer I > 1/2, Q ≠ 0). */
export function hasCentralTransition(iso: Isotope): boolean {
  return iso.spin > 0.5 && iso.qMb !== 0 && Number.isInteger(iso.spin - 0.5);
}

/** Refuse integer-spin quadrupolar nuclei (²H, ⁶Li, ¹⁰B, ¹⁴N): they have no central transition to simulate. */
export function checkSimulable(iso: Isotope): void {
  if (iso.qMb !== 0 && !hasCentralTransition(iso)) {
    throw new EngineError(
      "InvalidParameter",
      `${iso.name} (I = ${iso.spin}) has no central transition: only half-integer quadrupolar and spin-1/2 nuclei are simulated`,
      { field: "isotope" },
    );
  }
}

/**
 * Second-order factor k²(I(I+1) − 3/4)/ν0² · 10⁶ in ppm per (a.u.)², k = CQ_HZ_PER_MB_AU · Q/(2I(2I−1)) Hz per
 * a.u. of V; 0 for nuclei without a second-order central transition. `larmorMHz` = |ν0|.
 */
export function secondOrderPpmPerAu2(iso: Isotope, larmorMHz: number): number {
  if (!hasCentralTransition(iso)) return 0;
  const i = iso.spin;
  const k = (CQ_HZ_PER_MB_AU * iso.qMb) / (2 * i * (2 * i - 1));
  const nu0 = larmorMHz * 1e6;
  return (1e6 * k * k * (i * (i + 1) - 0.75)) / (nu0 * nu0);
}

/** Static offset (ppm) for field direction (x, y, z); `q` from `secondOrderPpmPerAu2`. */
export function staticOffset(f: SiteFrame, q: number, x: number, y: number, z: number): number {
  const cs = quadraticForm(f.shift, x, y, z);
  if (q === 0) return cs;
  const vzz = quadraticForm(f.efg, x, y, z);
  return cs + q * (0.5 * f.efgNorm2 + 2.25 * vzz * vzz - 3 * quadraticForm(f.efg2, x, y, z));
}

/** Infinitely fast MAS offset (ppm) for rotor axis (x, y, z). */
export function masOffset(f: SiteFrame, q: number, x: number, y: number, z: number): number {
  if (q === 0) return f.iso;
  const vrr = quadraticForm(f.efg, x, y, z);
  return f.iso + q * (-0.875 * vrr * vrr + 0.5 * quadraticForm(f.efg2, x, y, z) - 0.25 * f.efgNorm2);
}
