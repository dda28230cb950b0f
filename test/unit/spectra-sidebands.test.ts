import { describe, expect, it } from "vitest";
import { isotope, larmorFrequencyMHz } from "../../src/nmr/isotopes.js";
import { simulateSpectrum } from "../../src/spectra/simulate.js";
import { gaussLegendre } from "../helpers/quadrature.js";

const si29 = isotope("29Si");
// a non-axial shift tensor, not diagonal in the frame it is given in (ppm)
const SHIFT = [-80, 12, -6, 12, -110, 9, -6, 9, -140];
const ISO = (SHIFT[0]! + SHIFT[4]! + SHIFT[8]!) / 3;

/**
 * Sideband intensities by brute force, written independently of src/spectra: crystallites on a product grid
 * (Gauss–Legendre in cos β × uniform α for the rotor axis, uniform rotor phase γ), the field direction in the
 * crystal frame b(t) = Q(sin θm cos(ωt + γ), sin θm sin(ωt + γ), cos θm) with Q = Rz(α)Ry(β) (rotor axis at polar
 * angle β, azimuth α), the precession
 * phase Φ(t) = ∫(ν(t) − ν_iso) dt by the trapezoidal rule over one rotor period, the powder-averaged signal
 * ⟨exp(iΦ)⟩, and its Fourier coefficients over the rotor period: I_k = (1/T)∫⟨s(t)⟩ e^{−ikω_r t} dt.
 * Frequencies in ppm, time in rotor periods (ν_r = rotorPpm).
 */
function bruteForceSidebands(
  rotorPpm: number,
  kmax: number,
  nb = 24,
  nAlpha = 48,
  nGamma = 16,
  steps = 512,
): number[] {
  const gl = gaussLegendre(nb);
  const cm = 1 / Math.sqrt(3);
  const sm = Math.sqrt(2 / 3);
  const re = new Float64Array(steps);
  const im = new Float64Array(steps);
  let wsum = 0;
  for (let ib = 0; ib < gl.x.length; ib++) {
    const cb = gl.x[ib]!;
    const sb = Math.sqrt(1 - cb * cb);
    for (let ia = 0; ia < nAlpha; ia++) {
      const a = (2 * Math.PI * ia) / nAlpha;
      const ca = Math.cos(a);
      const sa = Math.sin(a);
      // Q = Rz(α)Ry(β), row-major: takes the rotor frame to the crystal frame
      const q = [ca * cb, -sa, ca * sb, sa * cb, ca, sa * sb, -sb, 0, cb];
      for (let ig = 0; ig < nGamma; ig++) {
        const g = (2 * Math.PI * ig) / nGamma;
        const w = gl.w[ib]! / (nAlpha * nGamma);
        let phase = 0;
        let prev = 0;
        for (let s = 0; s <= steps; s++) {
          const t = (2 * Math.PI * s) / steps + g;
          const r = [sm * Math.cos(t), sm * Math.sin(t), cm];
          const b = [0, 1, 2].map((i) => q[3 * i]! * r[0]! + q[3 * i + 1]! * r[1]! + q[3 * i + 2]! * r[2]!); // Q r
          let nu = 0;
          for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) nu += b[i]! * SHIFT[3 * i + j]! * b[j]!;
          const dnu = nu - ISO;
          if (s > 0) phase += (0.5 * (prev + dnu) * 2 * Math.PI) / (steps * rotorPpm); // dΦ/dτ = (ν − ν_iso)/ν_r
          prev = dnu;
          if (s < steps) {
            re[s]! += w * Math.cos(phase);
            im[s]! += w * Math.sin(phase);
          }
        }
        wsum += w;
      }
    }
  }
  const out: number[] = [];
  for (let k = -kmax; k <= kmax; k++) {
    let sr = 0;
    for (let s = 0; s < steps; s++) {
      const a = (-2 * Math.PI * k * s) / steps;
      sr += re[s]! * Math.cos(a) - im[s]! * Math.sin(a);
    }
    out.push(sr / steps / wsum);
  }
  return out;
}

describe("MAS spinning sidebands of the CSA", () => {
  const rateKHz = 1;
  const nu0 = larmorFrequencyMHz(si29, 9.4);
  const rotorPpm = (rateKHz * 1e3) / nu0;
  const perRotor = 20; // grid points per rotor period, so every sideband falls on a grid point
  const h = rotorPpm / perRotor;
  const k0 = 12;
  const spectrum = () =>
    simulateSpectrum([{ shift: SHIFT, efg: null }], {
      isotope: si29,
      fieldT: 9.4,
      mode: "mas",
      spinningRateKHz: rateKHz,
      from: ISO - k0 * rotorPpm,
      to: ISO + k0 * rotorPpm,
      points: 2 * k0 * perRotor + 1,
      orientations: 5000,
    });

  it("lines only at δ_iso + k·ν_r; intensities match a brute-force time-domain powder average", () => {
    const s = spectrum();
    expect(Math.abs(s.ppm[1]! - s.ppm[0]! - h)).toBeLessThan(1e-12);
    const sticks: number[] = [];
    for (let j = 0; j < s.intensity.length; j++) {
      const onSideband = j % perRotor === 0;
      if (!onSideband) expect(s.intensity[j]!).toBe(0);
      else sticks.push(s.intensity[j]! * h);
    }
    const ref = bruteForceSidebands(rotorPpm, 4);
    for (let k = -4; k <= 4; k++) {
      // both are powder quadratures converged to ~10⁻⁴ of the total intensity (5 000 tent-averaged vertices;
      // 24 × 48 × 16 crystallites with a 512-step trapezoidal phase; measured agreement 1·10⁻⁴)
      expect(Math.abs(sticks[k0 + k]! - ref[k + 4]!)).toBeLessThan(5e-4);
    }
    // the pattern is asymmetric well beyond that tolerance, so a mirrored k ↔ −k convention would fail above
    expect(Math.abs(ref[3]! - ref[5]!)).toBeGreaterThan(0.005);
  });

  it("Maricq–Waugh moments: Σ k I_k = 0 and Σ (kν_r)² I_k equals the static second moment 2‖S‖²/15", () => {
    const s = spectrum();
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    s.ppm.forEach((x, j) => {
      const w = s.intensity[j]! * h;
      m0 += w;
      m1 += w * (x - ISO);
      m2 += w * (x - ISO) ** 2;
    });
    let norm2 = 0;
    for (let i = 0; i < 9; i++) norm2 += (SHIFT[i]! - (i % 4 === 0 ? ISO : 0)) ** 2;
    // all but ~10⁻⁵ of the intensity lies within ±12 sidebands (span ≈ 5 ν_r)
    expect(m0).toBeCloseTo(1, 5);
    expect(Math.abs(m1)).toBeLessThan(1e-3 * rotorPpm);
    expect(m2 / ((2 * norm2) / 15)).toBeCloseTo(1, 2);
  });

  it("fast spinning leaves the isotropic line alone", () => {
    const s = simulateSpectrum([{ shift: SHIFT, efg: null }], {
      isotope: si29,
      fieldT: 9.4,
      mode: "mas",
      spinningRateKHz: 200,
      from: ISO - 10,
      to: ISO + 10,
      points: 201,
    });
    const centre = s.intensity[100]! * 0.1;
    // the first sidebands carry ~(span/ν_r)² ≈ 10⁻³ of the intensity at ν_r ≈ 25 span
    expect(centre).toBeGreaterThan(0.995);
    expect(Math.abs(s.ppm[100]! - ISO)).toBeLessThan(1e-12);
  });
});
