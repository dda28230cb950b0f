import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { Structure } from "../../src/core/structure.js";
import {
  BOHR_ANGSTROM,
  ewaldEfg,
  ewaldPairMatrix,
  ewaldParameters,
  ewaldPotential,
  erfc,
  pointChargeEfg,
} from "../../src/datasets/ewald.js";

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Rock salt, conventional cubic cell (8 atoms): every site has cubic (m-3m) symmetry. */
function rockSalt(a: number): { cell: number[]; pos: number[]; q: number[] } {
  const f = [
    [0, 0, 0],
    [0, 0.5, 0.5],
    [0.5, 0, 0.5],
    [0.5, 0.5, 0],
  ];
  const pos: number[] = [];
  const q: number[] = [];
  for (const p of f) {
    pos.push(p[0]! * a, p[1]! * a, p[2]! * a);
    q.push(1);
    pos.push(((p[0]! + 0.5) % 1) * a, p[1]! * a, p[2]! * a);
    q.push(-1);
  }
  return { cell: [a, 0, 0, 0, a, 0, 0, 0, a], pos, q };
}

function randomCell(rng: Rng, n: number): { cell: number[]; pos: number[]; q: number[] } {
  const cell = [
    5 + rng.uniform(),
    0.8 * rng.uniform(),
    -0.5,
    1.1,
    6 + rng.uniform(),
    0.3,
    -0.7,
    1.4,
    5.5 + rng.uniform(),
  ];
  const pos: number[] = [];
  const q: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = [rng.uniform(), rng.uniform(), rng.uniform()];
    for (let c = 0; c < 3; c++) pos.push(f[0]! * cell[c]! + f[1]! * cell[3 + c]! + f[2]! * cell[6 + c]!);
    q.push(rng.normal());
  }
  const mean = q.reduce((s, x) => s + x, 0) / n;
  return { cell, pos, q: q.map((x) => x - mean) };
}

describe("erfc", () => {
  it("matches known values", () => {
    // erfc(0.5), erfc(1), erfc(2), erfc(5): Abramowitz & Stegun table 7.1 / any libm, 15+ digits
    expect(erfc(0)).toBe(1);
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 15);
    expect(erfc(1)).toBeCloseTo(0.15729920705028513, 15);
    expect(Math.abs(erfc(2) / 0.004677734981047266 - 1)).toBeLessThan(1e-14);
    expect(Math.abs(erfc(5) / 1.5374597944280349e-12 - 1)).toBeLessThan(1e-13);
    expect(erfc(-1)).toBeCloseTo(1.8427007929497148, 15);
  });
});

describe("Ewald EFG", () => {
  it("is zero on cubic sites (rock salt, CsCl)", () => {
    const rs = rockSalt(5.64);
    const v = ewaldEfg(rs.cell, rs.pos, rs.q);
    // point symmetry m-3m forces V = 0; 1e-12 a.u. is round-off of sums of ~1e-1 terms
    expect(maxAbs(v)).toBeLessThan(1e-12);
    const cscl = ewaldEfg([4.1, 0, 0, 0, 4.1, 0, 0, 0, 4.1], [0, 0, 0, 2.05, 2.05, 2.05], [1, -1]);
    expect(maxAbs(cscl)).toBeLessThan(1e-12);
  });

  it("does not depend on the splitting parameter α", () => {
    const { cell, pos, q } = randomCell(new Rng(5), 11);
    const base = ewaldEfg(cell, pos, q);
    const a0 = ewaldParameters(cell, 11).alpha;
    for (const f of [0.6, 1.7]) {
      const v = ewaldEfg(cell, pos, q, { alpha: a0 * f });
      // both sums converged to ~exp(-s²) ≈ 1e-14 relative; 1e-10 a.u. leaves room for round-off
      expect(maxDiff(v, base)).toBeLessThan(1e-10);
    }
    expect(maxAbs(base)).toBeGreaterThan(1e-3);
  });

  it("is symmetric, traceless, and invariant under translation and change of cell", () => {
    const { cell, pos, q } = randomCell(new Rng(9), 7);
    const v = ewaldEfg(cell, pos, q);
    for (let s = 0; s < 7; s++) {
      const t = v.subarray(9 * s, 9 * s + 9);
      expect(Math.abs(t[0]! + t[4]! + t[8]!)).toBeLessThan(1e-14);
      expect(t[1]).toBe(t[3]);
      expect(t[2]).toBe(t[6]);
      expect(t[5]).toBe(t[7]);
    }
    const shifted = pos.map((x, i) => x + [0.37, -1.2, 2.9][i % 3]!);
    expect(maxDiff(ewaldEfg(cell, shifted, q), v)).toBeLessThan(1e-11);
    // equivalent cell: c' = c + a − b (same lattice)
    const cell2 = [...cell];
    for (let c = 0; c < 3; c++) cell2[6 + c] = cell[6 + c]! + cell[c]! - cell[3 + c]!;
    expect(maxDiff(ewaldEfg(cell2, pos, q), v)).toBeLessThan(1e-11);
  });

  it("rotates as a rank-2 tensor", () => {
    const { cell, pos, q } = randomCell(new Rng(13), 6);
    const R = new Rng(2).rotation();
    const rot = (x: number[]): number[] => {
      const out: number[] = [];
      for (let i = 0; i < x.length; i += 3) {
        for (let r = 0; r < 3; r++)
          out.push(R[3 * r]! * x[i]! + R[3 * r + 1]! * x[i + 1]! + R[3 * r + 2]! * x[i + 2]!);
      }
      return out;
    };
    const v = ewaldEfg(cell, pos, q);
    const w = ewaldEfg(rot(cell), rot(pos), q);
    let worst = 0;
    for (let s = 0; s < 6; s++) {
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          let e = 0;
          for (let k = 0; k < 3; k++)
            for (let l = 0; l < 3; l++) e += R[3 * i + k]! * v[9 * s + 3 * k + l]! * R[3 * j + l]!;
          worst = Math.max(worst, Math.abs(e - w[9 * s + 3 * i + j]!));
        }
      }
    }
    expect(worst).toBeLessThan(1e-11);
  });

  it("approaches the bare sum of a point charge pair in a huge cell", () => {
    // V_zz at the origin of a charge q at distance d on z: 2q/d³ (a.u.); images at 60 Å change it by < 1e-5
    const d = 2.0;
    const L = 60;
    const v = ewaldEfg([L, 0, 0, 0, L, 0, 0, 0, L], [0, 0, 0, 0, 0, d], [0, 1]);
    const dBohr = d / BOHR_ANGSTROM;
    expect(Math.abs(v[8]! - 2 / dBohr ** 3) / (2 / dBohr ** 3)).toBeLessThan(1e-4);
    expect(Math.abs(v[0]! + 1 / dBohr ** 3) / (1 / dBohr ** 3)).toBeLessThan(1e-4);
  });
});

describe("Ewald potential and pair matrix", () => {
  it("gives the Madelung constants of rock salt and CsCl", () => {
    // Madelung constants referred to the nearest-neighbour distance: NaCl 1.747564594633, CsCl 1.762674773070
    const a = 5.64;
    const rs = rockSalt(a);
    const phi = ewaldPotential(rs.cell, rs.pos, rs.q);
    const r0 = a / 2 / BOHR_ANGSTROM;
    expect(Math.abs(-phi[0]! * r0 - 1.747564594633)).toBeLessThan(1e-10);
    const b = 4.1;
    const phi2 = ewaldPotential([b, 0, 0, 0, b, 0, 0, 0, b], [0, 0, 0, b / 2, b / 2, b / 2], [1, -1]);
    const r1 = (b * Math.sqrt(3)) / 2 / BOHR_ANGSTROM;
    expect(Math.abs(-phi2[0]! * r1 - 1.76267477307)).toBeLessThan(1e-10);
  });

  it("pair matrix reproduces the potential of any neutral charge set on the sites", () => {
    const { cell, pos, q } = randomCell(new Rng(21), 9);
    const J = ewaldPairMatrix(cell, pos, [...Array(9).keys()]);
    const phi = ewaldPotential(cell, pos, q);
    for (let k = 0; k < 9; k++) {
      let s = 0;
      for (let l = 0; l < 9; l++) s += J[9 * k + l]! * q[l]!;
      // the self term −2α/√π·q_k is in J_kk; the background term vanishes for Σq = 0
      expect(Math.abs(s - phi[k]!)).toBeLessThan(1e-11);
      for (let l = 0; l < 9; l++) expect(J[9 * k + l]).toBeCloseTo(J[9 * l + k]!, 13);
    }
  });

  it("rejects bad input", () => {
    expect(() => ewaldEfg([1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0], [1, 2])).toThrow(/positions/);
    expect(() => ewaldEfg([1, 0, 0, 0, 1, 0, 0, 0, 0], [0, 0, 0], [1])).toThrow(/volume/);
    expect(() => ewaldEfg([1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0], [Number.NaN])).toThrow(/charge/);
    expect(() => ewaldEfg([1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0], [1], { tolerance: 2 })).toThrow(
      /tolerance/,
    );
  });
});

describe("pointChargeEfg", () => {
  it("takes charges per element and needs a 3D-periodic structure", () => {
    const s = new Structure({
      numbers: [11, 17],
      positions: [0, 0, 0, 1.4, 1.6, 1.2],
      cell: [4, 0, 0, 0.5, 4.2, 0, 0, 0.3, 3.9],
    });
    const a = pointChargeEfg(s, { Na: 1, Cl: -1 });
    const b = ewaldEfg(s.cell!, s.positions, [1, -1]);
    expect(maxDiff(a, b)).toBe(0);
    expect(maxAbs(a)).toBeGreaterThan(1e-3);
    expect(() => pointChargeEfg(s, { Na: 1 })).toThrow(/Cl/);
    expect(() => pointChargeEfg(s.with({ cell: null, pbc: [false, false, false] }), [1, -1])).toThrow(
      /periodic/,
    );
  });
});
