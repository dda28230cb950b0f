/**
 * Magnetic-shielding metrics per element (Ben Mahmoud et al. 2024): MAE, RMSE, %RMSE, Pearson r of σiso, ζ,
 * Δ, η (Haeberlen), Ω, κ (Maryland); %RMSE of the irreducible components T0, T1, T2 (pooled per λ); q̃ of the
 * Haeberlen principal frames. All plain JSON-serialisable numbers.
 */
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import { principalFrame } from "../nmr/eigen.js";
import { msParams } from "../nmr/ms.js";
import { quaternionFromMatrix, quaternionSimilarity } from "../nmr/orientation.js";
import { type ComponentMetrics, sphericalComponentMetrics } from "./components.js";
import type { QuaternionStats } from "./efg.js";
import { groupBySpecies } from "./efg.js";
import { type ErrorStats, errorStats, mean, percentile } from "./stats.js";

export interface MsSpeciesMetrics {
  element: string;
  n: number;
  iso: ErrorStats;
  zeta: ErrorStats;
  delta: ErrorStats;
  eta: ErrorStats;
  span: ErrorStats;
  skew: ErrorStats;
  components: ComponentMetrics;
  q: QuaternionStats;
}

export function msMetrics(
  ref: ArrayLike<number>,
  pred: ArrayLike<number>,
  species: ArrayLike<number>,
): Record<string, MsSpeciesMetrics> {
  const n = species.length;
  if (ref.length !== 9 * n || pred.length !== 9 * n) {
    throw new EngineError(
      "ShapeMismatch",
      `expected ${n} tensors (9 numbers each) in reference and prediction`,
    );
  }
  const out: Record<string, MsSpeciesMetrics> = {};
  const vals = new Float64Array(3);
  const vecs = new Float64Array(9);
  const qa = new Float64Array(4);
  const qb = new Float64Array(4);
  for (const [z, idx] of groupBySpecies(species)) {
    const el = symbolOf(z);
    const pr = idx.map((i) => msParams(ref, 9 * i));
    const pp = idx.map((i) => msParams(pred, 9 * i));
    const pick = (key: "iso" | "zeta" | "delta" | "eta" | "span" | "skew"): ErrorStats =>
      errorStats(
        pr.map((p) => p[key]),
        pp.map((p) => p[key]),
      );
    const sub = (a: ArrayLike<number>): Float64Array => {
      const o = new Float64Array(9 * idx.length);
      idx.forEach((i, k) => {
        for (let c = 0; c < 9; c++) o[9 * k + c] = a[9 * i + c]!;
      });
      return o;
    };
    const qs = idx.map((i) => {
      principalFrame(ref, 9 * i, "haeberlen", vals, vecs);
      quaternionFromMatrix(vecs, 0, qa, 0);
      principalFrame(pred, 9 * i, "haeberlen", vals, vecs);
      quaternionFromMatrix(vecs, 0, qb, 0);
      return quaternionSimilarity(qa, 0, qb, 0);
    });
    out[el] = {
      element: el,
      n: idx.length,
      iso: pick("iso"),
      zeta: pick("zeta"),
      delta: pick("delta"),
      eta: pick("eta"),
      span: pick("span"),
      skew: pick("skew"),
      components: sphericalComponentMetrics(sub(ref), sub(pred), idx.length),
      q: { mean: mean(qs), p10: percentile(qs, 10), min: percentile(qs, 0), oneMinusMean: 1 - mean(qs) },
    };
  }
  return out;
}
