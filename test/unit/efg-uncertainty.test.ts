/**
 * Issue 17 item 5: CQ ± σ, η ± σ and ω_Q ± σ propagated from the predictive covariance of the T2 components, by
 * linearisation and by sampling, tested against each other and against exact cases (a covariance along the
 * tensor's own direction scales CQ and leaves η unchanged); and the `<o>_std` columns of predictionRecords.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { efgScalarStd, efgScalars } from "../../src/model/efgUncertainty.js";
import { predictionRecords, writePredictions } from "../../src/model/outputs.js";
import type { Prediction } from "../../src/model/types.js";
import { isotope } from "../../src/nmr/isotopes.js";
import { t2ToCartesian } from "../../src/nmr/spherical.js";
import { Structure } from "../../src/core/structure.js";

const al = isotope("27Al");
/** T2 of an EFG of a few a.u., η well inside (0, 1) (away from the η = 1 kink). */
const mu = Float64Array.from([0.3, -0.2, 1.1, 0.15, 0.45]);

/** Random SPD 5×5 covariance of scale s (a.u.). */
function randomCov(s: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const a = Array.from({ length: 25 }, () => rng.normal() * s);
  const c = new Float64Array(25);
  for (let i = 0; i < 5; i++)
    for (let j = 0; j < 5; j++) {
      let v = i === j ? 0.1 * s * s : 0;
      for (let k = 0; k < 5; k++) v += a[i * 5 + k]! * a[j * 5 + k]!;
      c[i * 5 + j] = v / 5;
    }
  return c;
}

describe("EFG observable uncertainties", () => {
  it("a covariance along the tensor itself (x = μ(1 + ε)) gives σ_CQ = |CQ|·σ_ε, σ_ω = |ω_Q|·σ_ε and σ_η = 0", () => {
    const se = 0.01;
    const S = new Float64Array(25);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) S[i * 5 + j] = se * se * mu[i]! * mu[j]!;
    const v = efgScalars(mu, 0, al);
    const sd = efgScalarStd(mu, 0, S, 0, al, { method: "linear" });
    // CQ and ω_Q are linear in the tensor: the central difference is exact to round-off (~1e-8 of the step)
    expect(Math.abs(sd.cq - Math.abs(v.cq) * se)).toBeLessThan(1e-6 * Math.abs(v.cq) * se);
    expect(Math.abs(sd.wq - Math.abs(v.wq) * se)).toBeLessThan(1e-6 * Math.abs(v.wq) * se);
    // η is scale-invariant: zero to the difference quotient's round-off
    expect(sd.eta).toBeLessThan(1e-8);
  });

  it("linearisation and sampling agree for a covariance small against the tensor", () => {
    const S = randomCov(0.01, 4);
    const lin = efgScalarStd(mu, 0, S, 0, al, { method: "linear" });
    const smp = efgScalarStd(mu, 0, S, 0, al, { method: "sampling", samples: 20000, seed: 1 });
    for (const k of ["cq", "eta", "wq"] as const) {
      expect(lin[k]).toBeGreaterThan(0);
      // sampling error of a std from 20000 draws: 1/√(2·20000) = 0.5 %; curvature over 1 % of the tensor ≲ 1 %
      expect(Math.abs(smp[k] - lin[k]) / lin[k], k).toBeLessThan(0.04);
    }
  });

  it("predictionRecords attach cq_std, eta_std, wq_std of a λ=2 EFG prediction with covariances", () => {
    const st = new Structure({ numbers: [13, 8], positions: [0, 0, 0, 1.8, 0, 0] });
    const S = randomCov(0.02, 7);
    const pred: Prediction = {
      species: 13,
      lambda: 2,
      atoms: new Int32Array([0, 0]),
      components: 5,
      mean: mu,
      variance: Float64Array.from({ length: 5 }, (_, i) => S[i * 6]!),
      covariance: S,
      cartesian: (() => {
        const c = new Float64Array(9);
        t2ToCartesian(mu, 0, c, 0);
        return c;
      })(),
      notes: [],
      timings: {},
    };
    const [r] = predictionRecords([st], pred, { observables: ["cq", "eta"], target: "efg" });
    const sd = efgScalarStd(mu, 0, S, 0, al, { method: "linear" });
    expect(r!.observableStd).toEqual({ cq: sd.cq, eta: sd.eta });
    // and the CSV output carries them as cq_std, eta_std beside cq, eta
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-efgstd-"));
    try {
      const csv = path.join(dir, "p.csv");
      writePredictions(csv, [st], pred, { target: "efg", observables: ["cq", "eta"], header: {} });
      const lines = fs
        .readFileSync(csv, "utf8")
        .split("\n")
        .filter((l) => l && !l.startsWith("#"));
      const head = lines[0]!.split(",");
      const row = lines[1]!.split(",").map(Number);
      expect(row[head.indexOf("cq_std")]).toBeCloseTo(sd.cq, 6);
      expect(row[head.indexOf("eta_std")]).toBeCloseTo(sd.eta, 6);
      expect(row[head.indexOf("cq")]).toBeCloseTo(efgScalars(mu, 0, al).cq, 6);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
