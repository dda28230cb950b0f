import { wignerDReal } from "../../src/math/wigner.js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { readExtxyz } from "../../src/io/extxyz.js";
import {
  cartesianToSpherical,
  cartesianToT2,
  cartesianToT2Batch,
  rotateTensor,
  sphericalFromTensoap,
  sphericalToCartesian,
  t2FromTensoapL2,
  t2ToCartesian,
  t2ToTensoapL2,
  wignerD1,
  wignerD2,
} from "../../src/nmr/spherical.js";

const shared = (p: string): string => fileURLToPath(new URL(`../../../shared/${p}`, import.meta.url));

describe("spherical components: conventions of DESIGN.md", () => {
  it("matches the defining formulas on a generic tensor", () => {
    // T_ij = 10 i + j + 1 (not symmetric, not traceless)
    const t = Float64Array.from([1, 2, 3, 11, 12, 13, 21, 22, 23]);
    const s = new Float64Array(9);
    cartesianToSpherical(t, 0, s, 0);
    const r2 = Math.SQRT2;
    // exact hand evaluation of each definition; 1e-14 = a few ulps of numbers of size ~30
    expect(s[0]).toBeCloseTo((1 + 12 + 23) / Math.sqrt(3), 13);
    expect(s[1]).toBeCloseTo((21 - 3) / r2, 13); // a_y = (T_zx − T_xz)/√2
    expect(s[2]).toBeCloseTo((2 - 11) / r2, 13); // a_z = (T_xy − T_yx)/√2
    expect(s[3]).toBeCloseTo((13 - 22) / r2, 13); // a_x = (T_yz − T_zy)/√2
    expect(s[4]).toBeCloseTo(r2 * 6.5, 13); // √2 S_xy
    expect(s[5]).toBeCloseTo(r2 * 17.5, 13); // √2 S_yz
    expect(s[6]).toBeCloseTo((2 * 23 - 1 - 12) / Math.sqrt(6), 13);
    expect(s[7]).toBeCloseTo(r2 * 12, 13); // √2 S_xz
    expect(s[8]).toBeCloseTo((1 - 12) / r2, 13);
  });

  it("is orthonormal: the 9x9 map is orthogonal and the round trip is exact", () => {
    const M = new Float64Array(81);
    const e = new Float64Array(9);
    const s = new Float64Array(9);
    for (let c = 0; c < 9; c++) {
      e.fill(0);
      e[c] = 1;
      cartesianToSpherical(e, 0, s, 0);
      for (let r = 0; r < 9; r++) M[r * 9 + c] = s[r]!;
    }
    for (let i = 0; i < 9; i++) {
      for (let j = 0; j < 9; j++) {
        let d = 0;
        for (let k = 0; k < 9; k++) d += M[i * 9 + k]! * M[j * 9 + k]!;
        expect(Math.abs(d - (i === j ? 1 : 0))).toBeLessThan(1e-15); // entries are 0, 1/√2, 1/√3, 1/√6
      }
    }
  });

  it("agrees with TENSOAP's cart2sph matrix: L1 = T1, L2 = T2, L0 = −T0", () => {
    const M = (
      JSON.parse(readFileSync(shared("data/tensoap-ref/cart2sph_matrix.json"), "utf8")) as { M: number[][] }
    ).M;
    const rng = new Rng(7);
    const t = new Float64Array(9);
    const ours = new Float64Array(9);
    const theirs = new Float64Array(9);
    const conv = new Float64Array(9);
    for (let trial = 0; trial < 20; trial++) {
      for (let i = 0; i < 9; i++) t[i] = rng.normal();
      cartesianToSpherical(t, 0, ours, 0);
      for (let c = 0; c < 9; c++) {
        let v = 0;
        for (let r = 0; r < 9; r++) v += t[r]! * M[r]![c]!; // s = t_flat @ M
        theirs[c] = v;
      }
      sphericalFromTensoap(theirs, 0, conv, 0);
      // the JSON holds 16-digit decimals of 1/√2 etc.: agreement to ~1e-15 relative, 1e-13 absolute for N(0,1)
      for (let k = 0; k < 9; k++) expect(Math.abs(conv[k]! - ours[k]!)).toBeLessThan(1e-13);
    }
  });

  it("reproduces TENSOAP's L2 of every efg in bench.xyz (efg_L2_tensoap_convention.txt)", () => {
    const frames = readExtxyz(shared("data/tensoap-ref/structures/bench.xyz"));
    const lines = readFileSync(shared("data/tensoap-ref/efg_L2_tensoap_convention.txt"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#"));
    expect(lines.length).toBe(1600);
    const t2 = new Float64Array(5);
    const l2 = new Float64Array(5);
    const back = new Float64Array(5);
    let maxDev = 0;
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      const cfg = Number(f[0]);
      const atom = Number(f[1]);
      const efg = frames[cfg]!.arrays.get("efg")!.data as Float64Array;
      cartesianToT2(efg, 9 * atom, t2, 0);
      for (let m = 0; m < 5; m++) l2[m] = Number(f[3 + m]);
      t2FromTensoapL2(l2, 0, back, 0);
      for (let m = 0; m < 5; m++) maxDev = Math.max(maxDev, Math.abs(back[m]! - t2[m]!));
      t2ToTensoapL2(t2, 0, back, 0);
      for (let m = 0; m < 5; m++) maxDev = Math.max(maxDev, Math.abs(back[m]! - l2[m]!));
    }
    // file written with 11 significant digits from 8-decimal efg values: |L2| < 2 → rounding ≤ 1e-10
    expect(maxDev).toBeLessThan(2e-10);
  });

  it("t2ToCartesian inverts cartesianToT2 on symmetric traceless tensors, batch = single", () => {
    const rng = new Rng(11);
    const n = 5;
    const t = new Float64Array(9 * n);
    const s = new Float64Array(9);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 9; k++) s[k] = rng.normal();
      for (let a = 0; a < 3; a++)
        for (let b = 0; b < 3; b++) t[9 * i + 3 * a + b] = 0.5 * (s[3 * a + b]! + s[3 * b + a]!);
      const tr = (t[9 * i]! + t[9 * i + 4]! + t[9 * i + 8]!) / 3;
      t[9 * i] -= tr;
      t[9 * i + 4] -= tr;
      t[9 * i + 8] -= tr;
    }
    const t2 = cartesianToT2Batch(t, n);
    const back = new Float64Array(9);
    for (let i = 0; i < n; i++) {
      t2ToCartesian(t2, 5 * i, back, 0);
      for (let k = 0; k < 9; k++) expect(Math.abs(back[k]! - t[9 * i + k]!)).toBeLessThan(1e-14);
    }
  });

  it("D²(R), D¹(R) and src/math's D_l(R) (l ≤ 6) are orthogonal and satisfy D(R1 R2) = D(R1) D(R2)", () => {
    const rng = new Rng(3);
    const R1 = rng.rotation();
    const R2 = rng.rotation();
    const R12 = new Float64Array(9);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let v = 0;
        for (let k = 0; k < 3; k++) v += R1[3 * i + k]! * R2[3 * k + j]!;
        R12[3 * i + j] = v;
      }
    // closed forms: entries O(1), a few products, 1e-14; the least-squares fit of src/math/wigner.ts: 1e-11 covers
    // its round-off at l = 6 (normal equations of 39 points)
    const cases: [(R: ArrayLike<number>) => Float64Array, number, number][] = [
      [wignerD2, 5, 1e-14],
      [wignerD1, 3, 1e-14],
      ...Array.from({ length: 7 }, (_, l): [(R: ArrayLike<number>) => Float64Array, number, number] => [
        (R) => wignerDReal(l, R),
        2 * l + 1,
        1e-11,
      ]),
    ];
    for (const [fn, d, tol] of cases) {
      const A = fn(R1);
      const B = fn(R2);
      const C = fn(R12);
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) {
          let ab = 0;
          let aat = 0;
          for (let k = 0; k < d; k++) {
            ab += A[d * i + k]! * B[d * k + j]!;
            aat += A[d * i + k]! * A[d * j + k]!;
          }
          expect(Math.abs(ab - C[d * i + j]!)).toBeLessThan(tol);
          expect(Math.abs(aat - (i === j ? 1 : 0))).toBeLessThan(tol);
        }
    }
  });

  it("D¹ rotates T1 of a random tensor", () => {
    const rng = new Rng(5);
    const R = rng.rotation();
    const t = new Float64Array(9);
    for (let i = 0; i < 9; i++) t[i] = rng.normal();
    const rt = new Float64Array(9);
    rotateTensor(R, t, 0, rt, 0);
    const s = new Float64Array(9);
    const rs = new Float64Array(9);
    cartesianToSpherical(t, 0, s, 0);
    cartesianToSpherical(rt, 0, rs, 0);
    const D1 = wignerD1(R);
    for (let m = 0; m < 3; m++) {
      let v = 0;
      for (let k = 0; k < 3; k++) v += D1[3 * m + k]! * s[1 + k]!;
      expect(Math.abs(v - rs[1 + m]!)).toBeLessThan(1e-14); // O(1) numbers, 9 products
    }
    // and the full inverse brings back the rotated tensor
    const back = new Float64Array(9);
    sphericalToCartesian(rs, 0, back, 0);
    for (let k = 0; k < 9; k++) expect(Math.abs(back[k]! - rt[k]!)).toBeLessThan(1e-14);
  });
});
