/**
 * Spinning-sideband intensities of the chemical-shift anisotropy under MAS at a finite rate (Herzfeld & Berger,
 * J. Chem. Phys. 73, 6021 (1980); Maricq & Waugh, J. Chem. Phys. 70, 3300 (1979)).
 *
 * For a rotor axis r (site frame) and an orthonormal pair e1, e2 ⟂ r, the field direction in the site frame is
 * b(τ) = cos θm r + sin θm (cos τ e1 + sin τ e2), τ = 2πν_r t, so bᵀδb = δ_iso + A1 cos τ + B1 sin τ +
 * A2 cos 2τ + B2 sin 2τ with A1 = 2cs e1ᵀδr, B1 = 2cs e2ᵀδr, A2 = s²(e1ᵀδe1 − e2ᵀδe2)/2, B2 = s² e1ᵀδe2
 * (c = cos θm, s = sin θm). The phase Φ(τ) = ∫(ν − ν_iso)dt is periodic; writing exp(iΦ(τ)) = Σ_k F_k e^{ikτ},
 * the average over the rotor phase (rotation about r) leaves sideband k at δ_iso + k ν_r with intensity |F_k|²
 * (Σ_k |F_k|² = 1). F_k is computed by a discrete Fourier sum over M ≥ 8K samples of one rotor period.
 */
import { EngineError } from "../core/errors.js";
import { quadraticForm } from "./frequencies.js";

const COS_M = 1 / Math.sqrt(3);
const SIN_M = Math.sqrt(2 / 3);
/** Highest sideband order computed; a slower rate than span/512 is close to static and is refused. */
export const MAX_SIDEBAND_ORDER = 512;

/** Workspace for `sidebandIntensities` at K sideband orders on each side. */
export interface SidebandPlan {
  readonly orders: number;
  readonly samples: number;
  readonly cos: Float64Array;
  readonly sin: Float64Array;
}

/** K = ⌈span/ν_r⌉ + 8 orders (span and rate in ppm) and M = the power of two ≥ max(32, 8K) samples. */
export function sidebandPlan(spanPpm: number, rotorPpm: number): SidebandPlan {
  const orders = Math.ceil(Math.abs(spanPpm) / rotorPpm) + 8;
  if (orders > MAX_SIDEBAND_ORDER) {
    throw new EngineError(
      "InvalidParameter",
      `spinning rate too slow for the shift anisotropy (${orders} sidebands each side; at most ${MAX_SIDEBAND_ORDER}): simulate a static spectrum instead`,
      { field: "spinningRate" },
    );
  }
  let samples = 32;
  while (samples < 8 * orders) samples *= 2;
  const cos = new Float64Array(samples);
  const sin = new Float64Array(samples);
  for (let m = 0; m < samples; m++) {
    cos[m] = Math.cos((2 * Math.PI * m) / samples);
    sin[m] = Math.sin((2 * Math.PI * m) / samples);
  }
  return { orders, samples, cos, sin };
}

/** Unit vectors e1, e2 completing r to a right-handed orthonormal frame. */
function perpendicularPair(
  x: number,
  y: number,
  z: number,
): [number, number, number, number, number, number] {
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  const az = Math.abs(z);
  // the coordinate axis least aligned with r, made orthogonal to it
  let [ux, uy, uz] = ax <= ay && ax <= az ? [1, 0, 0] : ay <= az ? [0, 1, 0] : [0, 0, 1];
  const d = ux * x + uy * y + uz * z;
  ux -= d * x;
  uy -= d * y;
  uz -= d * z;
  const n = Math.hypot(ux, uy, uz);
  ux /= n;
  uy /= n;
  uz /= n;
  return [ux, uy, uz, y * uz - z * uy, z * ux - x * uz, x * uy - y * ux];
}

function bilinear(t: Float64Array, a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += a[i]! * t[3 * i + j]! * b[j]!;
  return s;
}

/**
 * Sideband intensities |F_k|², k = −K..K, written to out[outOff + k + K], for the symmetric shift tensor `shift`
 * (ppm, site frame), rotor axis (x, y, z) and spinning rate `rotorPpm` (ν_r/|ν0|·10⁶).
 */
export function sidebandIntensities(
  shift: Float64Array,
  x: number,
  y: number,
  z: number,
  rotorPpm: number,
  plan: SidebandPlan,
  out: Float64Array,
  outOff: number,
): void {
  const [e1x, e1y, e1z, e2x, e2y, e2z] = perpendicularPair(x, y, z);
  const r = [x, y, z];
  const e1 = [e1x, e1y, e1z];
  const e2 = [e2x, e2y, e2z];
  const a1 = 2 * COS_M * SIN_M * bilinear(shift, e1, r);
  const b1 = 2 * COS_M * SIN_M * bilinear(shift, e2, r);
  const a2 =
    0.5 * SIN_M * SIN_M * (quadraticForm(shift, e1x, e1y, e1z) - quadraticForm(shift, e2x, e2y, e2z));
  const b2 = SIN_M * SIN_M * bilinear(shift, e1, e2);
  const { orders: K, samples: M, cos, sin } = plan;
  const re = new Float64Array(M);
  const im = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    const c2 = cos[(2 * m) % M]!;
    const s2 = sin[(2 * m) % M]!;
    const phi = (a1 * sin[m]! - b1 * cos[m]! + 0.5 * (a2 * s2 - b2 * c2)) / rotorPpm;
    re[m] = Math.cos(phi);
    im[m] = Math.sin(phi);
  }
  for (let k = -K; k <= K; k++) {
    let sr = 0;
    let si = 0;
    for (let m = 0; m < M; m++) {
      const idx = (((k * m) % M) + M) % M; // e^{−ikτ_m} = cos − i sin
      const c = cos[idx]!;
      const s = sin[idx]!;
      sr += re[m]! * c + im[m]! * s;
      si += im[m]! * c - re[m]! * s;
    }
    out[outOff + k + K] = (sr * sr + si * si) / (M * M);
  }
}
