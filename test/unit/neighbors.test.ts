import { describe, expect, it } from "vitest";
import { neighborList } from "../../src/core/neighbors.js";
import { Rng } from "../../src/core/rng.js";
import { Structure } from "../../src/core/structure.js";
import { readExtxyz } from "../../src/io/extxyz.js";

const SHARED = new URL("../../../shared/data/tensoap-ref/structures/", import.meta.url);

function readSimpleXyz(name: string): Structure {
  return readExtxyz(new URL(name, SHARED).pathname)[0]!;
}

/** Sorted neighbour distances of atom i, each with the neighbour's species. */
function shell(s: Structure, rc: number, i: number): string[] {
  const nl = neighborList(s, rc);
  const out: string[] = [];
  for (let k = nl.offsets[i]!; k < nl.offsets[i + 1]!; k++) {
    out.push(`${s.numbers[nl.neighbors[k]!]}:${nl.distances[k]!.toFixed(6)}`);
  }
  return out.sort();
}

/** Brute force over a generous block of images (independent of the cell-list code). */
function bruteForce(s: Structure, rc: number, i: number, nimg: number): string[] {
  const out: string[] = [];
  const c = s.cell!;
  const p = s.positions;
  for (let j = 0; j < s.length; j++) {
    for (let a = -nimg; a <= nimg; a++)
      for (let b = -nimg; b <= nimg; b++)
        for (let d = -nimg; d <= nimg; d++) {
          if (j === i && a === 0 && b === 0 && d === 0) continue;
          let r2 = 0;
          for (let k = 0; k < 3; k++) {
            const dx = p[3 * j + k]! + a * c[k]! + b * c[3 + k]! + d * c[6 + k]! - p[3 * i + k]!;
            r2 += dx * dx;
          }
          if (r2 < rc * rc) out.push(`${s.numbers[j]}:${Math.sqrt(r2).toFixed(6)}`);
        }
  }
  return out.sort();
}

describe("neighborList", () => {
  const prim = readSimpleXyz("skewcheck_prim.xyz");
  const cubic = readSimpleXyz("skewcheck_cubic.xyz");
  const sup = readSimpleXyz("skewcheck_prim333.xyz");

  for (const rc of [4, 6]) {
    it(`skewed primitive, cubic and 3x3x3 rocksalt cells give identical shells at rc=${rc}`, () => {
      // Per species, every atom of every cell must see the same sorted distance list.
      for (const z of [3, 8]) {
        const ref = shell(prim, rc, prim.numbers.indexOf(z));
        // rocksalt a=4.18: 6 nearest at 2.09, 12 at 2.956, 8 at 3.62 inside 4 Å
        if (rc === 4) expect(ref.length).toBe(26);
        expect(ref).toEqual(bruteForce(prim, rc, prim.numbers.indexOf(z), 6));
        for (const s of [cubic, sup]) {
          for (let i = 0; i < s.length; i++) if (s.numbers[i] === z) expect(shell(s, rc, i)).toEqual(ref);
        }
      }
    });
  }

  it("matches brute force on a random triclinic cell with rc larger than the cell", () => {
    const rng = new Rng(7);
    const cell = [3.1, 0.2, 0.1, 1.4, 2.7, -0.3, 0.9, -1.1, 2.9];
    const n = 5;
    const numbers = Array.from({ length: n }, (_, i) => (i % 2 ? 8 : 22));
    // positions deliberately outside the cell to exercise wrapping
    const positions = Array.from({ length: 3 * n }, () => 8 * rng.uniform() - 4);
    const s = new Structure({ numbers, positions, cell });
    for (let i = 0; i < n; i++) expect(shell(s, 5.5, i)).toEqual(bruteForce(s, 5.5, i, 6));
    // vectors are r_j + shift − r_i with |v| = distance
    const nl = neighborList(s, 5.5);
    for (let k = 0; k < nl.distances.length; k++) {
      const v = Math.hypot(nl.vectors[3 * k]!, nl.vectors[3 * k + 1]!, nl.vectors[3 * k + 2]!);
      expect(Math.abs(v - nl.distances[k]!)).toBeLessThan(1e-12);
    }
  });

  it("handles clusters, mixed pbc and centre subsets", () => {
    const rng = new Rng(3);
    const n = 40;
    const positions = Array.from({ length: 3 * n }, () => 10 * rng.uniform());
    const numbers = new Array<number>(n).fill(6);
    const cl = new Structure({ numbers, positions });
    const nl = neighborList(cl, 3);
    for (let i = 0; i < n; i++) {
      const got = [];
      for (let k = nl.offsets[i]!; k < nl.offsets[i + 1]!; k++) got.push(nl.distances[k]!.toFixed(9));
      const want = [];
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const d = Math.hypot(
          positions[3 * j]! - positions[3 * i]!,
          positions[3 * j + 1]! - positions[3 * i + 1]!,
          positions[3 * j + 2]! - positions[3 * i + 2]!,
        );
        if (d < 3) want.push(d.toFixed(9));
      }
      expect(got.sort()).toEqual(want.sort());
    }
    // slab: periodic in x only (cell 4 Å along x), cutoff 9 needs 3 image layers each side
    const slab = new Structure({
      numbers: [6, 8],
      positions: [0, 0, 0, 1, 1, 1],
      cell: [4, 0, 0, 0, 50, 0, 0, 0, 50],
      pbc: [true, false, false],
    });
    const d0 = shell(slab, 9, 0);
    const want: string[] = [];
    for (let a = -5; a <= 5; a++) {
      if (a !== 0 && Math.abs(4 * a) < 9) want.push(`6:${Math.abs(4 * a).toFixed(6)}`);
      const d = Math.hypot(1 + 4 * a, 1, 1);
      if (d < 9) want.push(`8:${d.toFixed(6)}`);
    }
    expect(d0).toEqual(want.sort());
    const sub = neighborList(sup, 4, { centers: [3, 5] });
    expect(sub.offsets.length).toBe(sup.length + 1);
    expect(sub.offsets[1]! - sub.offsets[0]!).toBe(0);
    expect(sub.offsets[4]! - sub.offsets[3]!).toBe(26);
  });
});
