import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import {
  boxBehnkenCoded,
  boxBehnkenDesign,
  decode,
  encode,
  type Factor,
} from "../../src/search/boxBehnken.js";
import { kFold } from "../../src/search/kfold.js";
import { combineObjective, parseObjective, TENSORIAL_OBJECTIVE } from "../../src/search/objective.js";

function rows(k: number, centerPoints = 3): number[][] {
  const d = boxBehnkenCoded(k, { centerPoints });
  return Array.from({ length: d.runs }, (_, r) => Array.from(d.x.subarray(r * k, (r + 1) * k)));
}

/** Σ over runs of Π_i x_i^{p_i}: design moments. */
function moment(design: number[][], powers: number[]): number {
  return design.reduce((s, x) => s + powers.reduce((m, p, i) => m * x[i]! ** p, 1), 0);
}

describe("Box–Behnken design", () => {
  it("k=3 equals the textbook design (Box & Draper 1987, Table 15.x): 12 edge midpoints + centre", () => {
    // The 12 edge runs of the k=3 BBD are the midpoints of the cube's edges: (±1,±1,0), (±1,0,±1), (0,±1,±1).
    const textbook = new Set<string>();
    for (const a of [-1, 1]) {
      for (const b of [-1, 1]) {
        textbook.add([a, b, 0].join(","));
        textbook.add([a, 0, b].join(","));
        textbook.add([0, a, b].join(","));
      }
    }
    const d = rows(3, 3);
    expect(d.length).toBe(15);
    const edges = d.slice(0, 12).map((x) => x.join(","));
    expect(new Set(edges)).toEqual(textbook);
    expect(d.slice(12)).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
  });

  for (const [k, edges] of [
    [3, 12],
    [4, 24],
    [5, 40],
    [6, 60],
  ] as const) {
    it(`k=${k}: ${edges} edge runs, two non-zero factors each, balanced, every pair square complete`, () => {
      const d = rows(k, 2);
      expect(d.length).toBe(edges + 2);
      const edgeRuns = d.slice(0, edges);
      for (const x of edgeRuns) {
        expect(x.filter((v) => v !== 0).length).toBe(2);
        for (const v of x) expect([-1, 0, 1]).toContain(v);
      }
      for (const x of d.slice(edges)) expect(x.every((v) => v === 0)).toBe(true);
      // No duplicated edge run.
      expect(new Set(edgeRuns.map((x) => x.join(","))).size).toBe(edges);
      for (let i = 0; i < k; i++) {
        // Each factor is non-zero in (k−1) pairs × 4 runs, half at +1 and half at −1.
        expect(edgeRuns.filter((x) => x[i] === 1).length).toBe(2 * (k - 1));
        expect(edgeRuns.filter((x) => x[i] === -1).length).toBe(2 * (k - 1));
        for (let j = i + 1; j < k; j++) {
          const corners = new Set(
            edgeRuns.filter((x) => x[i] !== 0 && x[j] !== 0).map((x) => `${x[i]},${x[j]}`),
          );
          expect(corners).toEqual(new Set(["-1,-1", "1,-1", "-1,1", "1,1"]));
        }
      }
      // Second-order design properties (Box & Draper ch. 15): all odd moments up to order 3 vanish, pure
      // second moments are equal, and mixed fourth moments Σ x_i² x_j² = 4 for every pair.
      for (let i = 0; i < k; i++) {
        const p = new Array(k).fill(0);
        p[i] = 1;
        expect(moment(d, p)).toBe(0);
        p[i] = 2;
        expect(moment(d, p)).toBe(4 * (k - 1));
        p[i] = 3;
        expect(moment(d, p)).toBe(0);
        for (let j = 0; j < k; j++) {
          if (j === i) continue;
          const q = new Array(k).fill(0);
          q[i] = 1;
          q[j] = 1;
          expect(moment(d, q)).toBe(0);
          q[j] = 2;
          expect(moment(d, q)).toBe(0);
          q[i] = 2;
          expect(moment(d, q)).toBe(4);
        }
      }
    });
  }

  it("is rotatable for k=4 (Σx⁴ = 3Σx_i²x_j², a textbook property) but not for k=3 or k=5", () => {
    for (const k of [3, 4, 5]) {
      const d = rows(k, 1);
      const p4 = new Array(k).fill(0);
      p4[0] = 4;
      const p22 = new Array(k).fill(0);
      p22[0] = 2;
      p22[1] = 2;
      const ratio = moment(d, p4) / moment(d, p22);
      if (k === 4) expect(ratio).toBe(3);
      else expect(ratio).not.toBe(3);
    }
  });

  it("maps coded levels to linear and log ranges, and categorical levels to an outer loop", () => {
    const factors: Factor[] = [
      { name: "rcut", min: 3, max: 6 },
      { name: "sigma", min: 0.2, max: 0.6 },
      { name: "reg", min: 1e-8, max: 1e-2, scale: "log" },
      { name: "nmax", min: 4, max: 9, integer: true },
    ];
    expect(decode(factors[0]!, 0)).toBe(4.5);
    // Geometric mean of 1e-8 and 1e-2 is 1e-5; relative 1e-12 covers exp/log round-off.
    expect(decode(factors[2]!, 0)).toBeCloseTo(1e-5, 17);
    expect(Math.abs(decode(factors[2]!, 1) / 1e-2 - 1)).toBeLessThan(1e-12);
    expect(decode(factors[3]!, 0)).toBe(7); // 6.5 rounds up
    for (const c of [-1, -0.3, 0.7, 1]) {
      // encode is the inverse of decode up to round-off (1e-12 ≫ 1e-16 · a few ops).
      expect(Math.abs(encode(factors[2]!, decode(factors[2]!, c)) - c)).toBeLessThan(1e-12);
      expect(Math.abs(encode(factors[1]!, decode(factors[1]!, c)) - c)).toBeLessThan(1e-12);
    }
    const runs = boxBehnkenDesign(factors, { name: "zeta", levels: [1, 2, 3] }, { centerPoints: 1 });
    expect(runs.length).toBe(3 * 25);
    expect(runs.filter((r) => r.params["zeta"] === 2).length).toBe(25);
    expect(runs[0]!).toMatchObject({
      coded: [-1, -1, 0, 0],
      params: { zeta: 1, rcut: 3, sigma: 0.2, nmax: 7 },
    });
    // Geometric mean of 1e-8 and 1e-2, relative round-off of exp/log.
    expect(Math.abs((runs[0]!.params["reg"] as number) / 1e-5 - 1)).toBeLessThan(1e-12);
  });

  it("rejects bad factors with EngineError naming the field", () => {
    expect(() => boxBehnkenCoded(2)).toThrow(EngineError);
    expect(() =>
      boxBehnkenDesign([
        { name: "a", min: 1, max: 0 },
        { name: "b", min: 0, max: 1 },
        { name: "c", min: 0, max: 1 },
      ]),
    ).toThrow(/factors\[0\]\.min/);
    expect(() =>
      boxBehnkenDesign([
        { name: "a", min: 0, max: 1, scale: "log" },
        { name: "b", min: 0, max: 1 },
        { name: "c", min: 0, max: 1 },
      ]),
    ).toThrow(/log scale/);
    expect(() =>
      boxBehnkenDesign([
        { name: "a", min: 0, max: 1 },
        { name: "a", min: 0, max: 1 },
        { name: "c", min: 0, max: 1 },
      ]),
    ).toThrow(/duplicate/);
  });
});

describe("kFold", () => {
  it("puts every group in exactly one test fold, sizes within one, deterministic per seed", () => {
    const folds = kFold(23, 5, 7);
    const all = folds.flatMap((f) => f.testGroups).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 23 }, (_, i) => i));
    const sizes = folds.map((f) => f.testGroups.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const f of folds) {
      expect(f.trainGroups.length + f.testGroups.length).toBe(23);
      expect(f.trainGroups.some((g) => f.testGroups.includes(g))).toBe(false);
    }
    expect(kFold(23, 5, 7)).toEqual(folds);
    expect(kFold(23, 5, 8).map((f) => f.testGroups)).not.toEqual(folds.map((f) => f.testGroups));
  });

  it("keeps the samples of one group together (split by structure)", () => {
    const groups = [0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 4, 5, 5, 6];
    const folds = kFold(groups, 3, 1);
    const seen = new Set<number>();
    for (const f of folds) {
      for (const i of f.test!) {
        expect(seen.has(i)).toBe(false);
        seen.add(i);
        expect(f.testGroups).toContain(groups[i]);
      }
      for (const i of f.train!) expect(f.testGroups).not.toContain(groups[i]);
      expect(f.test!.length + f.train!.length).toBe(groups.length);
    }
    expect(seen.size).toBe(groups.length);
    expect(() => kFold(3, 5, 1)).toThrow(/needs ≥ 5 groups/);
    expect(() => kFold([0, -1], 2, 1)).toThrow(/groups\[1\]/);
  });
});

describe("objective", () => {
  it("averages MAE(C̃Q), MAE(η̃) and 1 − mean q̃ as in Harper §3.5", () => {
    // (0.2 + 0.1 + (1 − 0.9)) / 3 computed by hand.
    expect(combineObjective(TENSORIAL_OBJECTIVE, { maeCQ: 0.2, maeEta: 0.1, meanQ: 0.9 })).toBeCloseTo(
      0.4 / 3,
      15,
    );
    expect(combineObjective(parseObjective("cq, q"), { maeCQ: 0.2, meanQ: 0.5 })).toBeCloseTo(0.35, 15);
    expect(combineObjective(parseObjective("mae"), { mae: 3.5 })).toBe(3.5);
    expect(() => combineObjective(TENSORIAL_OBJECTIVE, { maeCQ: 0.2, maeEta: 0.1 })).toThrow(/'q'/);
    expect(() => parseObjective("cq,foo")).toThrow(/unknown objective term 'foo'/);
    expect(() => parseObjective("cq,cq")).toThrow(/twice/);
  });
});
