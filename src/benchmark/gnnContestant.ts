/**
 * The equivariant GNN as a third contestant of the scalar-vs-tensorial benchmark: trained on the same
 * training structures and scored on the same test atoms with the same metrics (src/metrics) as the GPR models.
 */
import { Dataset } from "../core/dataset.js";
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { createGnnModel, type GnnKind } from "../gnn/index.js";
import { type EfgSpeciesMetrics, efgMetrics } from "../metrics/efg.js";

export interface GnnContestantOptions {
  readonly kind: GnnKind;
  readonly epochs: number;
  readonly seed: number;
  /** Extra GNN hyperparameters (see src/gnn parseGnnHypers). */
  readonly hypers?: Readonly<Record<string, unknown>>;
  readonly log?: (line: string) => void;
}

export interface GnnContestantResult {
  readonly kind: GnnKind;
  readonly epochs: number;
  readonly nTest: number;
  readonly fitSeconds: number;
  readonly metrics: EfgSpeciesMetrics;
}

export async function runGnnContestant(
  structures: readonly Structure[],
  train: readonly number[],
  test: readonly number[],
  species: number,
  o: GnnContestantOptions,
): Promise<GnnContestantResult> {
  const trainSet = Dataset.fromArrays(
    train.map((i) => structures[i]!),
    ["efg"],
  );
  const model = createGnnModel(
    o.kind,
    { ...(o.hypers ?? {}), species: [species], epochs: o.epochs, seed: o.seed },
    { name: "efg", lambda: 2 },
  );
  const t0 = performance.now();
  await model.fit(trainSet, o.log ? { log: o.log } : {});
  const fitSeconds = (performance.now() - t0) / 1000;
  const testStructures = test.map((i) => structures[i]!);
  const pred = await model.predict(testStructures);
  if (!pred.cartesian) throw new EngineError("Internal", "GNN prediction without Cartesian tensors");
  const n = pred.atoms.length / 2;
  const ref = new Float64Array(n * 9);
  const sp = new Int32Array(n).fill(species);
  for (let k = 0; k < n; k++) {
    const s = testStructures[pred.atoms[2 * k]!]!;
    const atom = pred.atoms[2 * k + 1]!;
    const efg = s.numericArray("efg");
    if (!efg)
      throw new EngineError("InvalidParameter", "test structure without an 'efg' array", { field: "efg" });
    ref.set(efg.data.subarray(atom * 9, atom * 9 + 9), k * 9);
  }
  const metrics = efgMetrics(ref, pred.cartesian, sp)[symbolOf(species)]!;
  return { kind: o.kind, epochs: o.epochs, nTest: n, fitSeconds, metrics };
}
