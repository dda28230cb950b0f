/**
 * Issue 15 (reports): the benchmarks lay the MAS central-transition spectrum of the predicted tensors over that of
 * the reference tensors of the same test sites, with their overlap 1 − ½∫|I_ML − I_ref|.
 */
import { describe, expect, it } from "vitest";
import { compareCtSpectra } from "../../src/benchmark/spectraCompare.js";
import { isotopeFor } from "../../src/nmr/isotopes.js";

/** Axial EFG (η = 0) with Vzz along z, a.u. — α-Al2O3's ²⁷Al has Vzz ≈ 0.0673 a.u. (CQ 2.305 MHz). */
const axial = (vzz: number, eta = 0) =>
  Float64Array.of((-(1 + eta) * vzz) / 2, 0, 0, 0, (-(1 - eta) * vzz) / 2, 0, 0, 0, vzz);

const sites = (...t: Float64Array[]) => {
  const out = new Float64Array(9 * t.length);
  for (const [i, x] of t.entries()) out.set(x, 9 * i);
  return out;
};

describe("ML-over-reference central-transition spectra", () => {
  const al = isotopeFor("Al")!;
  const ref = sites(axial(0.0673), axial(0.12, 0.4), axial(-0.09, 0.8));

  it("identical tensors overlap 1; unit-area line shapes on one grid that holds every site", () => {
    const c = compareCtSpectra(ref, ref.slice(), 3, al)!;
    expect(c.overlap).toBeCloseTo(1, 12); // same arithmetic on the same input
    const step = Math.abs(c.ppm[1]! - c.ppm[0]!);
    const area = c.reference.reduce((s, x) => s + x, 0) * step;
    // unit area up to the grid's rectangle rule on a 0.5-ppm-broadened line (1024 points)
    expect(area).toBeCloseTo(1, 3);
    // both ends of the grid are empty: nothing was cut
    expect(c.reference[0]! + c.reference.at(-1)!).toBeLessThan(1e-6 * Math.max(...c.reference));
  });

  it("the overlap falls as the predicted CQ departs from the reference, and is symmetric in the two sets", () => {
    const off = (s: number) => ref.map((x) => x * s);
    const o10 = compareCtSpectra(ref, off(1.1), 3, al)!.overlap;
    const o50 = compareCtSpectra(ref, off(1.5), 3, al)!.overlap;
    expect(o10).toBeLessThan(1);
    expect(o50).toBeLessThan(o10);
    expect(o50).toBeGreaterThanOrEqual(0);
    const back = compareCtSpectra(off(1.5), ref, 3, al)!.overlap;
    expect(back).toBeCloseTo(o50, 12); // ½∫|a − b| is symmetric; the grid depends on both sets symmetrically
  });

  it("no central transition (spin ½ ²⁹Si) or no isotope: no spectra", () => {
    expect(compareCtSpectra(ref, ref, 3, isotopeFor("Si")!)).toBeNull();
    expect(compareCtSpectra(ref, ref, 3, null)).toBeNull();
  });
});
