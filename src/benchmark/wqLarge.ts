/**
 * ω_Q of large LTO cells (Harper et al. 2025, Fig. 6): predict the EFG tensor of every Li site of many 1512-atom
 * cells with a tensorial λ=2 model — in the primal (src/gpr/primal.ts), so the cost per site does not grow with
 * the training set — compute ω_Q (eq. 5, kHz), histogram it, find the 5 most prominent peaks and their regions
 * (src/analysis/peaks.ts: down to 10 counts per bin, non-overlapping) and label every Li site by its region.
 * Output: per-atom arrays `wq` (kHz; 0 for non-Li atoms), `wq_region` (1..5 = region, 0 = Li not classified,
 * −1 = not Li) and `efg_pred` (9 columns, a.u.; zeros for non-Li) in an extxyz file.
 */
import { type PeakAnalysis, findPeakRegions } from "../analysis/peaks.js";
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { GprModel } from "../gpr/gpr.js";
import type { Model } from "../model/types.js";
import { loadModel } from "../models.js";
import { supportsPrimal } from "../gpr/primal.js";
import { writeExtxyz } from "../io/extxyz.js";
import { efgParams } from "../nmr/efg.js";
import { isotopeFor } from "../nmr/isotopes.js";

export interface WqLargeOptions {
  /** Model file or a fitted model (λ=2 EFG, ζ 1 or 2). */
  readonly model: string | Model;
  readonly structures: readonly Structure[];
  /** Output extxyz (optional). */
  readonly out?: string;
  /** Histogram bin width in kHz (default: Freedman–Diaconis, see src/analysis/peaks.ts). */
  readonly binWidth?: number;
  readonly nPeaks?: number;
  readonly minCount?: number;
  readonly isotopes?: Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
}

export interface WqLargeResult {
  cells: number;
  atomsPerCell: number[];
  sites: number;
  species: string;
  isotope: string;
  /** seconds */
  timings: {
    load: number;
    features: number;
    weights: number;
    predict: number;
    analysis: number;
    write: number;
    total: number;
  };
  analysis: Omit<PeakAnalysis, "labels">;
  /** ω_Q per predicted site (kHz), structure then atom order. */
  values: Float64Array;
  /** Region label per predicted site. */
  labels: Int32Array;
  out: string | null;
  /** Human-readable summary (stdout). */
  text: string;
}

// long: a timed pipeline (load, check, predict, analyse, write) whose stage timings read one clock
export async function runWqLarge(o: WqLargeOptions): Promise<WqLargeResult> {
  const now = () => performance.now() / 1000;
  const tStart = now();
  const log = o.log ?? (() => {});
  let t0 = now();
  const model = typeof o.model === "string" ? loadModel(o.model) : o.model;
  const tLoad = now() - t0;
  if (!(model instanceof GprModel) || model.params.lambda !== 2 || model.params.target !== "efg") {
    throw new EngineError(
      "InvalidParameter",
      "ω_Q of large cells needs a λ=2 GPR model of the 'efg' target",
      {
        field: "model",
      },
    );
  }
  if (!supportsPrimal(model.params.zeta)) {
    throw new EngineError(
      "InvalidParameter",
      `primal prediction needs ζ = 1 or 2, this model has ζ = ${model.params.zeta}`,
      { field: "zeta" },
    );
  }
  log(`predicting ${o.structures.length} cells in the primal`);
  // the mean-only prediction of a GPR model with ζ ∈ {1, 2} is the primal one (src/gpr/primal.ts)
  const prediction = await model.predict(o.structures, { variance: false });
  const timings = { features: 0, weights: 0, predict: 0, ...prediction.timings };
  const cart = prediction.cartesian;
  if (!cart) throw new EngineError("Internal", "the model returned no Cartesian tensors");
  const el = symbolOf(prediction.species);
  const iso = isotopeFor(el, o.isotopes);
  if (!iso || iso.spin <= 0.5 || iso.qMb === 0) {
    throw new EngineError("InvalidParameter", `${el} has no quadrupolar isotope for ω_Q`, {
      field: "isotope",
    });
  }
  const n = prediction.atoms.length / 2;
  t0 = now();
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = efgParams(cart, 9 * i, iso).omegaQ;
  const peaks = findPeakRegions(values, {
    nPeaks: o.nPeaks ?? 5,
    minCount: o.minCount ?? 10,
    ...(o.binWidth !== undefined ? { binWidth: o.binWidth } : {}),
  });
  const tAnalysis = now() - t0;
  t0 = now();
  let out: string | null = null;
  if (o.out) {
    const perStruct = o.structures.map((s) => ({
      wq: new Float64Array(s.length),
      region: new Int32Array(s.length).fill(-1),
      efg: new Float64Array(9 * s.length),
    }));
    for (let k = 0; k < n; k++) {
      const si = prediction.atoms[2 * k]!;
      const a = prediction.atoms[2 * k + 1]!;
      const p = perStruct[si]!;
      p.wq[a] = values[k]!;
      p.region[a] = peaks.labels[k]!;
      p.efg.set(cart.subarray(9 * k, 9 * k + 9), 9 * a);
    }
    const outStructs = o.structures.map((s, si) => {
      const arrays = new Map(s.arrays);
      arrays.set("wq", { ncols: 1, data: perStruct[si]!.wq });
      arrays.set("wq_region", { ncols: 1, data: perStruct[si]!.region });
      arrays.set("efg_pred", { ncols: 9, data: perStruct[si]!.efg });
      return s.with({ arrays });
    });
    writeExtxyz(o.out, outStructs, {
      header: {
        wq_units: "kHz",
        wq_definition: "Harper eq. 5 from the predicted EFG, B0 || z",
        wq_region: "1..5 = peak region (increasing ω_Q), 0 = unclassified Li, -1 = not Li",
        efg_pred_units: "au",
        isotope: iso.name,
      },
    });
    out = o.out;
  }
  const tWrite = now() - t0;
  const total = now() - tStart;
  const { labels, ...analysis } = peaks;
  const lines = [
    `ω_Q of ${n} ${iso.name} sites in ${o.structures.length} cells (${[...new Set(o.structures.map((s) => s.length))].join("/")} atoms)`,
    `times (s): load ${tLoad.toFixed(2)}, features ${timings.features.toFixed(2)}, primal weights ${timings.weights.toFixed(2)}, ` +
      `predict ${timings.predict.toFixed(2)}, analysis ${tAnalysis.toFixed(2)}, write ${tWrite.toFixed(2)}, total ${total.toFixed(2)}`,
    `histogram: bin width ${peaks.binWidth.toFixed(2)} kHz, ${peaks.counts.length} bins; regions (≥ ${peaks.minCount} counts per bin):`,
    ...peaks.regions.map(
      (r) =>
        `  region ${r.label} (prominence rank ${r.rank}): peak ${r.center.toFixed(1)} kHz (${r.count} counts), ` +
        `[${r.lo.toFixed(1)}, ${r.hi.toFixed(1)}) kHz, ${r.members} sites`,
    ),
    `unclassified: ${labels.reduce((a, l) => a + (l === 0 ? 1 : 0), 0)} sites${out ? `; written to ${out}` : ""}`,
  ];
  return {
    cells: o.structures.length,
    atomsPerCell: o.structures.map((s) => s.length),
    sites: n,
    species: el,
    isotope: iso.name,
    timings: {
      load: tLoad,
      features: timings.features,
      weights: timings.weights,
      predict: timings.predict,
      analysis: tAnalysis,
      write: tWrite,
      total,
    },
    analysis,
    values,
    labels,
    out,
    text: lines.join("\n"),
  };
}
