import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { principalFrame } from "../../src/nmr/eigen.js";
import { efgParams } from "../../src/nmr/efg.js";
import { isotope } from "../../src/nmr/isotopes.js";
import { msParams } from "../../src/nmr/ms.js";
import {
  orientation,
  quaternionFromMatrix,
  quaternionSimilarity,
  rotationFromZYZ,
} from "../../src/nmr/orientation.js";
import { cartesianToT2, rotateTensor, wignerD2 } from "../../src/nmr/spherical.js";

/** V diag(l) Vᵀ for a row-major rotation V. */
function fromPrincipal(l: readonly number[], V: ArrayLike<number>): Float64Array {
  const t = new Float64Array(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += V[3 * i + k]! * l[k]! * V[3 * j + k]!;
      t[3 * i + j] = s;
    }
  return t;
}

/** Random traceless tensor with eigenvalues of order 1 in a random frame. */
function randomEfg(rng: Rng): Float64Array {
  const a = rng.normal();
  const b = rng.normal();
  return fromPrincipal([a, b, -a - b], rng.rotation());
}

function axisRotation(n: readonly number[], angle: number): Float64Array {
  const h = angle / 2;
  const q = [Math.cos(h), Math.sin(h) * n[0]!, Math.sin(h) * n[1]!, Math.sin(h) * n[2]!];
  const [w, x, y, z] = q as [number, number, number, number];
  return Float64Array.of(
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  );
}

const o17 = isotope("17O");

describe("invariants under random rotations", () => {
  it("Vzz, η, CQ, ‖T2‖², σiso, ζ, η_σ, Ω, κ do not change; ‖T2‖² = Vzz²(3+η²)/2", () => {
    const rng = new Rng(2024);
    const rt = new Float64Array(9);
    const t2 = new Float64Array(5);
    for (let trial = 0; trial < 200; trial++) {
      const t = randomEfg(rng);
      const R = rng.rotation();
      rotateTensor(R, t, 0, rt, 0);
      const p = efgParams(t, 0, o17);
      const q = efgParams(rt, 0, o17);
      // eigenvalues of O(1) tensors: Jacobi + rotation round-off ~1e-15; 1e-12 leaves a wide margin
      expect(Math.abs(p.vzz - q.vzz)).toBeLessThan(1e-12);
      expect(Math.abs(p.eta - q.eta)).toBeLessThan(1e-10); // η = (Vxx−Vyy)/Vzz, Vzz ≥ ~1e-2 here
      expect(Math.abs(p.cq - q.cq)).toBeLessThan(1e-11); // CQ ≈ 6 MHz per a.u.
      cartesianToT2(rt, 0, t2, 0);
      let n2 = 0;
      for (let m = 0; m < 5; m++) n2 += t2[m]! * t2[m]!;
      expect(Math.abs(n2 - (q.vzz * q.vzz * (3 + q.eta * q.eta)) / 2)).toBeLessThan(1e-11 * (1 + n2));
      // shielding: add an isotropic part and an antisymmetric part (which the conventions ignore)
      const s = Float64Array.from(t, (v) => 10 * v);
      for (const k of [0, 4, 8]) s[k] = s[k]! + 300;
      s[1] = s[1]! + 0.7;
      s[3] = s[3]! - 0.7;
      const rs = new Float64Array(9);
      rotateTensor(R, s, 0, rs, 0);
      const a = msParams(s, 0);
      const b = msParams(rs, 0);
      // ppm values ~300: round-off ~1e-13
      for (const key of ["iso", "zeta", "delta", "span"] as const)
        expect(Math.abs(a[key] - b[key])).toBeLessThan(1e-10);
      expect(Math.abs(a.eta - b.eta)).toBeLessThan(1e-9);
      expect(Math.abs(a.skew - b.skew)).toBeLessThan(1e-9);
      expect(Math.abs(a.iso - 300)).toBeLessThan(1e-12);
    }
  });

  it("T2(R T Rᵀ) = D²(R) T2(T)", () => {
    const rng = new Rng(99);
    const rt = new Float64Array(9);
    const a = new Float64Array(5);
    const b = new Float64Array(5);
    for (let trial = 0; trial < 50; trial++) {
      const t = new Float64Array(9);
      for (let i = 0; i < 9; i++) t[i] = rng.normal(); // general tensor: D² acts on its T2 part
      const R = rng.rotation();
      rotateTensor(R, t, 0, rt, 0);
      cartesianToT2(t, 0, a, 0);
      cartesianToT2(rt, 0, b, 0);
      const D = wignerD2(R);
      for (let m = 0; m < 5; m++) {
        let v = 0;
        for (let k = 0; k < 5; k++) v += D[5 * m + k]! * a[k]!;
        expect(Math.abs(v - b[m]!)).toBeLessThan(1e-13); // O(1) values, ~50 flops each
      }
    }
  });
});

describe("first-order quadrupolar frequency", () => {
  it("ω_Q^lab = ν_Q·V^lab_zz/Vzz equals ν_Q·½(3cos²θ_B − 1 + η sin²θ_B cos 2φ_B), (θ_B, φ_B) = B0 in the PAS", () => {
    // V^lab_zz = Σ_k V_kk b_k² with b = Vᵀ ẑ; with Vxx + Vyy = −Vzz this is the closed form above (φ_B from the
    // PAS X axis; Harper's eq. 5 writes −η cos 2φ, i.e. φ measured from the Y axis).
    const rng = new Rng(55);
    const iso = isotope("7Li");
    for (let trial = 0; trial < 100; trial++) {
      const t = randomEfg(rng);
      const p = efgParams(t, 0, iso);
      const o = orientation(t, 0, "nqr");
      const bx = o.frame[6]!;
      const by = o.frame[7]!;
      const bz = o.frame[8]!;
      const c2 = bz * bz;
      const s2 = 1 - c2;
      const cos2phi = s2 > 0 ? (bx * bx - by * by) / s2 : 1;
      const expected = 1000 * p.nuQ * 0.5 * (3 * c2 - 1 + p.eta * s2 * cos2phi);
      expect(Math.abs(p.omegaQLab - expected)).toBeLessThan(1e-9 * (1 + Math.abs(expected))); // kHz, O(10–100)
    }
  });
});

describe("quaternion orientation metric", () => {
  it("q̃(T, rotated T) = max(|cos Θ/2|, |sin Θ/2|·max_k |n'_k|), n' = axis in the PAS of T", () => {
    // Derivation: V' = R_n(Θ) V, so q' = r ⊗ q (⊗ g from the eigen-solver's choice of signs). Then
    // q · (q' ⊗ g) = scalar(q* ⊗ r ⊗ q ⊗ g) and q* ⊗ r ⊗ q = (cos Θ/2, sin Θ/2 · n'), n' = Vᵀ n. The scalar
    // part of (c, s n') ⊗ g is c for g = 1 and −s n'_x, −s n'_y, −s n'_z for g = i, j, k.
    const rng = new Rng(31);
    const rt = new Float64Array(9);
    for (let trial = 0; trial < 300; trial++) {
      const t = randomEfg(rng);
      let nx = rng.normal();
      let ny = rng.normal();
      let nz = rng.normal();
      const nn = Math.hypot(nx, ny, nz);
      nx /= nn;
      ny /= nn;
      nz /= nn;
      const theta = (trial / 300) * 2 * Math.PI;
      const R = axisRotation([nx, ny, nz], theta);
      rotateTensor(R, t, 0, rt, 0);
      const oa = orientation(t, 0, "nqr");
      const ob = orientation(rt, 0, "nqr");
      const V = oa.frame;
      const np = [0, 1, 2].map((k) => Math.abs(V[k]! * nx + V[3 + k]! * ny + V[6 + k]! * nz));
      const c = Math.abs(Math.cos(theta / 2));
      const s = Math.abs(Math.sin(theta / 2));
      const expected = Math.max(c, s * np[0]!, s * np[1]!, s * np[2]!);
      const got = quaternionSimilarity(oa.quaternion, 0, ob.quaternion, 0);
      // eigenvectors of a random tensor are accurate to ~1e-15/gap; the gaps are rarely < 1e-3 for 300 draws
      expect(Math.abs(got - expected)).toBeLessThan(1e-9);
      // identical tensors: exactly 1
      expect(quaternionSimilarity(oa.quaternion, 0, oa.quaternion, 0)).toBe(1);
    }
  });

  it("Shepperd's quaternion reproduces the matrix and has w ≥ 0, including 180° rotations", () => {
    const rng = new Rng(8);
    const q = new Float64Array(4);
    const mats = [
      rng.rotation(),
      rng.rotation(),
      axisRotation([1, 0, 0], Math.PI),
      axisRotation([0, 0.6, 0.8], Math.PI),
    ];
    for (const R of mats) {
      quaternionFromMatrix(R, 0, q, 0);
      expect(q[0]!).toBeGreaterThanOrEqual(0);
      const [w, x, y, z] = q as unknown as [number, number, number, number];
      const back = [
        1 - 2 * (y * y + z * z),
        2 * (x * y - w * z),
        2 * (x * z + w * y),
        2 * (x * y + w * z),
        1 - 2 * (x * x + z * z),
        2 * (y * z - w * x),
        2 * (x * z - w * y),
        2 * (y * z + w * x),
        1 - 2 * (x * x + y * y),
      ];
      for (let k = 0; k < 9; k++) expect(Math.abs(back[k]! - R[k]!)).toBeLessThan(1e-14);
    }
  });
});

describe("Euler angles reconstruct the tensor", () => {
  it("active: Rz(α)Ry(β)Rz(γ) diag(λ) (…)ᵀ = T; passive: the transpose; β ∈ [0°, 90°]", () => {
    const rng = new Rng(17);
    for (let trial = 0; trial < 100; trial++) {
      const t = randomEfg(rng);
      const o = orientation(t, 0, "nqr");
      const d = Math.PI / 180;
      const Ra = rotationFromZYZ(o.eulerActive[0] * d, o.eulerActive[1] * d, o.eulerActive[2] * d);
      const Rp = rotationFromZYZ(o.eulerPassive[0] * d, o.eulerPassive[1] * d, o.eulerPassive[2] * d);
      const RpT = new Float64Array(9);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) RpT[3 * i + j] = Rp[3 * j + i]!;
      const ta = fromPrincipal(o.values, Ra);
      const tp = fromPrincipal(o.values, RpT);
      for (let k = 0; k < 9; k++) {
        expect(Math.abs(ta[k]! - t[k]!)).toBeLessThan(1e-12); // degrees↔radians round trip + products
        expect(Math.abs(tp[k]! - t[k]!)).toBeLessThan(1e-12);
      }
      expect(o.eulerActive[1]).toBeGreaterThanOrEqual(0);
      expect(o.eulerActive[1]).toBeLessThanOrEqual(90 + 1e-9);
      expect(o.eulerActive[2]).toBeGreaterThanOrEqual(0);
      expect(o.eulerActive[2]).toBeLessThan(180);
      expect(o.eulerPassive[0]).toBeLessThan(180);
    }
  });
});

describe("degenerate and nearly degenerate tensors", () => {
  it("η = 0, all-equal and zero tensors give finite numbers, no NaN", () => {
    const rng = new Rng(4);
    const R = rng.rotation();
    const axial = fromPrincipal([-1, -1, 2], R);
    const iso = fromPrincipal([3, 3, 3], R);
    const zero = new Float64Array(9);
    for (const t of [axial, iso, zero]) {
      const p = efgParams(t, 0, o17);
      const m = msParams(t, 0);
      const o = orientation(t, 0, "nqr");
      const all = [
        p.vxx,
        p.vyy,
        p.vzz,
        p.eta,
        p.cq,
        p.pq,
        p.theta,
        p.phi,
        p.omegaQ,
        p.omegaQLab,
        ...Object.values(m).flat(),
        ...o.quaternion,
        ...o.eulerActive,
        ...o.eulerPassive,
      ];
      for (const v of all) expect(Number.isFinite(v)).toBe(true);
    }
    const p = efgParams(axial, 0, o17);
    expect(Math.abs(p.eta)).toBeLessThan(1e-14); // exact axial symmetry up to round-off
    expect(Math.abs(p.vzz - 2)).toBeLessThan(1e-14);
    // axial: the Vzz axis is the third column of R; eq. 5 is exact for η = 0
    expect(Math.abs(Math.abs(p.axis[2]) - Math.abs(R[8]!))).toBeLessThan(1e-14);
    expect(Math.abs(p.omegaQ - p.omegaQLab)).toBeLessThan(1e-9);
    expect(orientation(iso, 0, "nqr").eulerActive).toEqual([0, 0, 0]); // Soprano: all-degenerate → zeros
  });

  it("near-degenerate eigenvalues: orthonormal frame and small residual", () => {
    const rng = new Rng(12);
    const vals = new Float64Array(3);
    const V = new Float64Array(9);
    for (const gap of [0, 1e-15, 1e-12, 1e-8, 1e-4]) {
      const t = fromPrincipal([1, 1 + gap, -2 - gap], rng.rotation());
      principalFrame(t, 0, "increasing", vals, V);
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          let d = 0;
          for (let i = 0; i < 3; i++) d += V[3 * i + a]! * V[3 * i + b]!;
          expect(Math.abs(d - (a === b ? 1 : 0))).toBeLessThan(1e-14);
        }
        for (let i = 0; i < 3; i++) {
          let r = -vals[a]! * V[3 * i + a]!;
          for (let k = 0; k < 3; k++) r += t[3 * i + k]! * V[3 * k + a]!;
          expect(Math.abs(r)).toBeLessThan(1e-14); // backward-stable Jacobi: residual ~ ε‖T‖
        }
      }
      // increasing order: (−2−gap, 1, 1+gap); eigenvalues accurate to ~ε‖T‖
      expect(Math.abs(vals[0]! + 2 + gap)).toBeLessThan(1e-14);
      expect(Math.abs(vals[1]! - 1)).toBeLessThan(1e-14);
      expect(Math.abs(vals[2]! - 1 - gap)).toBeLessThan(1e-14);
    }
  });
});
