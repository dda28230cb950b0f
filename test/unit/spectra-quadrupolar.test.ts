import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { jacobiEigh } from "../../src/math/symeig.js";
import { CQ_HZ_PER_MB_AU, type Isotope, isotope, larmorFrequencyMHz } from "../../src/nmr/isotopes.js";
import { masOffset, secondOrderPpmPerAu2, siteFrame, staticOffset } from "../../src/spectra/frequencies.js";
import { type Spectrum, type SpectrumOptions, simulateSpectrum } from "../../src/spectra/simulate.js";

const al27 = isotope("27Al");

/** Traceless EFG in its principal frame (NQR order) with Vzz for the given CQ (MHz) and asymmetry η. */
function pasEfg(iso: Isotope, cqMHz: number, eta: number): Float64Array {
  const vzz = (cqMHz * 1e6) / (CQ_HZ_PER_MB_AU * iso.qMb);
  return new Float64Array([(-vzz * (1 - eta)) / 2, 0, 0, 0, (-vzz * (1 + eta)) / 2, 0, 0, 0, vzz]);
}

/**
 * Exact central-transition offset (Hz) of spin I for B0 ∥ z and the lab-frame EFG V (a.u.): diagonalise the full
 * Zeeman + quadrupole Hamiltonian H/h = −ν0 Iz + k·Σ V_ij I_i I_j (k = CQ_HZ_PER_MB_AU·Q/(2I(2I−1)) Hz/a.u.),
 * written out here from the angular-momentum matrices, as a real symmetric 2n×2n embedding of the Hermitian n×n
 * matrix; ν_CT − ν0 = E(−½) − E(½) − ν0. Independent of src/spectra.
 */
function exactCentralTransitionHz(iso: Isotope, nu0Hz: number, v: Float64Array): number {
  const I = iso.spin;
  const n = Math.round(2 * I + 1);
  const m = Array.from({ length: n }, (_, a) => I - a);
  // complex n×n matrices as [re, im]
  type C = [Float64Array, Float64Array];
  const zero = (): C => [new Float64Array(n * n), new Float64Array(n * n)];
  const ix = zero();
  const iy = zero();
  const iz = zero();
  for (let a = 0; a < n; a++) {
    iz[0][a * n + a] = m[a]!;
    if (a > 0) {
      // <m+1| I+ |m>, row a−1 (m+1), column a (m)
      const c = Math.sqrt(I * (I + 1) - m[a]! * (m[a]! + 1));
      ix[0][(a - 1) * n + a] = c / 2;
      ix[0][a * n + a - 1] = c / 2;
      iy[1][(a - 1) * n + a] = -c / 2; // (I+ − I−)/(2i): −i c/2 above the diagonal
      iy[1][a * n + a - 1] = c / 2;
    }
  }
  const mul = (p: C, q: C): C => {
    const r = zero();
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        let re = 0;
        let im = 0;
        for (let c = 0; c < n; c++) {
          const pr = p[0][a * n + c]!;
          const pi = p[1][a * n + c]!;
          const qr = q[0][c * n + b]!;
          const qi = q[1][c * n + b]!;
          re += pr * qr - pi * qi;
          im += pr * qi + pi * qr;
        }
        r[0][a * n + b] = re;
        r[1][a * n + b] = im;
      }
    }
    return r;
  };
  const ops = [ix, iy, iz];
  const k = (CQ_HZ_PER_MB_AU * iso.qMb) / (2 * I * (2 * I - 1));
  const h = zero();
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const p = mul(ops[i]!, ops[j]!);
      for (let e = 0; e < n * n; e++) {
        h[0][e]! += k * v[3 * i + j]! * p[0][e]!;
        h[1][e]! += k * v[3 * i + j]! * p[1][e]!;
      }
    }
  }
  for (let a = 0; a < n; a++) h[0][a * n + a]! -= nu0Hz * m[a]!;
  const big = new Float64Array(4 * n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const re = h[0][a * n + b]!;
      const im = h[1][a * n + b]!;
      big[a * 2 * n + b] = re;
      big[(a + n) * 2 * n + b + n] = re;
      big[a * 2 * n + b + n] = -im;
      big[(a + n) * 2 * n + b] = im;
    }
  }
  const values = Array.from(jacobiEigh(big, 2 * n).values).sort((x, y) => x - y);
  const e = values.filter((_, i) => i % 2 === 0); // each level appears twice in the embedding
  // ascending energies belong to m = I, I−1, …, −I (Zeeman-dominated, γ > 0 as the δ-scale convention)
  const half = Math.round(I - 0.5);
  return e[half + 1]! - e[half]! - nu0Hz;
}

/** Lab-frame tensor for field direction b (PAS): rows of R are e1, e2, b, so (R V Rᵀ)_zz = bᵀVb. */
function labTensor(v: Float64Array, b: [number, number, number]): Float64Array {
  const [x, y, z] = b;
  const a = Math.abs(x) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const d = a[0]! * x + a[1]! * y + a[2]! * z;
  let e1 = [a[0]! - d * x, a[1]! - d * y, a[2]! - d * z];
  const nn = Math.hypot(e1[0]!, e1[1]!, e1[2]!);
  e1 = e1.map((q) => q / nn);
  const e2 = [y * e1[2]! - z * e1[1]!, z * e1[0]! - x * e1[2]!, x * e1[1]! - y * e1[0]!];
  const R = [e1, e2, [x, y, z]];
  const out = new Float64Array(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) s += R[i]![p]! * v[3 * p + q]! * R[j]![q]!;
      out[3 * i + j] = s;
    }
  return out;
}

function randomUnit(rng: Rng): [number, number, number] {
  const v = [rng.normal(), rng.normal(), rng.normal()];
  const n = Math.hypot(v[0]!, v[1]!, v[2]!);
  return [v[0]! / n, v[1]! / n, v[2]! / n];
}

function moments(s: Spectrum): { mean: number; sd: number } {
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  s.ppm.forEach((x, j) => {
    m0 += s.intensity[j]!;
    m1 += s.intensity[j]! * x;
    m2 += s.intensity[j]! * x * x;
  });
  const mean = m1 / m0;
  return { mean, sd: Math.sqrt(m2 / m0 - mean * mean) };
}

function supportAndPeak(s: Spectrum, lo: number, hi: number): { first: number; last: number; peak: number } {
  let first = Number.NaN;
  let last = Number.NaN;
  let peak = Number.NaN;
  let best = -1;
  s.ppm.forEach((x, j) => {
    const y = s.intensity[j]!;
    if (y > 0) {
      if (Number.isNaN(first)) first = x;
      last = x;
    }
    if (x >= lo && x <= hi && y > best) {
      best = y;
      peak = x;
    }
  });
  return { first, last, peak };
}

const opts = (o: Partial<SpectrumOptions>): SpectrumOptions => ({
  isotope: al27,
  fieldT: 9.4,
  mode: "mas",
  from: -60,
  to: 10,
  points: 1401,
  ...o,
});

describe("second-order central transition, per orientation", () => {
  // Third-order terms are ~ν_Q³/ν0², below 0.2 % of the second-order offset for these couplings at 20 T; the
  // exact eigenvalues (~10⁹ Hz) carry ~10⁻⁶ Hz of round-off.
  for (const [name, cq, eta] of [
    ["27Al", 3, 0.4],
    ["23Na", 2.5, 0.8],
    ["43Ca", 1.5, 0.1],
  ] as const) {
    it(`${name}: static offset equals exact diagonalisation of Zeeman + quadrupole`, () => {
      const iso = isotope(name);
      const nu0 = larmorFrequencyMHz(iso, 20) * 1e6;
      const v = pasEfg(iso, cq, eta);
      const frame = siteFrame(null, v);
      const q = secondOrderPpmPerAu2(iso, nu0 / 1e6);
      const rng = new Rng(1);
      for (let t = 0; t < 6; t++) {
        const b = randomUnit(rng);
        const exact = exactCentralTransitionHz(iso, nu0, labTensor(v, b));
        const ours = (staticOffset(frame, q, b[0], b[1], b[2]) * nu0) / 1e6;
        expect(Math.abs(ours - exact)).toBeLessThan(2e-3 * Math.abs(exact) + 1e-3);
      }
    });
  }

  it("infinitely fast MAS offset equals the rotor-period average of the exact offset at the magic angle", () => {
    const nu0 = larmorFrequencyMHz(al27, 20) * 1e6;
    const v = pasEfg(al27, 3, 0.6);
    const frame = siteFrame(null, v);
    const q = secondOrderPpmPerAu2(al27, nu0 / 1e6);
    const rng = new Rng(2);
    const c = 1 / Math.sqrt(3);
    const s = Math.sqrt(2 / 3);
    for (let t = 0; t < 4; t++) {
      const r = randomUnit(rng);
      const a = Math.abs(r[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
      const d = a[0]! * r[0] + a[1]! * r[1] + a[2]! * r[2];
      let e1 = [a[0]! - d * r[0], a[1]! - d * r[1], a[2]! - d * r[2]];
      const nn = Math.hypot(e1[0]!, e1[1]!, e1[2]!);
      e1 = e1.map((x) => x / nn);
      const e2 = [
        r[1] * e1[2]! - r[2] * e1[1]!,
        r[2] * e1[0]! - r[0] * e1[2]!,
        r[0] * e1[1]! - r[1] * e1[0]!,
      ];
      // the offset is a trigonometric polynomial of degree 4 in the rotor phase: 16 phases average it exactly
      let mean = 0;
      for (let p = 0; p < 16; p++) {
        const tau = (2 * Math.PI * p) / 16;
        const b = [0, 1, 2].map((i) => c * r[i]! + s * (Math.cos(tau) * e1[i]! + Math.sin(tau) * e2[i]!)) as [
          number,
          number,
          number,
        ];
        mean += exactCentralTransitionHz(al27, nu0, labTensor(v, b)) / 16;
      }
      const ours = (masOffset(frame, q, r[0], r[1], r[2]) * nu0) / 1e6;
      expect(Math.abs(ours - mean)).toBeLessThan(2e-3 * Math.abs(mean) + 1e-3);
    }
  });
});

describe("second-order central transition, powder line shapes", () => {
  it("MAS centre of gravity: δ_iso − (3/40)(CQ/ν0)²[I(I+1)−3/4]/[I²(2I−1)²](1+η²/3)·10⁶ ppm (α-Al2O3: −2.93 ppm)", () => {
    const nu0 = larmorFrequencyMHz(al27, 9.4);
    // Larmor frequency of 27Al at 9.4 T from Ξ = 26.056859 % (Harris et al. 2001): 104.29 MHz
    expect(nu0).toBeCloseTo(104.287, 2);
    const expected = (cq: number, eta: number): number =>
      -(3 / 40) * (cq / nu0) ** 2 * ((2.5 * 3.5 - 0.75) / (2.5 ** 2 * 4 ** 2)) * (1 + eta ** 2 / 3) * 1e6;
    expect(expected(2.305, 0)).toBeCloseTo(-2.93, 2);
    for (const [cq, eta, iso] of [
      [2.305, 0, 0],
      [5, 0.7, 30],
    ] as const) {
      const shift = [iso + 12, 3, 0, 3, iso - 5, 0, 0, 0, iso - 7]; // anisotropic: averaged away by MAS
      const s = simulateSpectrum(
        [{ shift, efg: pasEfg(al27, cq, eta) }],
        opts({ from: -40, to: 50, points: 3601, orientations: 20000 }),
      );
      // tent quadrature error O(1/n²) of the line width: ~10⁻⁴ · 10 ppm at n = 100 (20 000 orientations)
      expect(Math.abs(moments(s).mean - iso - expected(cq, eta))).toBeLessThan(1e-3);
    }
  });

  it("η = 0 MAS line: edges and horns at the analytic positions", () => {
    // ν − ν_iso = −(ν_Q²/ν0)(I(I+1) − 3/4)[1/30 + P4(cos β)/20] for η = 0 (Freude & Haase 1993): the line runs
    // from β = 0 (−1/12, a step) to cos²β = 3/7 (−1/84, a divergence), with a second horn at β = 90° (−5/96).
    const cq = 6;
    const nu0 = larmorFrequencyMHz(al27, 9.4);
    const nuQ = (3 * cq) / (2 * 2.5 * 4);
    const unit = ((nuQ ** 2 / nu0) * (2.5 * 3.5 - 0.75) * 1e6) / nu0; // ppm
    const s = simulateSpectrum([{ shift: null, efg: pasEfg(al27, cq, 0) }], opts({ orientations: 50000 }));
    const h = 0.05;
    const mid = (-unit * (5 / 96 + 1 / 84)) / 2;
    const low = supportAndPeak(s, -60, mid);
    const high = supportAndPeak(s, mid, 10);
    expect(Math.abs(low.first - -unit / 12)).toBeLessThanOrEqual(h);
    expect(Math.abs(low.last - -unit / 84)).toBeLessThanOrEqual(h);
    expect(Math.abs(low.peak - (-unit * 5) / 96)).toBeLessThanOrEqual(2 * h);
    expect(Math.abs(high.peak - -unit / 84)).toBeLessThanOrEqual(2 * h);
  });

  it("η = 0 static line: edges at −16/9 and +1 times ν_Q²(I(I+1)−3/4)/(16ν0)", () => {
    // Abragam: ν − ν_iso = −(ν_Q²/16ν0)(I(I+1) − 3/4)(1 − cos²β)(9cos²β − 1): minimum at cos²β = 5/9, maximum at
    // β = 90°, both divergent (the two horns), and a step at 0 (β = 0).
    const cq = 4;
    const nu0 = larmorFrequencyMHz(al27, 9.4);
    const nuQ = (3 * cq) / (2 * 2.5 * 4);
    const u = ((nuQ ** 2 / (16 * nu0)) * (2.5 * 3.5 - 0.75) * 1e6) / nu0;
    const s = simulateSpectrum(
      [{ shift: null, efg: pasEfg(al27, cq, 0) }],
      opts({ mode: "static", from: -35, to: 20, points: 1101, orientations: 50000 }),
    );
    const h = 0.05;
    const all = supportAndPeak(s, -35, 20);
    expect(Math.abs(all.first - (-16 / 9) * u)).toBeLessThanOrEqual(h);
    expect(Math.abs(all.last - u)).toBeLessThanOrEqual(h);
    expect(Math.abs(supportAndPeak(s, -35, -u).peak - (-16 / 9) * u)).toBeLessThanOrEqual(2 * h);
    expect(Math.abs(supportAndPeak(s, 0.5 * u, 20).peak - u)).toBeLessThanOrEqual(2 * h);
  });

  it("field scaling: the second-order width and shift in ppm scale as 1/B0²", () => {
    const efg = pasEfg(al27, 5, 0.3);
    const a = moments(simulateSpectrum([{ shift: null, efg }], opts({ fieldT: 9.4 })));
    const b = moments(simulateSpectrum([{ shift: null, efg }], opts({ fieldT: 18.8 })));
    // both lines lie well inside the grid; discretisation error of the moments < 0.5 %
    expect(a.mean / b.mean).toBeCloseTo(4, 2);
    expect(a.sd / b.sd).toBeCloseTo(4, 1);
  });
});
