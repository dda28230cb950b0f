/**
 * Statistics of a model's training set that evaluation needs: Harper's C̃Q = (|Vzz| − μ)/σ and η̃ = η|Vzz|/μ are
 * normalised by μ and σ of |Vzz|, and an evaluation set's own spread can be degenerate (one symmetric cell: σ ≈ 0,
 * C̃Q errors of 1e9). Models of an EFG tensor store the training set's μ and σ per centre species in their file
 * header (`trainingStatistics`); files written before have none, and evaluation then falls back to the evaluation
 * set's own, saying so.
 */
import type { Dataset } from "../core/dataset.js";
import { symbolOf } from "../core/elements.js";
import { efgParams } from "../nmr/efg.js";
import { isRecord } from "./modelfile.js";

/** μ and σ (1/N) of |Vzz| (a.u.) over the training set's atoms of one species. */
export interface EfgTrainingStatistics {
  readonly element: string;
  /** Number of training atoms. */
  readonly n: number;
  readonly vzzMean: number;
  readonly vzzStd: number;
}

/** What a model file header stores under `trainingStatistics`. */
export interface TrainingStatistics {
  readonly efg?: readonly EfgTrainingStatistics[];
}

/**
 * The |Vzz| statistics of every atom of `species` with a known `efg` tensor in `dataset` (null when the model's
 * target is not the EFG tensor, or no such atom exists).
 */
export function efgTrainingStatistics(
  dataset: Dataset,
  target: string,
  species: readonly number[],
): TrainingStatistics | null {
  if (target !== "efg") return null;
  const t = dataset.target("efg");
  if (t.components !== 9) return null;
  const out: EfgTrainingStatistics[] = [];
  for (const z of species) {
    const v: number[] = [];
    dataset.structures.forEach((s, si) => {
      s.numbers.forEach((zz, a) => {
        if (zz === z && t.masks[si]![a]) v.push(Math.abs(efgParams(t.values[si]!, 9 * a, null).vzz));
      });
    });
    if (v.length === 0) continue;
    const mu = v.reduce((a, b) => a + b, 0) / v.length;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / v.length);
    out.push({ element: symbolOf(z), n: v.length, vzzMean: mu, vzzStd: sd });
  }
  return out.length > 0 ? { efg: out } : null;
}

/**
 * The statistics a header stores, validated: null when absent (files written before they were stored) or when an
 * entry is not a finite μ > 0 with σ ≥ 0 (a hand-edited header must not give NaN metrics).
 */
export function readTrainingStatistics(header: Readonly<Record<string, unknown>>): TrainingStatistics | null {
  const ts = header.trainingStatistics;
  if (!isRecord(ts) || !Array.isArray(ts.efg)) return null;
  const efg: EfgTrainingStatistics[] = [];
  for (const e of ts.efg as unknown[]) {
    if (!isRecord(e) || typeof e.element !== "string") return null;
    const { n, vzzMean: mu, vzzStd: sd } = e;
    if (!Number.isSafeInteger(n) || typeof mu !== "number" || typeof sd !== "number") return null;
    if (!(Number.isFinite(mu) && mu > 0 && Number.isFinite(sd) && sd >= 0)) return null;
    efg.push({ element: e.element, n: n as number, vzzMean: mu, vzzStd: sd });
  }
  return { efg };
}

/** The per-element μ, σ map that efgMetrics takes (src/metrics/efg.ts `normalisation`), or undefined. */
export function harperNormalisation(
  stats: TrainingStatistics | null | undefined,
): Record<string, { vzzMean: number; vzzStd: number }> | undefined {
  if (!stats?.efg || stats.efg.length === 0) return undefined;
  return Object.fromEntries(stats.efg.map((e) => [e.element, { vzzMean: e.vzzMean, vzzStd: e.vzzStd }]));
}
