import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { Structure } from "../../src/core/structure.js";
import { realCG, realSphericalHarmonics } from "../../src/gnn/irreps.js";
import { type ArchSpec, buildGraph, Network } from "../../src/gnn/network.js";
import { cartesianToSpherical, sphericalToCartesian } from "../../src/nmr/spherical.js";
import {
  applyMatrix,
  randomRotation,
  randomUnit,
  rotateStructure,
  rotateTensor,
  wignerD,
} from "../helpers/equivariance.js";

const rng = new Rng(2024);

function legendre(l: number, x: number): number {
  let p0 = 1;
  let p1 = x;
  if (l === 0) return 1;
  for (let k = 2; k <= l; k++) {
    const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
    p0 = p1;
    p1 = p2;
  }
  return p1;
}

describe("real spherical harmonics and CG tables", () => {
  it("satisfy the addition theorem Σ_m Y_lm(u) Y_lm(v) = (2l+1) P_l(u·v) for l ≤ 4", () => {
    const a = new Float64Array(25);
    const b = new Float64Array(25);
    for (let t = 0; t < 20; t++) {
      const u = randomUnit(rng);
      const v = randomUnit(rng);
      realSphericalHarmonics(4, ...u, a, 0);
      realSphericalHarmonics(4, ...v, b, 0);
      const c = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
      for (let l = 0; l <= 4; l++) {
        let s = 0;
        for (let m = 0; m < 2 * l + 1; m++) s += a[l * l + m]! * b[l * l + m]!;
        // values are O(1–7); 1e-12 is round-off of ~10 products
        expect(Math.abs(s - (2 * l + 1) * legendre(l, c))).toBeLessThan(1e-12);
      }
    }
  });

  it("CG columns are orthonormal and intertwine D_l1 ⊗ D_l2 with D_l3 for every triple with l ≤ 4", () => {
    for (let l1 = 0; l1 <= 4; l1++)
      for (let l2 = 0; l2 <= 4; l2++)
        for (let l3 = Math.abs(l1 - l2); l3 <= Math.min(4, l1 + l2); l3++) {
          const d1 = 2 * l1 + 1;
          const d2 = 2 * l2 + 1;
          const d3 = 2 * l3 + 1;
          const cg = realCG(l1, l2, l3);
          for (let p = 0; p < d3; p++)
            for (let q = 0; q < d3; q++) {
              let s = 0;
              for (let k = 0; k < d1 * d2; k++) s += cg[k * d3 + p]! * cg[k * d3 + q]!;
              // exact identity; Racah-formula coefficients are exact to ~1e-15, 1e-12 leaves a wide margin
              expect(Math.abs(s - (p === q ? 1 : 0))).toBeLessThan(1e-12);
            }
          const r = randomRotation(rng);
          const D1 = wignerD(l1, r);
          const D2 = wignerD(l2, r);
          const D3 = wignerD(l3, r);
          // Σ_{m1,m2} C[m1,m2,m3] (D1 x)_m1 (D2 y)_m2 = Σ D3[m3,k] Σ C[.,.,k] x y  for random x, y
          const x = Float64Array.from({ length: d1 }, () => rng.normal());
          const y = Float64Array.from({ length: d2 }, () => rng.normal());
          const rx = applyMatrix(D1, x, 0, d1);
          const ry = applyMatrix(D2, y, 0, d2);
          const lhs = new Float64Array(d3);
          const pre = new Float64Array(d3);
          for (let a = 0; a < d1; a++)
            for (let b = 0; b < d2; b++)
              for (let c = 0; c < d3; c++) {
                lhs[c]! += cg[(a * d2 + b) * d3 + c]! * rx[a]! * ry[b]!;
                pre[c]! += cg[(a * d2 + b) * d3 + c]! * x[a]! * y[b]!;
              }
          const rhs = applyMatrix(D3, pre, 0, d3);
          for (let c = 0; c < d3; c++) expect(Math.abs(lhs[c]! - rhs[c]!)).toBeLessThan(1e-10);
        }
  });
});

describe("spherical components of tensors match the harmonics' basis", () => {
  it("T0 is invariant, T1 transforms with D_1 and T2 with D_2 of these harmonics under R T Rᵀ", () => {
    for (let trial = 0; trial < 5; trial++) {
      const t = Float64Array.from({ length: 9 }, () => rng.normal());
      const r = randomRotation(rng);
      const s = new Float64Array(9);
      const sr = new Float64Array(9);
      cartesianToSpherical(t, 0, s, 0);
      cartesianToSpherical(rotateTensor(r, t, 0), 0, sr, 0);
      const t1 = applyMatrix(wignerD(1, r), s, 1, 3);
      const t2 = applyMatrix(wignerD(2, r), s, 4, 5);
      // entries O(1): 1e-12 is float64 round-off of a few dozen operations
      expect(Math.abs(sr[0]! - s[0]!)).toBeLessThan(1e-12);
      for (let m = 0; m < 3; m++) expect(Math.abs(sr[1 + m]! - t1[m]!)).toBeLessThan(1e-12);
      for (let m = 0; m < 5; m++) expect(Math.abs(sr[4 + m]! - t2[m]!)).toBeLessThan(1e-12);
    }
  });
});

function structure(seed: number, rot: Float64Array | null, invert = false): Structure {
  const r = new Rng(seed);
  const n = 8;
  const cell = [4.1, 0, 0, 0.3, 3.9, 0, -0.2, 0.4, 4.3];
  const pos = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const f = [r.uniform(), r.uniform(), r.uniform()];
    for (let k = 0; k < 3; k++)
      pos[3 * i + k] = f[0]! * cell[k]! + f[1]! * cell[3 + k]! + f[2]! * cell[6 + k]!;
  }
  const base = new Structure({ numbers: [3, 8, 22, 8, 3, 8, 22, 8], positions: pos, cell });
  return rotateStructure(base, rot ?? [1, 0, 0, 0, 1, 0, 0, 0, 1], invert ? -1 : 1);
}

const arch = (head: "isd" | "tp", tpRank = 2, lmax = 2): ArchSpec => ({
  nSpecies: 3,
  channels: 4,
  lmax,
  layers: 2,
  rc: 3.5,
  nBasis: 5,
  radialHidden: 6,
  envelopeP: 6,
  avgNeighbors: 10,
  neighborNorm: "sqrt",
  head,
  target: "ms",
  tpRank,
  tpN: 3,
});

const slots = new Map([
  [3, 0],
  [8, 1],
  [22, 2],
]);

describe("network outputs are O(3)-equivariant with the right parity", () => {
  for (const [head, l] of [
    ["isd", 2],
    ["tp", 1],
    ["tp", 2],
    ["tp", 3],
    ["tp", 4],
  ] as const) {
    it(`${head}${head === "tp" ? ` (rank ${l})` : ""}: rotated cell gives R σ Rᵀ; inverted cell gives the same σ (1e, 2e)`, () => {
      const net = new Network(arch(head, l, Math.max(2, l)));
      const pr = new Rng(99);
      const params = Float64Array.from({ length: net.nParams }, () => pr.normal());
      const r = new Rng(31).rotation();
      const base = net.forward(params, buildGraph(structure(5, null), slots, net.arch));
      const rotd = net.forward(params, buildGraph(structure(5, r), slots, net.arch)).out;
      const invCache = net.forward(params, buildGraph(structure(5, null, true), slots, net.arch));
      const inv = invCache.out;
      const out = base.out;
      let scale = 0;
      for (const v of out) scale = Math.max(scale, Math.abs(v));
      // a non-trivial output (the rank-1 TP head is small at initialisation: products of two 1o sums)
      expect(scale).toBeGreaterThan(1e-6);
      const ct = new Float64Array(9);
      const cr = new Float64Array(9);
      for (let i = 0; i < 8; i++) {
        sphericalToCartesian(out, 9 * i, ct, 0);
        sphericalToCartesian(rotd, 9 * i, cr, 0);
        const want = rotateTensor(r, ct, 0);
        // ~10^4 operations on O(1) intermediates: 1e-10 relative to the largest output is float64 round-off,
        // far below a real violation (a wrong sign or basis order gives errors of order `scale`)
        for (let k = 0; k < 9; k++) expect(Math.abs(cr[k]! - want[k]!)).toBeLessThan(1e-10 * scale);
        // T1 is a pseudovector (1e): unchanged under inversion like T0 and T2
        for (let k = 0; k < 9; k++)
          expect(Math.abs(inv[9 * i + k]! - out[9 * i + k]!)).toBeLessThan(1e-10 * scale);
      }
      // the hidden 1o features do flip sign under inversion, so parity is really tracked (3 = id of 1o)
      const h1o = base.hLast[3]!;
      const h1oInv = invCache.hLast[3]!;
      let big = 0;
      for (let k = 0; k < h1o.length; k++) {
        big = Math.max(big, Math.abs(h1o[k]!));
        expect(Math.abs(h1oInv[k]! + h1o[k]!)).toBeLessThan(1e-11 * Math.max(1, Math.abs(h1o[k]!)));
      }
      expect(big).toBeGreaterThan(1e-3);
    });
  }
});

describe("why the TP head needs rank 4 at near-cubic sites (group theory: O_h has invariants only for l = 0, 4, 6, …)", () => {
  it("in ideal rocksalt every rank-1…3 hidden feature vanishes while the 4e features do not, so rank-2 TP outputs are 0", () => {
    // rocksalt LiO-like cell: Li at 0, O at (½,½,½)a, conventional 8-atom cube; every site has O_h symmetry, so an
    // equivariant l=1, 2, 3 feature (which must be invariant under the site group) is exactly zero there
    const a = 4.2;
    const frac = [
      [0, 0, 0],
      [0, 0.5, 0.5],
      [0.5, 0, 0.5],
      [0.5, 0.5, 0],
      [0.5, 0.5, 0.5],
      [0.5, 0, 0],
      [0, 0.5, 0],
      [0, 0, 0.5],
    ];
    const s = new Structure({
      numbers: [3, 3, 3, 3, 8, 8, 8, 8],
      positions: frac.flatMap((f) => f.map((x) => x * a)),
      cell: [a, 0, 0, 0, a, 0, 0, 0, a],
    });
    const rockSlots = new Map([
      [3, 0],
      [8, 1],
    ]);
    const spec: ArchSpec = { ...arch("tp", 2, 4), nSpecies: 2, target: "efg", rc: 4.5 };
    const net = new Network(spec);
    const pr = new Rng(17);
    const params = Float64Array.from({ length: net.nParams }, () => pr.normal());
    const c = net.forward(params, buildGraph(s, rockSlots, spec));
    const rms = (v: Float64Array) => Math.sqrt(v.reduce((t, x) => t + x * x, 0) / v.length);
    const h4 = rms(c.hLast[8]!); // 4e
    expect(h4).toBeGreaterThan(1e-3);
    // ids 2..7 = 1e,1o,2e,2o,3e,3o; sums of O(1) terms cancel to round-off: 1e-12 relative to the 4e features
    for (let id = 2; id < 8; id++) if (c.hLast[id]) expect(rms(c.hLast[id]!)).toBeLessThan(1e-12 * h4);
    // a product of two vanishing rank-2 factors (each ≤ 1e-13, round-off) is ≤ 1e-20: it is O(ε²) under a distortion ε,
    // while the EFG is O(ε)
    for (const v of c.out) expect(Math.abs(v)).toBeLessThan(1e-20);
    // the rank-4 head's factors do not vanish: at first order in a distortion their product is linear in it
    const net4 = new Network({ ...spec, tpRank: 4 });
    const p4 = Float64Array.from({ length: net4.nParams }, () => pr.normal());
    const c4 = net4.forward(p4, buildGraph(s, rockSlots, spec));
    expect(rms(c4.tpA!)).toBeGreaterThan(1e-3);
  });
});
