/** Presentation of `bench venetos` (venetos.ts): text table, compact JSON, and the HTML report data. */
import { isotropicPart } from "../gpr/targets.js";
import type { ReportData } from "../report/types.js";
import { SPECTRA_SIGMA_REF, VENETOS_ANCHORS, type VenetosResult } from "./venetos.js";

const f = (x: number | undefined, d = 3): string =>
  x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(d);

/** The headline numbers (plain JSON, docs/json.md: `seconds` the total, `timings` per stage in s). */
export function venetosSummary(r: VenetosResult): Record<string, unknown> {
  const m = r.evaluation.ms!;
  return {
    benchmark: "venetos",
    preset: r.config.name,
    seed: r.seed,
    split: r.split,
    blocks: r.blocks,
    test: {
      sigmaIsoMae: m.iso.mae,
      sigmaIsoRmse: m.iso.rmse,
      sigmaIsoR: m.iso.r,
      tensorComponentMae: m.components.cartesianMae,
      percentRmse: {
        t0: m.components.t0.percentRmse,
        t1: m.components.t1.percentRmse,
        t2: m.components.t2.percentRmse,
      },
      deltaMae: m.delta.mae,
      etaMae: m.eta.mae,
      coverage2sigma: r.evaluation.coverage2sigma,
    },
    learningCurve: r.curve,
    spectraOverlap: { mas: r.spectra.mas.overlap, static: r.spectra.static.overlap },
    seconds: r.seconds.total,
    timings: {
      search: r.seconds.search,
      fit: r.seconds.fit,
      predict: r.seconds.predict,
      curve: r.seconds.curve,
    },
    anchors: VENETOS_ANCHORS,
    notes: r.notes,
  };
}

/** The text table printed by the CLI. */
export function venetosText(r: VenetosResult): string {
  const m = r.evaluation.ms!;
  const s = r.split;
  const cov = r.evaluation.coverage2sigma ?? {};
  const pct = (k: string) => (cov[k] === undefined ? "-" : `${(100 * cov[k]!).toFixed(1)} %`);
  const a = VENETOS_ANCHORS;
  return [
    `soapgpr bench venetos (${r.config.name}, seed ${r.seed}): ²⁹Si shielding tensors, split by structure`,
    `split: ${s.trainStructures} train / ${s.testStructures} test structures (${s.trainTensors} / ${s.testTensors} tensors)`,
    ...r.blocks.map(
      (b) =>
        `λ=${b.lambda}: rc ${f(b.rcut, 2)} Å, σ ${f(b.sigma, 3)} Å, reg ${b.reg.toExponential(2)}, ζ ${b.zeta} (${b.source}${b.score !== null ? `, CV MAE ${f(b.score)}` : ""})`,
    ),
    `test: σ_iso MAE ${f(m.iso.mae)} ppm, RMSE ${f(m.iso.rmse)} ppm, r ${f(m.iso.r, 4)}`,
    `      tensor-component MAE ${f(m.components.cartesianMae)} ppm   [${a.venetos.label}: ${a.venetos.tensorMae} ppm]`,
    `      %RMSE T0 ${f(m.components.t0.percentRmse, 1)}, T1 ${f(m.components.t1.percentRmse, 1)}, T2 ${f(m.components.t2.percentRmse, 1)}   [${a.benMahmoud.label}: ${a.benMahmoud.siPercentRmse}]`,
    `      Δ MAE ${f(m.delta.mae)} ppm, η MAE ${f(m.eta.mae, 4)}`,
    `      ±2σ coverage: λ=0 ${pct("0")}, λ=1 ${pct("1")}, λ=2 ${pct("2")}, all ${pct("all")} (nominal 95.4 %)`,
    `learning curve (λ=0): ${r.curve.map((c) => `${c.nTrain} → ${f(c.isoMae)} ppm`).join(", ")}`,
    `time: search ${f(r.seconds.search, 1)} s, fit ${f(r.seconds.fit, 1)} s, predict ${f(r.seconds.predict, 1)} s, curve ${f(r.seconds.curve, 1)} s, total ${f(r.seconds.total, 1)} s`,
  ].join("\n");
}

/** HTML report: the table, σ_iso and tensor-component parity plots, the learning curve. */
export function venetosReport(r: VenetosResult, meta: { source: string; command: string }): ReportData {
  const ev = r.evaluation;
  const n = ev.n;
  const C = ev.mean.length / n;
  const isoRef = Array.from({ length: n }, (_, i) => isotropicPart(ev.reference, 9 * i));
  const isoPred = Array.from({ length: n }, (_, i) => ev.mean[C * i]!);
  return {
    title: "²⁹Si magnetic-shielding tensors (Venetos et al. 2023 data): one GPR tensor model (λ 0, 1, 2)",
    meta: {
      command: meta.command,
      data: meta.source,
      seed: r.seed,
      totalSeconds: Number(r.seconds.total.toFixed(1)),
    },
    metaLabels: { totalSeconds: "total time / s" },
    notes: [venetosText(r)],
    sections: [
      {
        title: "Test set",
        figures: [
          {
            kind: "parity",
            title: "σ_iso",
            label: "σ_iso / ppm",
            series: [{ name: "λ=0 block", reference: isoRef, predicted: isoPred }],
          },
          {
            kind: "parity",
            title: "Tensor components (9 Cartesian, not symmetrised)",
            label: "σ_ij / ppm",
            series: [{ name: "full tensor", reference: ev.reference, predicted: ev.predicted }],
          },
          {
            kind: "learningCurve",
            title: "Learning curve (λ=0 block, test σ_iso)",
            yLabel: "σ_iso MAE / ppm",
            xLabel: "training tensors",
            series: [
              {
                name: "σ_iso",
                group: "λ=0",
                n: r.curve.map((c) => c.nTrain),
                value: r.curve.map((c) => c.isoMae),
              },
            ],
          },
        ],
      },
      {
        title: "²⁹Si spectra of the test sites: model over DFT",
        text: [
          `δ = σ_ref − σ with σ_ref = ${SPECTRA_SIGMA_REF} ppm (a plotting reference; the overlap does not depend on it), ` +
            `equal site weights, Gaussian broadening ${r.spectra.mas.broadeningPpm} ppm FWHM. Overlap 1 − ½∫|I_ML − I_DFT| dδ: ` +
            `MAS ${r.spectra.mas.overlap.toFixed(4)}, static ${r.spectra.static.overlap.toFixed(4)}.`,
        ],
        figures: (["mas", "static"] as const).map((k) => {
          const sp = r.spectra[k];
          return {
            kind: "spectrum" as const,
            title: `²⁹Si ${k === "mas" ? "MAS (isotropic)" : "static (CSA powder pattern)"}, ${sp.sites} sites — overlap ${sp.overlap.toFixed(3)}`,
            label: "δ(²⁹Si) / ppm",
            series: [
              { name: "DFT tensors", ppm: sp.ppm, intensity: sp.reference },
              { name: "GPR tensor model", ppm: sp.ppm, intensity: sp.predicted },
            ],
          };
        }),
        columns: 2,
      },
    ],
  };
}
