import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { isotope } from "../../src/nmr/isotopes.js";
import { rotateTensor } from "../../src/nmr/spherical.js";
import { hemisphereGrid, powderOrientations } from "../../src/spectra/powder.js";
import { type Spectrum, type SpectrumOptions, simulateSpectrum } from "../../src/spectra/simulate.js";

const si29 = isotope("29Si");

/** Moments computed here from the arrays (not with the library's helper). */
function moments(s: Spectrum): { area: number; mean: number; variance: number } {
  const h = Math.abs(s.ppm[1]! - s.ppm[0]!);
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  for (let j = 0; j < s.ppm.length; j++) {
    m0 += s.intensity[j]!;
    m1 += s.intensity[j]! * s.ppm[j]!;
    m2 += s.intensity[j]! * s.ppm[j]! ** 2;
  }
  const mean = m1 / m0;
  return { area: m0 * h, mean, variance: m2 / m0 - mean * mean };
}

/** First and last grid points with intensity, and the position of the maximum. */
function support(s: Spectrum): { lo: number; hi: number; max: number } {
  let first = -1;
  let last = -1;
  let jmax = 0;
  for (let j = 0; j < s.intensity.length; j++) {
    if (s.intensity[j]! > 0) {
      if (first < 0) first = j;
      last = j;
    }
    if (s.intensity[j]! > s.intensity[jmax]!) jmax = j;
  }
  const a = s.ppm[first]!;
  const b = s.ppm[last]!;
  return { lo: Math.min(a, b), hi: Math.max(a, b), max: s.ppm[jmax]! };
}

/** Symmetric tensor R·diag(d)·Rᵀ for a random rotation (row-major 9). */
function tensorWithPrincipalValues(d: [number, number, number], rng: Rng): Float64Array {
  const out = new Float64Array(9);
  rotateTensor(rng.rotation(), [d[0], 0, 0, 0, d[1], 0, 0, 0, d[2]], 0, out);
  return out;
}

const base = (o: Partial<SpectrumOptions>): SpectrumOptions => ({
  isotope: si29,
  fieldT: 9.4,
  mode: "static",
  from: -20,
  to: 140,
  points: 1601,
  ...o,
});

describe("powder grid", () => {
  it("triangle solid angles tile the hemisphere: weights sum to 1, orientation count 2n(n+1)+1", () => {
    for (const n of [1, 4, 31]) {
      const g = hemisphereGrid(n);
      expect(g.vertices.length / 3).toBe(powderOrientations(n));
      expect(g.weights.length).toBe(4 * n * n);
      // exact solid angles: the only error is floating-point summation
      expect(g.weights.reduce((a, w) => a + w, 0)).toBeCloseTo(1, 12);
      for (let i = 0; i < g.vertices.length; i += 3) {
        expect(Math.hypot(g.vertices[i]!, g.vertices[i + 1]!, g.vertices[i + 2]!)).toBeCloseTo(1, 14);
        expect(g.vertices[i + 2]!).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

describe("static CSA powder pattern", () => {
  // Principal values δ11 ≥ δ22 ≥ δ33 (ppm) and the grid spacing 0.1 ppm.
  const cases: [string, [number, number, number]][] = [
    ["non-axial", [100, 40, 10]],
    ["axial (δ22 = δ33)", [110, 20, 20]],
    ["axial (δ11 = δ22)", [90, 90, 0]],
  ];
  for (const [name, d] of cases) {
    it(`${name}: edges at δ11 and δ33, maximum at δ22 (to the grid spacing), first moment δ_iso`, () => {
      const shift = tensorWithPrincipalValues(d, new Rng(7));
      const s = simulateSpectrum([{ shift, efg: null }], base({ orientations: 20000 }));
      const h = 0.1;
      const sup = support(s);
      expect(Math.abs(sup.hi - d[0])).toBeLessThanOrEqual(h);
      expect(Math.abs(sup.lo - d[2])).toBeLessThanOrEqual(h);
      expect(Math.abs(sup.max - d[1])).toBeLessThanOrEqual(h);
      const m = moments(s);
      expect(m.area).toBeCloseTo(1, 9);
      // tent interpolation is O(1/n²) accurate: at 20 000 orientations the mean is within 10⁻³ ppm of δ_iso
      expect(Math.abs(m.mean - (d[0] + d[1] + d[2]) / 3)).toBeLessThan(1e-3);
      // second moment of the static powder pattern: ⟨(bᵀSb)²⟩ = 2‖S‖²/15 for the anisotropic part S
      const iso = (d[0] + d[1] + d[2]) / 3;
      const norm2 = d.reduce((a, x) => a + (x - iso) ** 2, 0);
      expect(m.variance / ((2 * norm2) / 15)).toBeCloseTo(1, 3);
    });
  }

  it("the CSA line shape in ppm does not depend on the field", () => {
    const shift = tensorWithPrincipalValues([100, 40, 10], new Rng(3));
    const a = simulateSpectrum([{ shift, efg: null }], base({ fieldT: 7.05 }));
    const b = simulateSpectrum([{ shift, efg: null }], base({ fieldT: 21.1 }));
    for (let j = 0; j < a.intensity.length; j++) expect(b.intensity[j]!).toBeCloseTo(a.intensity[j]!, 12);
  });

  it("powder averaging converges: L1 distance to a 10⁵-orientation reference falls with the orientation count", () => {
    const shift = tensorWithPrincipalValues([100, 40, 10], new Rng(11));
    const o = base({ points: 401, gaussianPpm: 2 });
    const ref = simulateSpectrum([{ shift, efg: null }], { ...o, orientations: 100000 });
    const h = Math.abs(ref.ppm[1]! - ref.ppm[0]!);
    const l1 = (n: number): number => {
      const s = simulateSpectrum([{ shift, efg: null }], { ...o, orientations: n });
      return s.intensity.reduce((a, x, j) => a + Math.abs(x - ref.intensity[j]!), 0) * h;
    };
    const errors = [100, 400, 1600, 6400].map(l1);
    for (let i = 1; i < errors.length; i++) expect(errors[i]!).toBeLessThan(errors[i - 1]!);
    // O(1/N) convergence: four times the orientations at least halves the error, and 6400 is within 0.5 %
    for (let i = 1; i < errors.length; i++) expect(errors[i]! / errors[i - 1]!).toBeLessThan(0.5);
    expect(errors[3]!).toBeLessThan(5e-3);
  });
});

describe("octant symmetry", () => {
  it("coaxial tensors (one octant evaluated) give the whole-hemisphere result", () => {
    const o = base({ isotope: isotope("27Al"), from: -150, to: 150, points: 1201 });
    const efg = [-0.05, 0, 0, 0, -0.15, 0, 0, 0, 0.2];
    const coaxial = { shift: [80, 0, 0, 0, 60, 0, 0, 0, 20], efg };
    // an off-diagonal of 10⁻⁹ ppm is beyond the round-off test, so this site takes the whole hemisphere
    const tilted = { shift: [80, 1e-9, 0, 1e-9, 60, 0, 0, 0, 20], efg };
    const a = simulateSpectrum([coaxial], o);
    const b = simulateSpectrum([tilted], o);
    const peak = Math.max(...a.intensity);
    for (let j = 0; j < a.intensity.length; j++) {
      expect(Math.abs(b.intensity[j]! - a.intensity[j]!)).toBeLessThan(1e-9 * peak);
    }
  });
});

describe("rotation invariance", () => {
  it("a rotated copy of the tensors (CSA + EFG, not coaxial) gives the same spectrum", () => {
    const rng = new Rng(5);
    const al = isotope("27Al");
    const sites = [0, 1, 2].map(() => ({
      shift: tensorWithPrincipalValues([80, 60, 20], rng),
      efg: tensorWithPrincipalValues([-0.05, -0.15, 0.2], rng),
    }));
    const R = rng.rotation();
    const rot = (t: Float64Array): Float64Array => {
      const out = new Float64Array(9);
      rotateTensor(R, t, 0, out);
      return out;
    };
    const rotated = sites.map((s) => ({ shift: rot(s.shift), efg: rot(s.efg) }));
    for (const mode of ["static", "mas"] as const) {
      const o = base({ isotope: al, mode, from: -150, to: 150, points: 1201 });
      const a = simulateSpectrum(sites, o);
      const b = simulateSpectrum(rotated, o);
      const peak = Math.max(...a.intensity);
      // same frequencies at the same grid vertices up to the round-off of the eigenvectors
      for (let j = 0; j < a.intensity.length; j++)
        expect(Math.abs(b.intensity[j]! - a.intensity[j]!)).toBeLessThan(1e-9 * peak);
    }
  });
});
