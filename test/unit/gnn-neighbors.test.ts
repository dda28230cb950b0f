import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { Structure } from "../../src/core/structure.js";
import { bruteForceNeighbors, gnnNeighbors } from "../../src/gnn/_neighbors.js";

function sortedDistances(s: Structure, rc: number, f: typeof bruteForceNeighbors): number[][] {
  const nl = f(s, rc);
  return Array.from({ length: s.length }, (_, i) =>
    Array.from(nl.distances.subarray(nl.offsets[i]!, nl.offsets[i + 1]!)).sort((a, b) => a - b),
  );
}

describe("GNN neighbour lists", () => {
  it("brute force finds the analytic shells of rocksalt (6 at a/2, 12 at a/√2, 8 at a√3/2) in a skewed primitive cell", () => {
    const a = 4.18;
    // fcc primitive vectors, Li at 0, O at (a/2,0,0): a strongly skewed (60°) cell
    const s = new Structure({
      numbers: [3, 8],
      positions: [0, 0, 0, a / 2, 0, 0],
      cell: [0, a / 2, a / 2, a / 2, 0, a / 2, a / 2, a / 2, 0],
    });
    const d = sortedDistances(s, 3.7, bruteForceNeighbors)[0]!;
    const count = (x: number) => d.filter((v) => Math.abs(v - x) < 1e-9).length;
    expect(count(a / 2)).toBe(6);
    expect(count(a / Math.SQRT2)).toBe(12);
    expect(count((a * Math.sqrt(3)) / 2)).toBe(8);
    expect(d.length).toBe(26);
  });

  it("the neighbour list the GNN uses agrees with brute force (cutoff larger than the cell included)", () => {
    const rng = new Rng(4);
    const n = 6;
    const pos = Array.from({ length: 3 * n }, () => 3 * rng.uniform());
    const s = new Structure({
      numbers: [8, 8, 14, 14, 8, 3],
      positions: pos,
      cell: [3.1, 0, 0, 0.9, 2.8, 0, -0.4, 0.5, 3.3],
    });
    const a = sortedDistances(s, 4.5, bruteForceNeighbors);
    const b = sortedDistances(s, 4.5, gnnNeighbors);
    for (let i = 0; i < n; i++) {
      expect(b[i]!.length).toBe(a[i]!.length);
      // same image vectors, summed in different orders: 1e-12 Å is round-off
      for (let k = 0; k < a[i]!.length; k++) expect(Math.abs(b[i]![k]! - a[i]![k]!)).toBeLessThan(1e-12);
    }
  });
});
