/**
 * Hyperparameter-search objectives (Harper et al. 2025, §3.4–3.5), combined from metric values computed
 * elsewhere (src/metrics) on a held-out fold:
 * - tensorial λ=2: mean of MAE(C̃Q), MAE(η̃) and mean(1 − q̃) — lower is better, 0 is perfect;
 * - scalar λ=0: MAE of the single learned quantity.
 * The CLI's `--objective cq,eta,q` picks a subset of the tensorial terms.
 */
import { EngineError } from "../core/errors.js";

/** Terms an objective can average. `mae` is the scalar model's MAE of its learned quantity. */
export type ObjectiveTerm = "cq" | "eta" | "q" | "mae";

/** An objective: the unweighted mean of its terms. */
export interface Objective {
  readonly terms: readonly ObjectiveTerm[];
}

/** Metric values of one held-out fold (only the terms the objective uses need to be present). */
export interface FoldMetrics {
  /** MAE of C̃Q = (Vzz − μ)/σ (dimensionless). */
  readonly maeCQ?: number;
  /** MAE of η̃ = (Vxx − Vyy)/μ(Vzz) (dimensionless). */
  readonly maeEta?: number;
  /** Mean quaternion agreement q̃ ∈ [0, 1] (1 = all orientations exact). */
  readonly meanQ?: number;
  /** MAE of the learned scalar (its own unit). */
  readonly mae?: number;
}

/** Harper's tensorial objective: mean(MAE C̃Q, MAE η̃, 1 − mean q̃). */
export const TENSORIAL_OBJECTIVE: Objective = { terms: ["cq", "eta", "q"] };

const TERMS: readonly ObjectiveTerm[] = ["cq", "eta", "q", "mae"];

/** Parse "cq,eta,q" (CLI form). Throws EngineError naming the field for unknown or repeated terms. */
export function parseObjective(text: string, field = "objective"): Objective {
  const parts = text
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  if (parts.length === 0) throw new EngineError("InvalidParameter", "objective has no terms", { field });
  const seen = new Set<string>();
  for (const p of parts) {
    if (!(TERMS as readonly string[]).includes(p)) {
      throw new EngineError(
        "InvalidParameter",
        `unknown objective term '${p}' (expected ${TERMS.join(", ")})`,
        {
          field,
        },
      );
    }
    if (seen.has(p))
      throw new EngineError("InvalidParameter", `objective term '${p}' given twice`, { field });
    seen.add(p);
  }
  return { terms: parts as ObjectiveTerm[] };
}

/** Value of one term from fold metrics. */
function termValue(term: ObjectiveTerm, m: FoldMetrics): number | undefined {
  switch (term) {
    case "cq":
      return m.maeCQ;
    case "eta":
      return m.maeEta;
    case "q":
      return m.meanQ === undefined ? undefined : 1 - m.meanQ;
    case "mae":
      return m.mae;
  }
}

/** Combine metric values into the objective's score (lower is better). */
export function combineObjective(objective: Objective, m: FoldMetrics): number {
  if (objective.terms.length === 0) throw new EngineError("InvalidParameter", "objective has no terms");
  let s = 0;
  for (const t of objective.terms) {
    const v = termValue(t, m);
    if (v === undefined || !Number.isFinite(v)) {
      throw new EngineError(
        "InvalidParameter",
        `objective term '${t}' needs a finite metric value, got ${v}`,
        {
          field: t,
        },
      );
    }
    s += v;
  }
  return s / objective.terms.length;
}
