/**
 * Symmetry properties of the λ-SOAP features (float64 round-off tolerances: features are O(1) after normalisation
 * and every operation is a short sum, so 1e-12 absolute leaves a wide margin over the ~1e-15 observed).
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { Structure } from "../../src/core/structure.js";
import { readExtxyz } from "../../src/io/extxyz.js";
import { LambdaSoap } from "../../src/soap/lambdaSoap.js";
import type { FeatureBlocks } from "../../src/soap/types.js";
import { blockEquivarianceError, randomRotation, rotateStructure, wignerD } from "../helpers/equivariance.js";

const TOL = 1e-12;
const SHARED = new URL("../../../shared/data/tensoap-ref/structures/", import.meta.url);

function readSimpleXyz(name: string): Structure {
  return readExtxyz(new URL(name, SHARED).pathname)[0]!;
}

function randomCell(rng: Rng): Structure {
  const cell = [5.1, 0.3, -0.2, 0.8, 4.7, 0.4, -0.6, 0.5, 5.4];
  const n = 10;
  const numbers = Array.from({ length: n }, (_, i) => [3, 8, 22][i % 3]!);
  const positions: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = [rng.uniform(), rng.uniform(), rng.uniform()];
    for (let d = 0; d < 3; d++)
      positions.push(f[0]! * cell[d]! + f[1]! * cell[3 + d]! + f[2]! * cell[6 + d]!);
  }
  return new Structure({ numbers, positions, cell });
}

function maxDiff(a: FeatureBlocks, b: FeatureBlocks, key: string, map?: (i: number) => number): number {
  const A = a.get(key)!;
  const B = b.get(key)!;
  const per = A.nComponents * A.nProperties;
  let m = 0;
  for (let s = 0; s < A.nSamples; s++) {
    const t = map ? map(s) : s;
    for (let k = 0; k < per; k++) m = Math.max(m, Math.abs(A.values[s * per + k]! - B.values[t * per + k]!));
  }
  return m;
}

describe("λ-SOAP symmetry properties", () => {
  const soap = new LambdaSoap({
    cutoff: { radius: 4, smoothing: { type: "ShiftedCosine", width: 0.5 } },
    density: { width: 0.4 },
    basis: { maxRadial: 5, maxAngular: 4 },
    lambdas: [0, 2],
  });
  const rng = new Rng(2024);

  it("λ=0 is invariant and λ=2 transforms with D²(R) of the T2 components under random rotations", () => {
    for (let trial = 0; trial < 4; trial++) {
      const s = randomCell(rng);
      const R = randomRotation(rng);
      const f = soap.compute([s]);
      const g = soap.compute([rotateStructure(s, R)]);
      const D = wignerD(2, R);
      for (const z of [3, 8, 22]) {
        expect(maxDiff(f, g, `${z}:0`)).toBeLessThan(TOL);
        const A = f.get(`${z}:2`)!;
        const { error, scale } = blockEquivarianceError(
          D,
          A.values,
          g.get(`${z}:2`)!.values,
          A.nSamples,
          5,
          A.nProperties,
        );
        expect(scale).toBeGreaterThan(1e-3); // non-trivial λ=2 features
        expect(error).toBeLessThan(TOL);
      }
    }
  });

  it("pseudo-tensor (σ=−1) λ=2 features are SO(3)-equivariant too, and flip sign under inversion", () => {
    const s = randomCell(rng);
    const R = randomRotation(rng);
    const inv = rotateStructure(s, [1, 0, 0, 0, 1, 0, 0, 0, 1], -1);
    const f = soap.compute([s], { lambdas: [2], parity: -1 });
    const g = soap.compute([rotateStructure(s, R)], { lambdas: [2], parity: -1 });
    const h = soap.compute([inv], { lambdas: [2], parity: -1 });
    const fe = soap.compute([s], { lambdas: [2] });
    const he = soap.compute([inv], { lambdas: [2] });
    const A = f.get("8:2")!;
    const { error } = blockEquivarianceError(
      wignerD(2, R),
      A.values,
      g.get("8:2")!.values,
      A.nSamples,
      5,
      A.nProperties,
    );
    expect(error).toBeLessThan(TOL);
    const H = h.get("8:2")!;
    let e2 = 0;
    for (let k = 0; k < A.values.length; k++) e2 = Math.max(e2, Math.abs(A.values[k]! + H.values[k]!));
    expect(e2).toBeLessThan(TOL);
    expect(maxDiff(fe, he, "8:2")).toBeLessThan(TOL); // σ=+1: inversion-invariant (λ even)
  });

  it("is invariant under translations (with wrapping) and permutations of atoms", () => {
    const s = randomCell(rng);
    const t = new Structure({
      numbers: s.numbers,
      positions: Array.from(s.positions, (x, i) => x + [7.3, -2.1, 11.9][i % 3]!),
      cell: s.cell,
    });
    const f = soap.compute([s]);
    const g = soap.compute([t]);
    for (const k of f.keys()) expect(maxDiff(f, g, k)).toBeLessThan(TOL);
    const perm = rng.shuffle(Array.from({ length: s.length }, (_, i) => i));
    const p = new Structure({
      numbers: perm.map((i) => s.numbers[i]!),
      positions: perm.flatMap((i) => [s.positions[3 * i]!, s.positions[3 * i + 1]!, s.positions[3 * i + 2]!]),
      cell: s.cell,
    });
    const h = soap.compute([p]);
    for (const k of f.keys()) {
      // sample s of f is atom f.samples[2s+1]; find it in h at its permuted position
      const A = f.get(k)!;
      const B = h.get(k)!;
      const where = (smp: number) => {
        const atom = A.samples[2 * smp + 1]!;
        const newIdx = perm.indexOf(atom);
        for (let q = 0; q < B.nSamples; q++) if (B.samples[2 * q + 1] === newIdx) return q;
        return -1;
      };
      expect(maxDiff(f, h, k, where)).toBeLessThan(TOL);
    }
  });

  it("gives identical features in the skewed primitive, cubic and 3x3x3 rocksalt cells (rc > cell width)", () => {
    const hard = new LambdaSoap({
      cutoff: { radius: 6 },
      density: { width: 0.3 },
      basis: { maxRadial: 4, maxAngular: 3 },
      species: [3, 8],
    });
    const cells = ["skewcheck_prim.xyz", "skewcheck_cubic.xyz", "skewcheck_prim333.xyz"].map(readSimpleXyz);
    // λ=0 normalised; λ=2 unnormalised, because at these cubic (O_h) sites λ=2 vanishes and normalising would
    // only blow up round-off
    const raw = new LambdaSoap({ ...hard.params, normalize: false });
    const feats = cells.map((c) => hard.compute([c], { lambdas: [0] }));
    const feats2 = cells.map((c) => raw.compute([c], { lambdas: [0, 2] }));
    for (const [key, fs] of [
      ["3:0", feats],
      ["8:0", feats],
      ["3:2", feats2],
      ["8:2", feats2],
    ] as const) {
      const ref = fs[0]!.get(key)!;
      const per = ref.nComponents * ref.nProperties;
      for (const f of fs) {
        const b = f.get(key)!;
        for (let s = 0; s < b.nSamples; s++) {
          let m = 0;
          for (let k = 0; k < per; k++) m = Math.max(m, Math.abs(b.values[s * per + k]! - ref.values[k]!));
          expect(m).toBeLessThan(TOL);
        }
      }
    }
    // O_h site symmetry: no λ=2 component (relative to the λ=0 scale of the same unnormalised features)
    const p0 = feats2[0]!.get("3:0")!.values.reduce((acc, v) => acc + v * v, 0);
    const p2 = feats2[0]!.get("3:2")!.values.reduce((acc, v) => acc + v * v, 0);
    expect(Math.sqrt(p2 / p0)).toBeLessThan(1e-12);
  });

  it("gives identical features in a distorted skewed cell and its supercells (non-zero λ=2)", () => {
    // rocksalt primitive cell (60°) with the O atom displaced: λ=2 features are non-zero
    const a = [0, 2.09, 2.09, 2.09, 0, 2.09, 2.09, 2.09, 0];
    const basis = [
      [3, 0, 0, 0],
      [8, 2.19, 0.05, -0.07],
    ] as const;
    const prim = new Structure({
      numbers: basis.map((b) => b[0]),
      positions: basis.flatMap((b) => [b[1], b[2], b[3]]),
      cell: a,
    });
    const supercell = (M: number[][]): Structure => {
      const cell: number[] = [];
      for (let i = 0; i < 3; i++)
        for (let d = 0; d < 3; d++)
          cell.push(M[i]![0]! * a[d]! + M[i]![1]! * a[3 + d]! + M[i]![2]! * a[6 + d]!);
      const nCopies = Math.round(
        new Structure({ numbers: [1], positions: [0, 0, 0], cell }).volume() / prim.volume(),
      );
      const numbers: number[] = [];
      const positions: number[] = [];
      const det = (c: number[]) =>
        c[0]! * (c[4]! * c[8]! - c[5]! * c[7]!) -
        c[1]! * (c[3]! * c[8]! - c[5]! * c[6]!) +
        c[2]! * (c[3]! * c[7]! - c[4]! * c[6]!);
      const D = det(cell);
      for (let i = -4; i <= 4; i++)
        for (let j = -4; j <= 4; j++)
          for (let k = -4; k <= 4; k++)
            for (const b of basis) {
              const r = [0, 1, 2].map((d) => b[d + 1]! + i * a[d]! + j * a[3 + d]! + k * a[6 + d]!);
              // fractional coordinates g with g·cell = r (rows = lattice vectors), by Cramer's rule
              const g = [0, 1, 2].map((row) => {
                const c = [...cell];
                for (let d = 0; d < 3; d++) c[row * 3 + d] = r[d]!;
                return det(c) / D;
              });
              if (g.every((x) => x > -1e-9 && x < 1 - 1e-9)) {
                numbers.push(b[0]);
                positions.push(...r);
              }
            }
      expect(numbers.length).toBe(2 * nCopies);
      return new Structure({ numbers, positions, cell });
    };
    const cubic = supercell([
      [-1, 1, 1],
      [1, -1, 1],
      [1, 1, -1],
    ]);
    const big = supercell([
      [3, 0, 0],
      [0, 3, 0],
      [0, 0, 3],
    ]);
    const soap6 = new LambdaSoap({
      cutoff: { radius: 6 },
      density: { width: 0.3 },
      basis: { maxRadial: 4, maxAngular: 3 },
    });
    const ref = soap6.compute([prim]);
    for (const s of [cubic, big]) {
      const f = soap6.compute([s]);
      for (const key of ["3:0", "8:0", "3:2", "8:2"]) {
        const r = ref.get(key)!;
        const b = f.get(key)!;
        const per = r.nComponents * r.nProperties;
        expect(b.nSamples).toBe(s.length / 2);
        for (let smp = 0; smp < b.nSamples; smp++) {
          let m = 0;
          for (let k = 0; k < per; k++) m = Math.max(m, Math.abs(b.values[smp * per + k]! - r.values[k]!));
          expect(m).toBeLessThan(TOL);
        }
      }
    }
    expect(Math.max(...Array.from(ref.get("8:2")!.values, Math.abs))).toBeGreaterThan(1e-2);
  });
});
