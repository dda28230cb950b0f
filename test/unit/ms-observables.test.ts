/**
 * Issue 14 item 2: chemical-shift referencing and MS observables with uncertainties propagated from the block
 * covariances, by linearisation and by sampling, tested against each other and against exact linear cases.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/core/rng.js";
import { MS_SCALARS, msOrientation, msScalarStd, msScalars } from "../../src/model/msObservables.js";
import { layoutToCartesian } from "../../src/model/tensorLayout.js";
import { msParams } from "../../src/nmr/ms.js";
import { chemicalShift, fitReference, fixedReference, referenceFromCsv } from "../../src/nmr/shifts.js";
import { runCli } from "../helpers/cli.js";
import { fitSi, predictSi, venetosSubset } from "../helpers/venetos.js";

const lambdas = [0, 1, 2];
/** A shielding-like layout: σ_iso 400 ppm, a small antisymmetric part, an anisotropic T2 of tens of ppm. */
const mu = Float64Array.from([400, 1.5, -0.7, 2.2, 12, -30, 25, 8, -17]);

/** A block-diagonal covariance with random SPD blocks of scale `s` ppm. */
function blockCov(s: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const C = new Float64Array(81);
  for (const [o, c] of [
    [0, 1],
    [1, 3],
    [4, 5],
  ] as const) {
    const a = Array.from({ length: c * c }, () => rng.normal() * s);
    for (let i = 0; i < c; i++)
      for (let j = 0; j < c; j++) {
        let v = i === j ? 0.1 * s * s : 0;
        for (let k = 0; k < c; k++) v += a[i * c + k]! * a[j * c + k]!;
        C[(o + i) * 9 + o + j] = v / c;
      }
  }
  return C;
}

describe("chemical-shift reference", () => {
  it("fixed σ_ref: δ = σ_ref − σ_iso", () => {
    expect(chemicalShift(fixedReference(320), 400)).toBe(-80);
  });

  it("the fit recovers an exact line δ = a − b·σ and r = −1; the CSV reader names file, line and field", () => {
    const sigma = [380, 390, 402.5, 415];
    const delta = sigma.map((s) => 310 - 0.95 * s);
    const r = fitReference(sigma, delta);
    expect(r.a).toBeCloseTo(310, 9);
    expect(r.b).toBeCloseTo(0.95, 12);
    expect(r.r).toBeCloseTo(-1, 12);
    const csv = `# assigned 29Si sites\nsite,sigma,delta\n${sigma.map((s, i) => `Si${i},${s},${delta[i]}`).join("\n")}\n`;
    expect(referenceFromCsv(csv, "ref.csv").b).toBeCloseTo(0.95, 12);
    expect(() => referenceFromCsv("sigma,delta\n380,-80\n390,x\n", "ref.csv")).toThrow(
      expect.objectContaining({ file: "ref.csv", line: 3, field: "delta" }),
    );
    expect(() => referenceFromCsv("s,d\n1,2\n", "ref.csv")).toThrow(/columns 'sigma' and 'delta'/);
    expect(() => fitReference([400, 400], [1, 2])).toThrow(/at least 2 sites with different σ/);
  });
});

describe("MS observables and their uncertainties", () => {
  const ref = fixedReference(320);
  const cart = new Float64Array(9);
  layoutToCartesian(lambdas, mu, 0, cart, 0);

  it("values are those of src/nmr/ms.ts on the reassembled tensor; δ = σ_ref − σ_iso", () => {
    const v = msScalars(cart, 0, ref);
    const p = msParams(cart, 0);
    expect(v.iso).toBeCloseTo(400, 10);
    expect(v.shift).toBeCloseTo(-80, 10);
    expect([v.zeta, v.delta, v.eta, v.span, v.skew]).toEqual([p.zeta, p.delta, p.eta, p.span, p.skew]);
    const o = msOrientation(cart, 0);
    expect(Math.hypot(...o.quat)).toBeCloseTo(1, 12);
  });

  it("σ_iso and δ are linear: both methods give √Σ_00 (sampling to its statistical error)", () => {
    const cov = blockCov(0.5, 1);
    const lin = msScalarStd(lambdas, mu, 0, cov, 0, ref, { method: "linear" });
    const sd = Math.sqrt(cov[0]!);
    expect(lin.iso).toBeCloseTo(sd, 9); // central differences are exact for a linear function (round-off)
    expect(lin.shift).toBeCloseTo(sd, 9);
    const n = 20000;
    const smp = msScalarStd(lambdas, mu, 0, cov, 0, ref, { method: "sampling", samples: n, seed: 5 });
    // the sample std has relative standard error ≈ 1/√(2n) = 0.5 %; 3 % is > 5 standard errors
    expect(Math.abs(smp.iso / sd - 1)).toBeLessThan(0.03);
  });

  it("nonlinear observables (ζ, Δ, η, Ω, κ): linearisation and sampling agree for small covariances", () => {
    const cov = blockCov(0.3, 2); // √Σ ~ 0.3 ppm against an anisotropy of tens of ppm: nearly linear
    const lin = msScalarStd(lambdas, mu, 0, cov, 0, ref, { method: "linear" });
    const smp = msScalarStd(lambdas, mu, 0, cov, 0, ref, { method: "sampling", samples: 20000, seed: 7 });
    for (const name of MS_SCALARS) {
      expect(lin[name], name).toBeGreaterThan(0);
      // sampling error 0.5 % (above) plus second-order terms of relative size ~√Σ/anisotropy ~ 1 %
      expect(Math.abs(smp[name] / lin[name] - 1), name).toBeLessThan(0.05);
    }
  });

  it("a zero-variance block (λ=1 skipped) does not break either method", () => {
    const cov = blockCov(0.3, 3);
    for (let i = 1; i < 4; i++) for (let j = 0; j < 9; j++) cov[i * 9 + j] = cov[j * 9 + i] = 0;
    const lin = msScalarStd(lambdas, mu, 0, cov, 0, ref, { method: "linear" });
    const smp = msScalarStd(lambdas, mu, 0, cov, 0, ref, { method: "sampling", samples: 4000, seed: 1 });
    for (const name of MS_SCALARS)
      expect(Number.isFinite(lin[name]) && Number.isFinite(smp[name])).toBe(true);
  });
});

describe("CLI: predict --observables with --reference / --reference-fit, nmr with a reference", () => {
  const { file, dir, structures } = venetosSubset(6);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const model = path.join(dir, "ms.model");
  const obs = "iso,shift,zeta,delta,eta,span,skew,euler,quat";

  /** Rows of a CSV as objects keyed by the header. */
  const rowsOf = (csv: string) => {
    const lines = fs.readFileSync(csv, "utf8").split("\n");
    const head = lines.find((l) => l.startsWith("structure,"))!.split(",");
    return {
      text: lines.join("\n"),
      rows: lines
        .filter((l) => /^\d/.test(l))
        .map((l) => Object.fromEntries(l.split(",").map((v, i) => [head[i]!, Number(v)]))),
    };
  };

  it("writes δ_iso = σ_ref − σ_iso and every MS observable with a _std column; both propagation methods agree", async () => {
    await fitSi(file, model, "ms", "1e-8");
    const lin = path.join(dir, "lin.csv");
    await predictSi(model, file, lin, ["--observables", obs, "--reference", "320"]);
    const a = rowsOf(lin);
    expect(a.text).toMatch(/# observable_units=iso, shift, zeta, delta, span: ppm; eta, skew: 1/);
    expect(a.text).toMatch(/# reference=shift reference: δ_iso = 320 − σ_iso/);
    for (const r of a.rows) {
      expect(r.shift).toBeCloseTo(320 - r.iso!, 9);
      expect(r.iso).toBeCloseTo(r.mean_0!, 9); // σ_iso is the λ=0 block
      // linear in the λ=0 block; central differences of ~400 ppm values with a step of 1e-4·std lose ~1e-9 ppm
      expect(r.iso_std).toBeCloseTo(r.std_0!, 7);
      expect(r.shift_std).toBeCloseTo(r.std_0!, 7);
      expect(r.span_std).toBeGreaterThan(0);
    }
    const smp = path.join(dir, "smp.csv");
    const sampling = ["--uncertainty", "sampling", "--samples", "4000"];
    await predictSi(model, file, smp, ["--observables", "iso,span", "--reference", "320", ...sampling]);
    const b = rowsOf(smp);
    let linearRegime = 0;
    b.rows.forEach((r, k) => {
      // 4000 draws: relative standard error of a std ≈ 1/√8000 ≈ 1.1 %; 8 % is > 7 standard errors
      expect(Math.abs(r.iso_std! / a.rows[k]!.iso_std! - 1), `iso ${k}`).toBeLessThan(0.08);
      // Ω = σ33 − σ11 is smooth only while its std is small against Ω (near-degenerate principal values make it
      // non-Gaussian, where linearisation is not meant to hold): compare there, 8 % for the sampling error above
      // plus second-order terms of relative size std/Ω ≤ 5 %
      if (a.rows[k]!.span_std! > 0.05 * r.span!) return;
      linearRegime++;
      expect(Math.abs(r.span_std! / a.rows[k]!.span_std! - 1), `span ${k}`).toBeLessThan(0.08);
    });
    expect(linearRegime).toBeGreaterThan(0);
    expect(structures.length).toBe(6);
  });

  it("nmr --reference-fit prints the fitted a, b, r and δ_iso; shift without a reference is an error", async () => {
    const ref = path.join(dir, "ref.csv");
    fs.writeFileSync(ref, "sigma,delta\n380,-70\n400,-90\n420,-110.5\n");
    const r = await runCli(["nmr", file, "--species", "Si", "--reference-fit", ref]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /shift reference fit \(3 sites of .*ref\.csv\): δ_iso = a − b·σ_iso, a = \d+\.\d+ ppm, b = 1\.0125\d+, r = -0\.99/,
    );
    expect(r.stdout).toMatch(/d_iso/);
    const noRef = await runCli([
      "predict",
      "--model",
      model,
      "--data",
      file,
      "--out",
      path.join(dir, "x.csv"),
      "--observables",
      "shift",
    ]);
    expect(noRef.code).toBe(1);
    expect(noRef.stderr).toMatch(/'shift' observable needs --reference/);
    expect(fs.existsSync(path.join(dir, "x.csv"))).toBe(false);
  });
});
