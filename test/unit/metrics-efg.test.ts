import { describe, expect, it } from "vitest";
import { Rng } from "../ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
../ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
src/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
core/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
rng.js";
import { efgMetrics } from "../ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
../ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
src/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
metrics/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
efg.js";
import { msMetrics } from "../ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
../ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
src/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
metrics/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
ms.js";
import { efgParams } from "../ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
../ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
src/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
nmr/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
efg.js";
import { isotope } from "../ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
../ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
src/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
nmr/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
isotopes.js";
import { rotateTensor } from "../ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
../ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
src/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
nmr/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
spherical.js";

function fromPrincipal(l: readonly number[], V: ArrayLike<number>, out: Float64Array, off: number): void {
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += V[3 * i + k]! * l[k]! * V[3 * j + k]!;
      out[off + 3 * i + j] = s;
    }
}

function randomSet(rng: Rng, n: number): Float64Array {
  const t = new Float64Array(9 * n);
  for (let i = 0; i < n; i++) {
    const a = 0.3 * rng.normal();
    const b = 0.3 * rng.normal() + 0.5;
    fromPrincipal([a, b, -a - b], rng.rotation(), t, 9 * i);
  }
  return t;
}

describe("efgMetrics", () => {
  const rng = new Rng(123);
  const n = 40;
  const ref = randomSet(rng, n);
  const species = Int32Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 3 : 22)); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 Li, Ti

  it("identical prediction: zero errors, r = 1, q̃ = 1 exactly", () => {
    const m = efgMetrics(ref, ref, species);
    expect(Object.keys(m).sort()).toEqual(["Li", "Ti"]);
    for (const s of Object.values(m)) {
      expect(s.n).toBe(20);
      expect(s.cqTilde.mae).toBe(0);
      expect(s.etaTilde.mae).toBe(0);
      expect(s.cqTilde.r).toBeCloseTo(1, 14);
      expect(s.q.mean).toBe(1);
      expect(s.q.p10).toBe(1);
      expect(s.theta.mae).toBe(0);
      expect(s.phi.mae).toBe(0);
      expect(s.omegaQLab!.mae).toBe(0);
      expect(s.maeVij).toBe(0);
      expect(s.t2.rmse).toBe(0);
    }
    expect(m.Ti!.isotope).toBe("47Ti");
    expect(m.Li!.isotope).toBe("7Li");
    expect(JSON.parse(JSON.stringify(m)).Ti.cqTilde.mae).toBe(0); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 plain JSON
  });

  it("prediction = 2·reference: C̃Q error = |Vzz|/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
σ, η̃ error = |Vxx−Vyy|/ 6const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
|μ| using the reference μ, σ", () => {
    const pred = ref.map((v) => 2 * v);
    const m = efgMetrics(ref, pred, species, { isotopes: { Ti: "49Ti" } });
    expect(m.Ti!.isotope).toBe("49Ti");
    for (const [el, z] of [
      ["Li", 3],
      ["Ti", 22],
    ] as const) {
      const ps = [];
      for (let i = 0; i < n; i++) if (species[i] === z) ps.push(efgParams(ref, 9 * i, null));
      const vzz = ps.map((p) => p.vzz);
      const mu = vzz.reduce((a, b) => a + b, 0) / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 vzz.length;
      const sigma = Math.sqrt(vzz.reduce((a, b) => a + (b - mu) ** 2, 0) / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 vzz.length);
      const expC = vzz.reduce((a, b) => a + Math.abs(b), 0) / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 vzz.length / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 sigma;
      const expE = ps.reduce((a, p) => a + Math.abs(p.vxx - p.vyy), 0) / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 ps.length / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 Math.abs(mu);
      const s = m[el]!;
      expect(s.vzzMean).toBeCloseTo(mu, 14);
      expect(s.cqTilde.mae).toBeCloseTo(expC, 12); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 sums of ~20 O(1) terms
      expect(s.etaTilde.mae).toBeCloseTo(expE, 12);
      expect(s.q.mean).toBe(1); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 scaling does not change the frame
      expect(s.theta.mae).toBeLessThan(1e-9); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 same eigenvectors up to round-off
      expect(s.eta.mae).toBeLessThan(1e-12); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 η is scale invariant
      / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 ω_Q doubles: error = |ω_Q(ref)|
      const iso = isotope(el === "Ti" ? "49Ti" : "7Li");
      const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
      expect(s.omegaQLab!.mae).toBeCloseTo(w.reduce((a, b) => a + b, 0) / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 w.length, 9); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 kHz values ~1e2–1e3
    }
  });

  it("a rotation by Θ about the lab z axis: θ unchanged, φ shifted by Θ, q̃ = |cos Θ/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
2| at most", () => {
    const th = (10 * Math.PI) / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 180;
    const R = Float64Array.of(Math.cos(th), -Math.sin(th), 0, Math.sin(th), Math.cos(th), 0, 0, 0, 1);
    const pred = new Float64Array(ref.length);
    for (let i = 0; i < n; i++) rotateTensor(R, ref, 9 * i, pred, 9 * i);
    const m = efgMetrics(ref, pred, species);
    for (const s of Object.values(m)) {
      expect(s.theta.mae).toBeLessThan(1e-9);
      expect(Math.abs(s.phi.mae - 10)).toBeLessThan(1e-9); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 φ rotates with the axis (edge handled)
      expect(s.cqTilde.mae).toBeLessThan(1e-12);
      expect(s.omegaQLab!.mae).toBeLessThan(1e-9); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 rotation about B0 leaves the exact ω_Q unchanged
      expect(s.q.min).toBeGreaterThanOrEqual(Math.cos(th / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 2) - 1e-12); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 ≥ |cos Θ/ 6const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
2| (D2 max can only raise it)
    }
  });

  it("eigenvalue-ambiguity correction: η ≈ 1 with Vzz sign swapped gives a 90° jump, corrected to ~0", () => {
    const rng2 = new Rng(5);
    const R = rng2.rotation();
    const r1 = new Float64Array(9);
    const p1 = new Float64Array(9);
    / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 reference: Vzz = −1.00 on column 2 of R (η = 0.98); prediction: +0.992 on column 3 now has the largest |V|
    fromPrincipal([0.01, -1.0, 0.99], R, r1, 0);
    fromPrincipal([-0.002, -0.99, 0.992], R, p1, 0);
    const m = efgMetrics(r1, p1, Int32Array.of(8)).O!;
    const a = efgParams(r1, 0, null);
    const b = efgParams(p1, 0, null);
    expect(Math.sign(a.vzz)).not.toBe(Math.sign(b.vzz)); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 the NQR Vzz axis switched
    expect(m.theta.mae + m.phi.mae).toBeGreaterThan(5); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 uncorrected: compares perpendicular axes
    expect(m.thetaCorrected.mae).toBeLessThan(1e-9); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 corrected: the same axis (column 2 of R)
    expect(m.phiCorrected.mae).toBeLessThan(1e-9);
  });
});

describe("msMetrics", () => {
  it("identical: zero errors; shifted by +1 ppm isotropic: σiso error 1, anisotropy errors 0", () => {
    const rng = new Rng(77);
    const n = 10;
    const ref = randomSet(rng, n).map((v) => 20 * v);
    for (let i = 0; i < n; i++) for (const k of [0, 4, 8]) ref[9 * i + k] = ref[9 * i + k]! + 400;
    const species = new Int32Array(n).fill(14);
    const same = msMetrics(ref, ref, species).Si!;
    expect(same.iso.mae).toBe(0);
    expect(same.q.mean).toBe(1);
    const shifted = ref.slice();
    for (let i = 0; i < n; i++) for (const k of [0, 4, 8]) shifted[9 * i + k] = shifted[9 * i + k]! + 1;
    const m = msMetrics(ref, shifted, species).Si!;
    expect(Math.abs(m.iso.mae - 1)).toBeLessThan(1e-12); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 ppm ~400: a few ulps
    expect(m.zeta.mae).toBeLessThan(1e-11);
    expect(m.span.mae).toBeLessThan(1e-11);
    expect(m.skew.mae).toBeLessThan(1e-12);
    expect(Math.abs(m.components.t0.rmse - Math.sqrt(3))).toBeLessThan(1e-12); / {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
 T0 = tr/ {6}const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
√3 shifts by 3/ 6const w: number[] = [];
      for (let i = 0; i < n; i++) if (species[i] === z) w.push(Math.abs(efgParams(ref, 9 * i, iso).omegaQLab));
√3
    expect(m.components.t2.rmse).toBeLessThan(1e-12);
  });
});
