/**
 * Box–Behnken hyperparameter search with k-fold cross-validation (Harper et al. 2025, §3.4: "a global MAE
 * minimization … using a Box-Behnken design-of-experiment approach with five-fold cross-validation").
 *
 * Per round: run the design (once per level of the categorical factor, if any), score every run by the mean
 * of its k fold scores, fit a quadratic response surface per categorical level, take its constrained minimum
 * in the box, check that predicted optimum with one more cross-validation run, and — when `rounds` = 2 —
 * repeat on a shrunken box around the best level's optimum. Identical parameter sets (centre replicates) are
 * evaluated once and reused, since cross-validation with fixed folds is deterministic.
 *
 * Everything returned is plain JSON (numbers, strings, arrays), so it can be logged and written as is.
 */
import { EngineError, isEngineError } from "../core/errors.js";
import {
  type BoxBehnkenOptions,
  type CategoricalFactor,
  type Factor,
  type Params,
  boxBehnkenDesign,
  decodePoint,
  encode,
  validateFactors,
} from "./boxBehnken.js";
import { type Fold, kFold } from "./kfold.js";
import {
  type QuadraticSurface,
  type SurfaceOptimum,
  evaluateSurface,
  fitQuadratic,
  minimizeInBox,
  shrinkFactors,
} from "./responseSurface.js";

/** What the evaluate callback is told about the fold it must score. */
export interface FoldContext {
  /** Fold index 0..folds−1. */
  readonly fold: number;
  /** Number of folds. */
  readonly folds: number;
  /** Group ids (e.g. training-set structure indices) to train on / hold out; from `kFold(groups, folds, seed)`. */
  readonly trainGroups: number[];
  readonly testGroups: number[];
  /** Sample indices, when `groups` was given per sample. */
  readonly train?: number[];
  readonly test?: number[];
}

/** Score one parameter set on one fold (lower is better). Throwing an EngineError marks the run as failed. */
export type EvaluateFn = (params: Params, fold: FoldContext) => Promise<number>;

/** One logged evaluation (a design run or a check of a predicted optimum). */
export interface Evaluation {
  readonly round: number;
  readonly kind: "design" | "check";
  /** Index within the round's design (−1 for checks). */
  readonly run: number;
  readonly params: Params;
  /** Coded coordinates in the round's box (actual values, after integer rounding). */
  readonly coded: number[];
  readonly category?: number | string;
  /** Score per fold (empty when the run failed). */
  readonly foldScores: number[];
  /** Mean over folds (NaN when failed). */
  readonly mean: number;
  /** Standard deviation over folds (NaN when failed or one fold). */
  readonly std: number;
  /** True when an identical parameter set was evaluated before and its scores were reused. */
  readonly reused: boolean;
  /** Error message when the evaluation failed. */
  readonly error?: string;
  /** Wall time of the evaluation in seconds (0 when reused). */
  readonly seconds: number;
}

/** Fit and optimum of one categorical level in one round. */
export interface LevelSurface {
  readonly category?: number | string;
  readonly surface: QuadraticSurface;
  readonly optimum: SurfaceOptimum;
  /** Real parameters at the optimum. */
  readonly params: Params;
  /** Cross-validated check of the optimum. */
  readonly check: Evaluation;
}

export interface RoundResult {
  readonly round: number;
  readonly factors: Factor[];
  readonly category?: number | string;
  readonly levels: LevelSurface[];
}

export interface SearchOptions {
  readonly factors: readonly Factor[];
  readonly categorical?: CategoricalFactor;
  readonly evaluate: EvaluateFn;
  /** Number of folds (default 5). */
  readonly folds?: number;
  /** Group count or per-sample group ids for the k-fold split (default: folds groups, i.e. fold index only). */
  readonly groups?: number | ArrayLike<number>;
  /** Seed of the fold split. */
  readonly seed: number;
  /** 1 (default) or 2: second round on a shrunken box around the first round's best optimum. */
  readonly rounds?: number;
  /** Shrink factor of the second-round box (fraction of the half-width, default 0.5). */
  readonly shrink?: number;
  readonly design?: BoxBehnkenOptions;
  /** Called after every evaluation (for progress lines and JSON logs); not for those replayed from `done`. */
  readonly log?: (e: Evaluation) => void;
  /**
   * Evaluations of an interrupted run of this same search (src/search/searchLog.ts), in order: replayed instead of
   * recomputed. Each must match the design's next run (kind, round, parameters).
   */
  readonly done?: readonly Evaluation[];
}

export interface SearchResult {
  /** Every evaluation, in order. */
  readonly evaluations: Evaluation[];
  readonly rounds: RoundResult[];
  /** The final round's surface for the best level (convenience). */
  readonly surface: QuadraticSurface;
  /** Its constrained optimum. */
  readonly optimum: SurfaceOptimum;
  /** Mean CV score of the final check run. */
  readonly checkScore: number;
  /** Best parameters found: the checked optimum, or a design run if one scored lower. */
  readonly best: { params: Params; mean: number; source: "check" | "design" };
  /** The fold split used (group ids per fold). */
  readonly folds: { testGroups: number[] }[];
}

function paramsKey(p: Params): string {
  return JSON.stringify(
    Object.keys(p)
      .sort()
      .map((k) => [k, p[k]]),
  );
}

function meanStd(v: readonly number[]): { mean: number; std: number } {
  if (v.length === 0) return { mean: Number.NaN, std: Number.NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length < 2) return { mean, std: Number.NaN };
  const s2 = v.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (v.length - 1);
  return { mean, std: Math.sqrt(s2) };
}

/** Run the Box–Behnken search. */
// long: the Box–Behnken loop (design, evaluate, fit the response surface, move) shares the point history
export async function boxBehnkenSearch(options: SearchOptions): Promise<SearchResult> {
  const nFolds = options.folds ?? 5;
  const rounds = options.rounds ?? 1;
  if (rounds !== 1 && rounds !== 2) {
    throw new EngineError("InvalidParameter", `rounds must be 1 or 2, got ${rounds}`, { field: "rounds" });
  }
  validateFactors(options.factors);
  const folds: Fold[] = kFold(options.groups ?? nFolds, nFolds, options.seed);
  const evaluations: Evaluation[] = [];
  const cache = new Map<string, { foldScores: number[]; error?: string }>();

  const runCv = async (
    round: number,
    kind: "design" | "check",
    run: number,
    params: Params,
    coded: number[],
    category: number | string | undefined,
  ): Promise<Evaluation> => {
    const key = paramsKey(params);
    const replay = replayed(options.done, evaluations.length, round, kind, key);
    if (replay) {
      if (!replay.reused)
        cache.set(key, replay.error === undefined ? { foldScores: replay.foldScores } : { ...replay });
      evaluations.push(replay);
      return replay;
    }
    const hit = cache.get(key);
    let foldScores: number[] = [];
    let error: string | undefined;
    let seconds = 0;
    if (hit) {
      foldScores = hit.foldScores;
      error = hit.error;
    } else {
      const t0 = performance.now();
      try {
        for (const f of folds) {
          const ctx: FoldContext = {
            fold: f.index,
            folds: nFolds,
            trainGroups: f.trainGroups,
            testGroups: f.testGroups,
            ...(f.train ? { train: f.train } : {}),
            ...(f.test ? { test: f.test } : {}),
          };
          const s = await options.evaluate(params, ctx);
          if (!Number.isFinite(s))
            throw new EngineError("Internal", `fold ${f.index} score is not finite (${s})`);
          foldScores.push(s);
        }
      } catch (e) {
        if (!isEngineError(e)) throw e;
        error = e.message;
        foldScores = [];
      }
      seconds = (performance.now() - t0) / 1000;
      cache.set(key, error === undefined ? { foldScores } : { foldScores, error });
    }
    const { mean, std } = meanStd(foldScores);
    const ev: Evaluation = {
      round,
      kind,
      run,
      params,
      coded,
      ...(category !== undefined ? { category } : {}),
      foldScores: [...foldScores],
      mean,
      std,
      reused: hit !== undefined,
      ...(error !== undefined ? { error } : {}),
      seconds,
    };
    evaluations.push(ev);
    options.log?.(ev);
    return ev;
  };

  const roundResults: RoundResult[] = [];
  let factors: Factor[] = options.factors.map((f) => ({ ...f }));
  let categorical = options.categorical;
  let fixedCategory: number | string | undefined;
  for (let round = 1; round <= rounds; round++) {
    const design = boxBehnkenDesign(factors, categorical, options.design);
    const roundEvals: Evaluation[] = [];
    for (const r of design) {
      const params: Params =
        fixedCategory !== undefined && options.categorical
          ? { ...r.params, [options.categorical.name]: fixedCategory }
          : r.params;
      const coded = factors.map((f) => encode(f, params[f.name] as number));
      roundEvals.push(await runCv(round, "design", r.index, params, coded, r.category ?? fixedCategory));
    }
    const levelValues: (number | string | undefined)[] = categorical
      ? [...categorical.levels]
      : [fixedCategory];
    const levels: LevelSurface[] = [];
    for (const level of levelValues) {
      const ok = roundEvals.filter((e) => e.category === level && Number.isFinite(e.mean));
      const x = new Float64Array(ok.length * factors.length);
      ok.forEach((e, i) => {
        x.set(e.coded, i * factors.length);
      });
      const surface = fitQuadratic(
        x,
        ok.map((e) => e.mean),
        factors.length,
        factors.map((f) => f.name),
      );
      const optimum = minimizeInBox(surface);
      const extra: Params =
        level !== undefined && options.categorical ? { [options.categorical.name]: level } : {};
      const params = decodePoint(factors, optimum.coded, extra);
      const coded = factors.map((f) => encode(f, params[f.name] as number));
      const check = await runCv(round, "check", -1, params, coded, level);
      levels.push({ ...(level !== undefined ? { category: level } : {}), surface, optimum, params, check });
    }
    const bestLevel = pickBestLevel(levels);
    roundResults.push({
      round,
      factors: factors.map((f) => ({ ...f })),
      ...(bestLevel.category !== undefined ? { category: bestLevel.category } : {}),
      levels,
    });
    if (round < rounds) {
      factors = shrinkFactors(factors, bestLevel.optimum.coded, options.shrink ?? 0.5);
      fixedCategory = bestLevel.category;
      categorical = undefined;
    }
  }
  const last = roundResults[roundResults.length - 1]!;
  const lastBest = pickBestLevel(last.levels);
  let best: SearchResult["best"] = {
    params: lastBest.params,
    mean: lastBest.check.mean,
    source: "check",
  };
  for (const e of evaluations) {
    if (Number.isFinite(e.mean) && !(e.mean >= best.mean)) {
      best = { params: e.params, mean: e.mean, source: e.kind };
    }
  }
  return {
    evaluations,
    rounds: roundResults,
    surface: lastBest.surface,
    optimum: lastBest.optimum,
    checkScore: lastBest.check.mean,
    best,
    folds: folds.map((f) => ({ testGroups: f.testGroups })),
  };
}

/** The logged evaluation #i when there is one; it must be the run the design asks for. */
function replayed(
  done: readonly Evaluation[] | undefined,
  i: number,
  round: number,
  kind: Evaluation["kind"],
  key: string,
): Evaluation | null {
  const e = done?.[i];
  if (!e) return null;
  if (e.round !== round || e.kind !== kind || paramsKey(e.params) !== key) {
    throw new EngineError(
      "InvalidParameter",
      `logged evaluation #${i + 1} (${e.kind}, round ${e.round}, ${JSON.stringify(e.params)}) is not the run this ` +
        `search asks for (${kind}, round ${round}, ${key}): the log belongs to another search`,
      { field: "resume" },
    );
  }
  return e;
}

/** The level whose checked optimum scored lowest (falling back to the predicted value when a check failed). */
function pickBestLevel(levels: LevelSurface[]): LevelSurface {
  const score = (l: LevelSurface) =>
    Number.isFinite(l.check.mean) ? l.check.mean : Number.POSITIVE_INFINITY;
  let best = levels[0]!;
  for (const l of levels) if (score(l) < score(best)) best = l;
  return best;
}

/** Predicted response of a round's surface at real parameters (for reports). */
export function predictAt(factors: readonly Factor[], surface: QuadraticSurface, params: Params): number {
  return evaluateSurface(
    surface,
    factors.map((f) => encode(f, params[f.name] as number)),
  );
}
