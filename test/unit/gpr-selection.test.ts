import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { curSelection, farthestPointSampling } from "../../src/gpr/selection.js";

describe("representative-environment selection", () => {
  it("FPS on points of a line: after any start, the next picks are the far end, then the other end, then the middle", () => {
    // x = 0, 1, ..., 10 (1-D features)
    const x = Float64Array.from({ length: 11 }, (_, i) => i);
    const sel = farthestPointSampling(x, 11, 1, 4, 7);
    const start = sel[0]!;
    const far = start <= 5 ? 10 : 0;
    expect(sel[1]).toBe(far);
    // third pick maximises the distance to {start, far}
    const d = (i: number) => Math.min(Math.abs(i - start), Math.abs(i - far));
    expect(d(sel[2]!)).toBe(Math.max(...Array.from({ length: 11 }, (_, i) => d(i))));
    expect(new Set(sel).size).toBe(4);
    // seeded: same seed, same selection
    expect(farthestPointSampling(x, 11, 1, 4, 7)).toEqual(sel);
  });

  it("CUR picks the rows that carry a rank-2 signal over rows of tiny noise", () => {
    const rng = new Rng(2);
    const n = 30;
    const d = 6;
    const x = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let p = 0; p < d; p++) x[i * d + p] = 1e-3 * rng.normal();
    // rows 4 and 17 span the dominant 2-D subspace
    x[4 * d] = 5;
    x[17 * d + 3] = 4;
    const sel = curSelection(x, n, d, 2, 1);
    expect([...sel].sort((a, b) => a - b)).toEqual([4, 17]);
  });

  it("rejects M outside 1..N with a clear error", () => {
    const x = new Float64Array(10);
    expect(() => farthestPointSampling(x, 5, 2, 6, 0)).toThrow(
      /number of sparse points must be in 1\.\.5, got 6/,
    );
  });
});
