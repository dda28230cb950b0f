import { describe, expect, it } from "vitest";
import { CpuBackend } from "../../src/backend/cpu.js";
import { EngineError } from "../../src/core/errors.js";
import { Rng } from "../../src/core/rng.js";
import { Structure } from "../../src/core/structure.js";
import { realCgTable } from "../../src/math/clebsch.js";
import { soapHypersFromCli } from "../../cli/options.js";
import { DEFAULT_SOAP_HYPERS, parseSoapHypers, TENSOAP_PRESET } from "../../src/soap/hypers.js";
import { atomicKernel, structureKernel } from "../../src/soap/kernels.js";
import { LambdaCoupling, LambdaSoap, powerSpectrum } from "../../src/soap/lambdaSoap.js";

function cluster(rng: Rng, n: number): Structure {
  const numbers = Array.from({ length: n }, (_, i) => [3, 8, 22][i % 3]!);
  const positions = Array.from({ length: 3 * n }, () => 5 * rng.uniform());
  return new Structure({ numbers, positions });
}

describe("λ-SOAP identities", () => {
  const soap = new LambdaSoap({
    cutoff: { radius: 4 },
    density: { width: 0.5 },
    basis: { maxRadial: 5, maxAngular: 4 }, // K = 15 channels (odd): exercises the loop tails
    normalize: false,
  });
  const rng = new Rng(99);
  const s = cluster(rng, 12);
  const exp = soap.expansion([3, 8, 22]);
  const X = new Float64Array(exp.size * 3);
  exp.compute(s, [0, 1, 2], X, 0);
  const K = exp.nChannels;

  it("the λ=0 block of the general CG coupling equals the power spectrum", () => {
    const c0 = new LambdaCoupling(0, 4, K);
    const a = new Float64Array(c0.nProperties);
    const b = new Float64Array(c0.nProperties);
    for (let c = 0; c < 3; c++) {
      c0.couple(X, c * exp.size, a, 0);
      powerSpectrum(X, c * exp.size, 4, K, b, 0);
      for (let p = 0; p < a.length; p++)
        expect(Math.abs(a[p]! - b[p]!)).toBeLessThan(1e-14 * (1 + Math.abs(b[p]!)));
    }
  });

  for (const [lambda, sigma] of [
    [0, 1],
    [1, -1],
    [2, 1],
    [2, -1],
    [3, 1],
  ] as const) {
    it(`symmetric-half storage gives the full product's kernel (λ=${lambda}, σ=${sigma})`, () => {
      const cp = new LambdaCoupling(lambda, 4, K, sigma);
      const nc = 2 * lambda + 1;
      const half = new Float64Array(3 * nc * cp.nProperties);
      for (let c = 0; c < 3; c++) cp.couple(X, c * exp.size, half, c * nc * cp.nProperties);
      // full features by the definition: all ordered (A,l1),(B,l2), l1+l2+λ of parity σ, dense CG tables
      const full: number[][] = [];
      for (let c = 0; c < 3; c++) {
        const f: number[] = [];
        for (let mu = 0; mu < nc; mu++) {
          for (let l1 = 0; l1 <= 4; l1++)
            for (let l2 = 0; l2 <= 4; l2++) {
              if (lambda < Math.abs(l1 - l2) || lambda > l1 + l2) continue;
              if (((l1 + l2 + lambda) % 2 === 0) !== (sigma === 1)) continue;
              const t = realCgTable(l1, l2, lambda);
              for (let A = 0; A < K; A++)
                for (let B = 0; B < K; B++) {
                  let v = 0;
                  for (let e = 0; e < t.nnz; e++) {
                    if (t.mu[e] !== mu) continue;
                    v +=
                      t.value[e]! *
                      X[c * exp.size + (l1 * l1 + t.m1[e]!) * K + A]! *
                      X[c * exp.size + (l2 * l2 + t.m2[e]!) * K + B]!;
                  }
                  f.push(v);
                }
            }
        }
        full.push(f);
      }
      const Ffull = full[0]!.length / nc;
      // about half the size (σ=−1 with l1 = l2 also drops the vanishing A = B diagonal)
      expect(cp.nProperties).toBeGreaterThan(0.4 * Ffull);
      expect(cp.nProperties).toBeLessThan(0.6 * Ffull);
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++)
          for (let mu = 0; mu < nc; mu++)
            for (let nu = 0; nu < nc; nu++) {
              let kh = 0;
              for (let p = 0; p < cp.nProperties; p++)
                kh += half[(i * nc + mu) * cp.nProperties + p]! * half[(j * nc + nu) * cp.nProperties + p]!;
              let kf = 0;
              for (let p = 0; p < Ffull; p++) kf += full[i]![mu * Ffull + p]! * full[j]![nu * Ffull + p]!;
              expect(Math.abs(kh - kf)).toBeLessThan(1e-12 * (1 + Math.abs(kf)));
            }
    });
  }

  it("λ>0 normalisation (computed from the expansion) gives ‖P Pᵀ‖_F = 1 and the direction of the raw features", () => {
    const normed = new LambdaSoap({ ...soap.params, normalize: true });
    for (const [lambda, parity] of [
      [2, 1],
      [2, -1],
      [3, 1],
      [1, -1],
    ] as const) {
      const raw = soap.compute([s], { lambdas: [lambda], parity }).get(`8:${lambda}`)!;
      const nrm = normed.compute([s], { lambdas: [lambda], parity }).get(`8:${lambda}`)!;
      const nc = 2 * lambda + 1;
      const F = raw.nProperties;
      for (let smp = 0; smp < raw.nSamples; smp++) {
        const gram = (v: Float64Array) => {
          let fro = 0;
          for (let a = 0; a < nc; a++)
            for (let b = 0; b < nc; b++) {
              let d = 0;
              for (let p = 0; p < F; p++) d += v[(smp * nc + a) * F + p]! * v[(smp * nc + b) * F + p]!;
              fro += d * d;
            }
          return Math.sqrt(fro);
        };
        expect(gram(nrm.values)).toBeCloseTo(1, 12);
        const scale = 1 / Math.sqrt(gram(raw.values));
        for (let k = smp * nc * F; k < (smp + 1) * nc * F; k++) {
          expect(Math.abs(nrm.values[k]! - scale * raw.values[k]!)).toBeLessThan(1e-13);
        }
      }
    }
  });

  it("does not mutate the structures and is deterministic", () => {
    const pos = Float64Array.from(s.positions);
    const nums = Int32Array.from(s.numbers);
    const a = soap.compute([s]);
    const b = soap.compute([s]);
    expect(s.positions).toEqual(pos);
    expect(s.numbers).toEqual(nums);
    for (const k of a.keys()) expect(a.get(k)!.values).toEqual(b.get(k)!.values);
  });

  it("smooth cutoff: features are continuous as a neighbour leaves the sphere; step cutoff is not", () => {
    const mk = (r: number) =>
      new Structure({ numbers: [8, 3, 22], positions: [0, 0, 0, 1.1, 0.5, 0.2, 0, 0, r] });
    for (const [smoothing, continuous] of [
      [{ type: "ShiftedCosine", width: 0.5 }, true],
      [{ type: "Step" }, false],
    ] as const) {
      const d = new LambdaSoap({
        cutoff: { radius: 3, smoothing },
        density: { width: 0.4 },
        basis: { maxRadial: 4, maxAngular: 3 },
      });
      const a = d.compute([mk(3 - 1e-7)], { atoms: [[0]], lambdas: [0] }).get("8:0")!.values;
      const b = d.compute([mk(3 + 1e-7)], { atoms: [[0]], lambdas: [0] }).get("8:0")!.values;
      let m = 0;
      for (let p = 0; p < a.length; p++) m = Math.max(m, Math.abs(a[p]! - b[p]!));
      if (continuous) expect(m).toBeLessThan(1e-9);
      else expect(m).toBeGreaterThan(1e-4);
    }
  });

  it("centerWeight scales the centre's own Gaussian (0 removes it)", () => {
    const one = new Structure({ numbers: [8], positions: [0, 0, 0] });
    const d0 = new LambdaSoap({ centerWeight: 0, basis: { maxRadial: 3, maxAngular: 2 }, normalize: false });
    const d2 = new LambdaSoap({ centerWeight: 2, basis: { maxRadial: 3, maxAngular: 2 }, normalize: false });
    const d1 = new LambdaSoap({ centerWeight: 1, basis: { maxRadial: 3, maxAngular: 2 }, normalize: false });
    const v0 = d0.compute([one], { lambdas: [0] }).get("8:0")!.values;
    const v1 = d1.compute([one], { lambdas: [0] }).get("8:0")!.values;
    const v2 = d2.compute([one], { lambdas: [0] }).get("8:0")!.values;
    expect(v0.every((v) => v === 0)).toBe(true);
    // power spectrum is quadratic in the density
    for (let p = 0; p < v1.length; p++) expect(v2[p]).toBeCloseTo(4 * v1[p]!, 13);
  });

  it("spline and analytic radial integrals agree to the spline accuracy", () => {
    const base = { cutoff: { radius: 4 }, density: { width: 0.3 }, basis: { maxRadial: 6, maxAngular: 4 } };
    const a = new LambdaSoap({ ...base, basis: { ...base.basis, radialIntegral: "analytic" } }).compute([s]);
    const b = new LambdaSoap({ ...base, basis: { ...base.basis, radialIntegral: "spline" } }).compute([s]);
    for (const k of a.keys()) {
      let m = 0;
      const x = a.get(k)!.values;
      const y = b.get(k)!.values;
      for (let p = 0; p < x.length; p++) m = Math.max(m, Math.abs(x[p]! - y[p]!));
      // normalised features, spline error 1e-8 relative per radial function
      expect(m).toBeLessThan(1e-7);
    }
  });
});

describe("kernels", () => {
  const rng = new Rng(5);
  const structs = [cluster(rng, 7), cluster(rng, 9), cluster(rng, 5)];
  const soap = new LambdaSoap({ basis: { maxRadial: 3, maxAngular: 3 }, density: { width: 0.5 } });
  const f = soap.compute(structs);

  it("atomic kernels equal (p0_i·p0_j)^(ζ−1) P_i P_jᵀ computed by plain loops", async () => {
    for (const zeta of [1, 2, 3]) {
      const K = await atomicKernel(f, f, 8, { lambda: 2, zeta });
      const A = f.get("8:2")!;
      const A0 = f.get("8:0")!;
      const n = A.nSamples;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let k0 = 0;
          for (let p = 0; p < A0.nProperties; p++)
            k0 += A0.values[i * A0.nProperties + p]! * A0.values[j * A0.nProperties + p]!;
          for (let mu = 0; mu < 5; mu++)
            for (let nu = 0; nu < 5; nu++) {
              let s = 0;
              for (let p = 0; p < A.nProperties; p++)
                s +=
                  A.values[(i * 5 + mu) * A.nProperties + p]! * A.values[(j * 5 + nu) * A.nProperties + p]!;
              expect(K.values[(i * 5 + mu) * n * 5 + j * 5 + nu]).toBeCloseTo(k0 ** (zeta - 1) * s, 13);
            }
        }
      // ‖K(i,i)‖_F = k0^(ζ−1) ‖P Pᵀ‖_F = 1 for normalised features
      let fro = 0;
      for (let mu = 0; mu < 5; mu++) for (let nu = 0; nu < 5; nu++) fro += K.values[mu * n * 5 + nu]! ** 2;
      expect(Math.sqrt(fro)).toBeCloseTo(1, 13);
    }
  });

  it("the symmetric (a === b) atomic kernel path equals the general product", async () => {
    for (const [lambda, zeta] of [
      [0, 2],
      [2, 2],
      [2, 1],
    ] as const) {
      // one product of the block with itself (symmetric: SIMD upper triangle, mirrored) against 2-row
      // rectangular chunks; simdMinFma 0 puts these small products on the SIMD kernel too, so that both sides
      // sum in the same order and agree to the last bits
      const backend = new CpuBackend({ simdMinFma: 0 });
      const gen = await atomicKernel(f, f, 8, { lambda, zeta, chunk: 2, backend });
      const sym = await atomicKernel(f, f, 8, { lambda, zeta, chunk: 1000, backend });
      backend.dispose();
      expect(sym.values.length).toBe(gen.values.length);
      for (let k = 0; k < gen.values.length; k++)
        expect(Math.abs(sym.values[k]! - gen.values[k]!)).toBeLessThan(1e-15);
    }
  });

  it("structure kernels are atom averages over all centre species, independent of chunking", async () => {
    const K = await structureKernel(f, f, { lambda: 0, zeta: 2, chunk: 3 });
    const K2 = await structureKernel(f, f, { lambda: 0, zeta: 2 });
    expect(K.values).toEqual(
      K2.values.map((v, i) => (Math.abs(v - K.values[i]!) < 1e-15 ? K.values[i]! : v)),
    );
    const all: { s: number; v: Float64Array }[] = [];
    for (const b of f.values()) {
      if (b.lambda !== 0) continue;
      for (let i = 0; i < b.nSamples; i++)
        all.push({ s: b.samples[2 * i]!, v: b.values.subarray(i * b.nProperties, (i + 1) * b.nProperties) });
    }
    for (let A = 0; A < 3; A++)
      for (let B = 0; B < 3; B++) {
        let sum = 0;
        let na = 0;
        let nb = 0;
        for (const x of all) if (x.s === A) na++;
        for (const y of all) if (y.s === B) nb++;
        for (const x of all)
          for (const y of all) {
            if (x.s !== A || y.s !== B) continue;
            let d = 0;
            for (let p = 0; p < x.v.length; p++) d += x.v[p]! * y.v[p]!;
            sum += d * d;
          }
        expect(K.values[A * 3 + B]).toBeCloseTo(sum / (na * nb), 13);
      }
  });
});

describe("hyperparameters", () => {
  it("fills defaults and validates", () => {
    expect(parseSoapHypers({})).toEqual(DEFAULT_SOAP_HYPERS);
    const h = parseSoapHypers({
      cutoff: { radius: 5, smoothing: { type: "ShiftedCosine", width: 0.3 } },
      basis: { maxRadial: 6 },
    });
    expect(h.cutoff).toEqual({ radius: 5, smoothing: { type: "ShiftedCosine", width: 0.3 } });
    expect(h.basis.maxRadial).toBe(6);
    expect(h.basis.maxAngular).toBe(DEFAULT_SOAP_HYPERS.basis.maxAngular);
  });
  it("rejects unknown keys and bad values with JSON paths", () => {
    const bad: [unknown, string][] = [
      [{ cutof: {} }, "$.cutof"],
      [{ cutoff: { radius: -1 } }, "$.cutoff.radius"],
      [{ cutoff: { smoothing: { type: "Cosine" } } }, "$.cutoff.smoothing.type"],
      [{ basis: { maxRadial: 2.5 } }, "$.basis.maxRadial"],
      [{ basis: { lmax: 3 } }, "$.basis.lmax"],
      [{ density: { width: "0.3" } }, "$.density.width"],
      [{ species: [3, "O"] }, "$.species[1]"],
      [{ lambdas: [0, 20] }, "$.lambdas[1]"],
    ];
    for (const [input, path] of bad) {
      let err: unknown;
      try {
        parseSoapHypers(input);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).message).toContain(path);
    }
  });
  it("CLI options override the preset", () => {
    const h = soapHypersFromCli({ preset: "tensoap", nmax: "4", lmax: "3", rcut: "5", sigma: "0.5" });
    expect(h.basis.maxRadial).toBe(4);
    expect(h.basis.maxAngular).toBe(3);
    expect(h.cutoff.radius).toBe(5);
    expect(h.density.width).toBe(0.5);
    expect(h.basis.radialIntegral).toBe(TENSOAP_PRESET.basis.radialIntegral);
    expect(() => soapHypersFromCli({ preset: "nope" })).toThrow(EngineError);
    expect(() => soapHypersFromCli({ rcut: "abc" })).toThrow(/--rcut/);
  });
  it("names unknown species", () => {
    const d = new LambdaSoap({ species: [8], basis: { maxRadial: 2, maxAngular: 2 } });
    expect(() => d.compute([new Structure({ numbers: [8, 1], positions: [0, 0, 0, 1, 0, 0] })])).toThrow(
      /Z=1/,
    );
  });
});
