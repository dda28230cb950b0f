import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { isotope } from "../../src/nmr/isotopes.js";
import { cartesianToSpherical } from "../../src/nmr/spherical.js";
import { Binner } from "../../src/spectra/bins.js";
import { gaussianBroaden, lorentzianBroaden } from "../../src/spectra/broaden.js";
import { spectralOverlap } from "../../src/spectra/overlap.js";
import { simulateSpectrum } from "../../src/spectra/simulate.js";
import { sampleTensor, spectrumBand } from "../../src/spectra/uncertainty.js";

/** Tent density (unit area) on [a, c] with apex b, integrated over [lo, hi] by the midpoint rule. */
function tentMass(a: number, b: number, c: number, lo: number, hi: number): number {
  const n = 20000;
  const h = (hi - lo) / n;
  const height = 2 / (c - a);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = lo + (i + 0.5) * h;
    if (x > a && x < c) s += x <= b ? (height * (x - a)) / (b - a) : (height * (c - x)) / (c - b);
  }
  return s * h;
}

describe("Binner: exact bin integrals of the tent density", () => {
  const cases: [string, number, number, number][] = [
    ["narrow (direct)", 3.2, 4.1, 5.9],
    ["wide (ramp form)", 2.3, 7.75, 15.4],
    ["wide, apex at the low end", 4.6, 4.6, 12.2],
    ["wide, apex at the high end", 4.6, 12.2, 12.2],
    ["straddling the left edge", -6.4, -1.2, 5.3],
    ["straddling the right edge", 14.1, 17.3, 25.8],
  ];
  for (const [name, a, b, c] of cases) {
    it(name, () => {
      const n = 20;
      const bins = new Binner(n);
      bins.addTent(c, a, b, 0.7); // vertex order does not matter
      const m = bins.masses();
      for (let j = 0; j < n; j++) {
        // midpoint rule with 20 000 steps per bin: error < 10⁻⁷ for this piecewise-linear density
        expect(m[j]!).toBeCloseTo(0.7 * tentMass(a, b, c, j - 0.5, j + 0.5), 6);
      }
    });
  }

  it("sticks land in the nearest bin, off-grid mass is dropped", () => {
    const bins = new Binner(5);
    bins.addStick(2.4, 1);
    bins.addStick(-0.6, 1);
    bins.addTent(7, 7, 7, 1);
    expect(Array.from(bins.masses())).toEqual([0, 0, 1, 0, 0]);
  });
});

describe("broadening", () => {
  it("Gaussian: keeps the area and adds σ² to the variance", () => {
    const x = new Float64Array(801);
    x[300] = 0.3;
    x[500] = 0.7;
    const step = 0.05;
    const fwhm = 2;
    const y = gaussianBroaden(x, step, fwhm);
    const mom = (v: Float64Array) => {
      let m0 = 0;
      let m1 = 0;
      let m2 = 0;
      v.forEach((w, j) => {
        m0 += w;
        m1 += w * j * step;
        m2 += w * (j * step) ** 2;
      });
      return { m0, mean: m1 / m0, variance: m2 / m0 - (m1 / m0) ** 2 };
    };
    const a = mom(x);
    const b = mom(y);
    const sigma = fwhm / (2 * Math.sqrt(2 * Math.LN2));
    expect(b.m0).toBeCloseTo(a.m0, 12);
    expect(b.mean).toBeCloseTo(a.mean, 9);
    // a Gaussian sampled at 1/17 of σ has the continuous variance to ~10⁻⁶ relative
    expect(b.variance - a.variance).toBeCloseTo(sigma * sigma, 4);
  });

  it("Lorentzian: a central line keeps (2/π)·atan(2L/Γ) of its area inside a window of half-length L", () => {
    const n = 2001;
    const x = new Float64Array(n);
    x[1000] = 1;
    const step = 0.01;
    const fwhm = 0.5;
    const y = lorentzianBroaden(x, step, fwhm);
    const inside = y.reduce((s, v) => s + v, 0);
    const halfLength = 1000.5 * step; // the outer bin edges
    expect(inside).toBeCloseTo((2 / Math.PI) * Math.atan(halfLength / (fwhm / 2)), 12);
    expect(y[1000]!).toBeGreaterThan(y[1025]! * 1.99); // half maximum at Γ/2 = 25 steps (bin-integrated)
    expect(y[1000]!).toBeLessThan(y[1025]! * 2.01);
  });
});

describe("spectral overlap 1 − ½∫|a − b|", () => {
  const box = (n: number, from: number, to: number, step: number) =>
    Float64Array.from({ length: n }, (_, j) => (j >= from && j < to ? 1 / ((to - from) * step) : 0));
  it("is 1 for identical spectra, 0 for disjoint ones, ½ for unit boxes shifted by half their width", () => {
    const step = 0.5;
    const a = box(100, 10, 30, step);
    expect(spectralOverlap(a, a, step)).toBeCloseTo(1, 14);
    expect(spectralOverlap(a, box(100, 40, 60, step), step)).toBeCloseTo(0, 14);
    expect(spectralOverlap(a, box(100, 20, 40, step), step)).toBeCloseTo(0.5, 14);
  });
  it("refuses spectra on different grids", () => {
    expect(() => spectralOverlap(new Float64Array(3), new Float64Array(4), 1)).toThrow(EngineError);
  });
});

describe("uncertainty from predictive variances", () => {
  it("sampleTensor draws the T2 components with the given standard deviations and leaves T0, T1 alone", () => {
    const rng = new Rng(42);
    const mean = [1, 0.2, -0.3, 0.2, -0.4, 0.1, -0.3, 0.1, 2];
    const std = new Float64Array([0.1, 0.2, 0.05, 0.3, 0.15]);
    const m = new Float64Array(9);
    cartesianToSpherical(mean, 0, m);
    const n = 4000;
    const sum = new Float64Array(9);
    const sum2 = new Float64Array(9);
    const s = new Float64Array(9);
    for (let k = 0; k < n; k++) {
      cartesianToSpherical(sampleTensor(mean, std, rng), 0, s);
      for (let c = 0; c < 9; c++) {
        sum[c]! += s[c]! - m[c]!;
        sum2[c]! += (s[c]! - m[c]!) ** 2;
      }
    }
    for (let c = 0; c < 4; c++) expect(Math.abs(sum2[c]!)).toBeLessThan(1e-20);
    for (let c = 0; c < 5; c++) {
      // sampling error of a standard deviation from 4000 draws: 1/√8000 ≈ 1.1 %; 4 % is 3.5σ
      expect(Math.sqrt(sum2[4 + c]! / n) / std[c]!).toBeGreaterThan(0.96);
      expect(Math.sqrt(sum2[4 + c]! / n) / std[c]!).toBeLessThan(1.04);
      expect(Math.abs(sum[4 + c]! / n)).toBeLessThan((4 * std[c]!) / Math.sqrt(n));
    }
  });

  it("the band brackets the spectrum, is reproducible with a seed, and collapses for zero variance", () => {
    const al = isotope("27Al");
    const efg = [-0.05, 0, 0, 0, -0.1, 0, 0, 0, 0.15];
    const options = {
      isotope: al,
      fieldT: 9.4,
      mode: "mas" as const,
      from: -40,
      to: 10,
      points: 201,
      gaussianPpm: 1,
    };
    const site = { shift: null, efg, efgStd: new Float64Array(5).fill(0.01) };
    const a = spectrumBand([site], options, { samples: 20, seed: 3 });
    const b = spectrumBand([site], options, { samples: 20, seed: 3 });
    expect(Array.from(a.lower)).toEqual(Array.from(b.lower));
    expect(Array.from(a.upper)).toEqual(Array.from(b.upper));
    const widths = a.upper.map((u, j) => u - a.lower[j]!);
    expect(Math.max(...widths)).toBeGreaterThan(0);
    for (let j = 0; j < a.lower.length; j++) expect(a.lower[j]!).toBeLessThanOrEqual(a.upper[j]!);
    const still = spectrumBand([{ ...site, efgStd: new Float64Array(5) }], options, { samples: 5, seed: 1 });
    const mean = simulateSpectrum([site], options);
    for (let j = 0; j < mean.intensity.length; j++) {
      expect(still.lower[j]!).toBeCloseTo(mean.intensity[j]!, 12);
      expect(still.upper[j]!).toBeCloseTo(mean.intensity[j]!, 12);
    }
  });
});

describe("bad input", () => {
  const o = { isotope: isotope("27Al"), fieldT: 9.4, mode: "mas" as const, from: -10, to: 10, points: 101 };
  const site = { shift: null, efg: [-0.05, 0, 0, 0, -0.1, 0, 0, 0, 0.15] };
  const fails = (f: () => unknown, field: string, text: RegExp) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(EngineError);
      expect((e as EngineError).field).toBe(field);
      expect((e as EngineError).message).toMatch(text);
      return;
    }
    throw new Error("no error thrown");
  };
  it("names the offending field", () => {
    fails(
      () => simulateSpectrum([site], { ...o, isotope: isotope("14N") }),
      "isotope",
      /14N \(I = 1\) has no central transition/,
    );
    fails(
      () => simulateSpectrum([site], { ...o, mode: "static", spinningRateKHz: 10 }),
      "spinningRate",
      /needs mode 'mas'/,
    );
    fails(() => simulateSpectrum([site], { ...o, points: 1 }), "points", /integer ≥ 2/);
    fails(() => simulateSpectrum([site], { ...o, to: -10 }), "from", /different finite/);
    fails(() => simulateSpectrum([site], { ...o, fieldT: 0 }), "field", /positive/);
    fails(() => simulateSpectrum([{ ...site, weight: -1 }], o), "weight", /non-negative/);
    fails(() => simulateSpectrum([], o), "species", /no sites/);
  });
});
