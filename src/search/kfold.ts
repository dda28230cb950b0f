/**
 * Seeded k-fold cross-validation split by group (e.g. by structure, so that the atoms of one structure never
 * sit on both sides of a split). Groups are shuffled with the seeded Rng and dealt round-robin into k folds,
 * so fold sizes (in groups) differ by at most one.
 */
import { EngineError } from "../core/errors.js";
import { Rng } from "../core/rng.js";

/** One fold: the group ids (and, with per-sample groups, the sample indices) held out and kept for training. */
export interface Fold {
  /** 0-based fold index. */
  readonly index: number;
  /** Group ids (e.g. structure indices) in the held-out part, ascending. */
  readonly testGroups: number[];
  /** Group ids in the training part, ascending. */
  readonly trainGroups: number[];
  /** Sample indices held out, ascending (only with per-sample groups). */
  readonly test?: number[];
  /** Sample indices for training, ascending (only with per-sample groups). */
  readonly train?: number[];
}

/**
 * k folds over `groups`: either a number G (groups 0..G−1, e.g. the structures of a training set) or one
 * group id per sample (any non-negative integers; then `train`/`test` sample indices are filled in too).
 */
export function kFold(groups: number | ArrayLike<number>, k: number, seed: number): Fold[] {
  if (!Number.isInteger(k) || k < 2) {
    throw new EngineError("InvalidParameter", `k-fold needs an integer k ≥ 2, got ${k}`, { field: "folds" });
  }
  let ids: number[];
  let perSample: ArrayLike<number> | null = null;
  if (typeof groups === "number") {
    if (!Number.isInteger(groups) || groups < 0) {
      throw new EngineError("InvalidParameter", `group count must be a non-negative integer, got ${groups}`, {
        field: "groups",
      });
    }
    ids = Array.from({ length: groups }, (_, i) => i);
  } else {
    perSample = groups;
    const set = new Set<number>();
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (!Number.isInteger(g) || g < 0) {
        throw new EngineError(
          "InvalidParameter",
          `group id of sample ${i} must be a non-negative integer, got ${g}`,
          {
            field: `groups[${i}]`,
          },
        );
      }
      set.add(g);
    }
    ids = [...set].sort((a, b) => a - b);
  }
  if (ids.length < k) {
    throw new EngineError(
      "InvalidParameter",
      `${k}-fold cross-validation needs ≥ ${k} groups, got ${ids.length}`,
      {
        field: "folds",
      },
    );
  }
  const order = new Rng(seed).shuffle(ids.slice());
  const foldOf = new Map<number, number>();
  order.forEach((g, i) => {
    foldOf.set(g, i % k);
  });
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const testGroups = ids.filter((g) => foldOf.get(g) === f);
    const trainGroups = ids.filter((g) => foldOf.get(g) !== f);
    if (perSample === null) {
      folds.push({ index: f, testGroups, trainGroups });
    } else {
      const test: number[] = [];
      const train: number[] = [];
      for (let i = 0; i < perSample.length; i++) (foldOf.get(perSample[i]!) === f ? test : train).push(i);
      folds.push({ index: f, testGroups, trainGroups, test, train });
    }
  }
  return folds;
}
