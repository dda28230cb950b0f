import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { efgMetrics } from "../../src/metrics/efg.js";
import { msMetrics } from "../../src/metrics/ms.js";
import { efgParams } from "../../src/nmr/efg.js";
import { isotope } from "../../src/nmr/isotopes.js";
import { rotateTensor } from "../../src/nmr/spherical.js";

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
  const species = Int32Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 3 : 22)); // Li, Ti

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
    expect(JSON.parse(JSON.stringify(m)).Ti.cqTilde.mae).toBe(0); // plain JSON
  });

  it("prediction = 2·reference: C̃Q error = |Vzz|/σ, η̃ error = |Vxx−Vyy|/μ with the reference μ, σ of |Vzz|", () => {
    const pred = ref.map((v) => 2 * v);
    const m = efgMetrics(ref, pred, species, { isotopes: { Ti: "49Ti" } });
    expect(m.Ti!.isotope).toBe("49Ti");
    for (const [el, z] of [
      ["Li", 3],
      ["Ti", 22],
    ] as const) {
      const iso = isotope(el === "Ti" ? "49Ti" : "7Li");
      const ps = [];
      for (let i = 0; i < n; i++) if (species[i] === z) ps.push(efgParams(ref, 9 * i, iso));
      // Vzz fixed positive (Harper methods): μ, σ of |Vzz|; doubling gives errors |Vzz|/σ and η|Vzz|/μ
      const vzz = ps.map((p) => Math.abs(p.vzz));
      const mu = vzz.reduce((a, b) => a + b, 0) / vzz.length;
      const sigma = Math.sqrt(vzz.reduce((a, b) => a + (b - mu) ** 2, 0) / vzz.length);
      const expC = vzz.reduce((a, b) => a + b, 0) / vzz.length / sigma;
      const expE = ps.reduce((a, p) => a + Math.abs(p.vxx - p.vyy), 0) / ps.length / mu;
      const expW = ps.reduce((a, p) => a + Math.abs(p.omegaQLab), 0) / ps.length;
      const s = m[el]!;
      expect(s.vzzMean).toBeCloseTo(mu, 14);
      expect(s.cqTilde.mae).toBeCloseTo(expC, 12); // sums of ~20 O(1) terms
      expect(s.etaTilde.mae).toBeCloseTo(expE, 12);
      expect(s.q.mean).toBe(1); // scaling does not change the frame
      expect(s.theta.mae).toBeLessThan(1e-9); // same eigenvectors up to round-off
      expect(s.eta.mae).toBeLessThan(1e-12); // η is scale invariant
      expect(s.omegaQLab!.mae).toBeCloseTo(expW, 9); // ω_Q doubles: error = |ω_Q(ref)|, values ~1e2–1e3 kHz
    }
  });

  it("a rotation by Θ about the lab z axis: θ unchanged, φ shifted by Θ, q̃ ≥ |cos Θ/2|", () => {
    const th = (10 * Math.PI) / 180;
    const R = Float64Array.of(Math.cos(th), -Math.sin(th), 0, Math.sin(th), Math.cos(th), 0, 0, 0, 1);
    const pred = new Float64Array(ref.length);
    for (let i = 0; i < n; i++) rotateTensor(R, ref, 9 * i, pred, 9 * i);
    const m = efgMetrics(ref, pred, species);
    for (const s of Object.values(m)) {
      expect(s.theta.mae).toBeLessThan(1e-9);
      expect(Math.abs(s.phi.mae - 10)).toBeLessThan(1e-9); // φ rotates with the axis (edge handled)
      expect(s.cqTilde.mae).toBeLessThan(1e-12);
      expect(s.omegaQLab!.mae).toBeLessThan(1e-9); // a rotation about B0 leaves the exact ω_Q unchanged
      expect(s.q.min).toBeGreaterThanOrEqual(Math.cos(th / 2) - 1e-12); // the D2 max can only raise it
    }
  });

  it("eigenvalue-ambiguity correction: η ≈ 1 with the Vzz sign swapped jumps to a perpendicular axis; corrected ≈ 0", () => {
    const R = new Rng(5).rotation();
    const r1 = new Float64Array(9);
    const p1 = new Float64Array(9);
    // reference: Vzz = −1.00 on column 2 of R (η = 0.98); prediction: +0.992 on column 3 now has the largest |V|
    fromPrincipal([0.01, -1.0, 0.99], R, r1, 0);
    fromPrincipal([-0.002, -0.99, 0.992], R, p1, 0);
    const m = efgMetrics(r1, p1, Int32Array.of(8)).O!;
    const a = efgParams(r1, 0, null);
    const b = efgParams(p1, 0, null);
    expect(Math.sign(a.vzz)).not.toBe(Math.sign(b.vzz)); // the NQR Vzz axis switched
    expect(m.theta.mae + m.phi.mae).toBeGreaterThan(5); // uncorrected: compares perpendicular axes
    expect(m.thetaCorrected.mae).toBeLessThan(1e-9); // corrected: the same axis (column 2 of R)
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
    expect(Math.abs(m.iso.mae - 1)).toBeLessThan(1e-12); // ppm ~400: a few ulps
    expect(m.zeta.mae).toBeLessThan(1e-11);
    expect(m.span.mae).toBeLessThan(1e-11);
    expect(m.skew.mae).toBeLessThan(1e-12);
    expect(Math.abs(m.components.t0.rmse - Math.sqrt(3))).toBeLessThan(1e-12); // T0 = tr/√3 shifts by 3/√3
    expect(m.components.t2.rmse).toBeLessThan(1e-12);
  });
});
