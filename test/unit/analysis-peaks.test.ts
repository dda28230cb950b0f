import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { findPeakRegions, localMaxima, prominence } from "../../src/analysis/peaks.js";

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/peaks-scipy.json", import.meta.url), "utf8"),
) as {
  counts: number[];
  peaks: number[];
  prominences: number[];
};

function mixture(
  rng: Rng,
  comps: { c: number; s: number; m: number }[],
  background = 0,
  range = [0, 1],
): number[] {
  const v: number[] = [];
  for (const { c, s, m } of comps) for (let i = 0; i < m; i++) v.push(c + s * rng.normal());
  for (let i = 0; i < background; i++) v.push(range[0]! + (range[1]! - range[0]!) * rng.uniform());
  return rng.shuffle(v);
}

describe("peak finding", () => {
  it("finds the same local maxima and prominences as scipy.signal (fixture)", () => {
    expect(localMaxima(fixture.counts)).toEqual(fixture.peaks);
    // Integer counts: prominences are exact.
    expect(fixture.peaks.map((p) => prominence(fixture.counts, p))).toEqual(fixture.prominences);
  });

  it("recovers 5 well-separated Gaussian components: regions disjoint, each containing its true centre", () => {
    const centres = [-60, -22, 10, 45, 95];
    const rng = new Rng(2024);
    const values = mixture(
      rng,
      centres.map((c, i) => ({ c, s: 4 + i, m: 1500 + 300 * i })),
      400,
      [-90, 130],
    );
    const res = findPeakRegions(values, { binWidth: 2 });
    expect(res.regions.length).toBe(5);
    const sortedRegions = res.regions.slice().sort((a, b) => a.lo - b.lo);
    for (let i = 0; i < 5; i++) {
      const r = sortedRegions[i]!;
      expect(r.label).toBe(i + 1);
      expect(r.lo).toBeLessThanOrEqual(centres[i]!);
      expect(r.hi).toBeGreaterThan(centres[i]!);
      // The tallest bin of a sampled Gaussian (σ 4–8, ≥1500 draws) lies within ~σ/2 of its mean plus half a
      // bin (1); 4 units covers both for these components.
      expect(Math.abs(r.center - centres[i]!)).toBeLessThan(4);
      if (i > 0) expect(r.lo).toBeGreaterThanOrEqual(sortedRegions[i - 1]!.hi);
      for (let b = r.firstBin; b <= r.lastBin; b++) expect(res.counts[b]!).toBeGreaterThanOrEqual(10);
      // Regions stop where counts fall below 10 (unless cut at a valley between peaks).
      expect(res.counts[r.firstBin - 1]! < 10 || res.binLabels[r.firstBin - 1] !== 0).toBe(true);
      expect(res.counts[r.lastBin + 1]! < 10 || res.binLabels[r.lastBin + 1] !== 0).toBe(true);
    }
    // Per-value labels agree with the region bounds; totals agree with the histogram.
    let labelled = 0;
    values.forEach((v, i) => {
      const l = res.labels[i]!;
      if (l > 0) {
        labelled++;
        const r = res.regions[l - 1]!;
        expect(v).toBeGreaterThanOrEqual(r.lo);
        expect(v).toBeLessThan(r.hi);
      } else {
        expect(res.regions.some((r) => v >= r.lo && v < r.hi)).toBe(false);
      }
    });
    expect(labelled).toBe(res.regions.reduce((s, r) => s + r.members, 0));
    expect(res.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
  });

  it("keeps only the 5 most prominent of 7 peaks and cuts touching regions at the valley", () => {
    const rng = new Rng(7);
    // Two big overlapping components (valley well above 10 counts) + 3 big + 2 small peaks.
    const comps = [
      { c: 0, s: 3, m: 3000 },
      { c: 12, s: 3, m: 3000 },
      { c: 40, s: 3, m: 2000 },
      { c: 70, s: 3, m: 2000 },
      { c: 100, s: 3, m: 2000 },
      { c: 130, s: 2, m: 60 },
      { c: 150, s: 2, m: 60 },
    ];
    const res = findPeakRegions(mixture(rng, comps), { binWidth: 1 });
    expect(res.regions.length).toBe(5);
    const kept = res.regions.map((r) => r.center);
    for (const c of [0, 12, 40, 70, 100]) expect(kept.some((k) => Math.abs(k - c) < 3)).toBe(true);
    const [a, b] = res.regions;
    // The regions of the two overlapping peaks touch at the valley (~6) and do not overlap.
    expect(a!.hi).toBe(b!.lo);
    expect(a!.hi).toBeGreaterThan(2);
    expect(a!.hi).toBeLessThan(10);
    const ranks = res.regions.map((r) => r.rank).sort();
    expect(ranks).toEqual([1, 2, 3, 4, 5]);
  });

  it("rejects bad input", () => {
    expect(() => findPeakRegions([])).toThrow(EngineError);
    expect(() => findPeakRegions([1, Number.NaN])).toThrow(/values\[1\]/);
    expect(() => findPeakRegions([1, 2], { binWidth: 0 })).toThrow(/binWidth/);
  });
});
