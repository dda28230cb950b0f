/**
 * Box–Behnken designs (Box & Behnken 1960; Box & Draper 1987, ch. 15) for k ≥ 3 continuous factors.
 *
 * Every factor takes three coded levels −1, 0, +1. The edge runs put each pair of factors at the four
 * corners (±1, ±1) of their square with all other factors at 0 (k(k−1)/2 · 4 runs: 12 for k=3, 24 for k=4,
 * 40 for k=5), followed by `centerPoints` replicates of the centre. This is the pair-wise construction
 * (the textbook k=3, 4, 5 designs — the k=4 and k=5 designs are usually drawn as balanced incomplete blocks
 * of pairs, which for these k is exactly the set of all pairs). No run sits on a corner of the cube, so every
 * run stays inside the hyperparameter ranges.
 *
 * Coded levels are mapped to real values per factor, either linearly between `min` and `max` or linearly in
 * log10 (for regularisation strengths, widths spanning decades).
 */
import { EngineError } from "../core/errors.js";

/** One continuous factor of the design. */
export interface Factor {
  /** Name used as the key in parameter objects (e.g. "rcut", "sigma", "log10Reg"). */
  readonly name: string;
  /** Value at coded level −1. Must be < max. */
  readonly min: number;
  /** Value at coded level +1. */
  readonly max: number;
  /** "linear" (default): centre at (min+max)/2; "log": centre at √(min·max), requires min > 0. */
  readonly scale?: "linear" | "log";
  /** Round real values to integers (e.g. nmax). Default false. */
  readonly integer?: boolean;
}

/** A categorical factor, handled as an outer loop: the full design is run once per level (e.g. ζ ∈ {1,2,3}). */
export interface CategoricalFactor {
  readonly name: string;
  readonly levels: readonly (number | string)[];
}

/** Real-valued parameters keyed by factor name (categorical levels may be strings). */
export type Params = Record<string, number | string>;

export interface BoxBehnkenOptions {
  /** Replicates of the centre point (default 3, as in the textbook k=3 design). */
  readonly centerPoints?: number;
}

/**
 * Coded Box–Behnken design for k factors, row-major (runs × k) in a Float64Array, edge runs first
 * (pairs (i,j) in lexicographic order, corners (−,−), (+,−), (−,+), (+,+)), then the centre replicates.
 */
export function boxBehnkenCoded(
  k: number,
  options: BoxBehnkenOptions = {},
): { runs: number; k: number; x: Float64Array } {
  if (!Number.isInteger(k) || k < 3) {
    throw new EngineError("InvalidParameter", `Box–Behnken needs at least 3 factors, got ${k}`, {
      field: "factors",
    });
  }
  const nc = options.centerPoints ?? 3;
  if (!Number.isInteger(nc) || nc < 1) {
    throw new EngineError("InvalidParameter", `centerPoints must be an integer ≥ 1, got ${nc}`, {
      field: "centerPoints",
    });
  }
  const edges = 2 * k * (k - 1);
  const runs = edges + nc;
  const x = new Float64Array(runs * k);
  let r = 0;
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      for (const [a, b] of [
        [-1, -1],
        [1, -1],
        [-1, 1],
        [1, 1],
      ] as const) {
        x[r * k + i] = a;
        x[r * k + j] = b;
        r++;
      }
    }
  }
  return { runs, k, x };
}

/** Validate factors; throws EngineError naming the bad field. */
export function validateFactors(factors: readonly Factor[]): void {
  const seen = new Set<string>();
  factors.forEach((f, i) => {
    const field = `factors[${i}]`;
    if (typeof f.name !== "string" || f.name.length === 0) {
      throw new EngineError("InvalidParameter", "factor name must be a non-empty string", {
        field: `${field}.name`,
      });
    }
    if (seen.has(f.name))
      throw new EngineError("InvalidParameter", `duplicate factor '${f.name}'`, { field });
    seen.add(f.name);
    if (!Number.isFinite(f.min) || !Number.isFinite(f.max) || !(f.min < f.max)) {
      throw new EngineError(
        "InvalidParameter",
        `factor '${f.name}': need finite min < max, got [${f.min}, ${f.max}]`,
        {
          field: `${field}.min`,
        },
      );
    }
    if (f.scale === "log" && !(f.min > 0)) {
      throw new EngineError("InvalidParameter", `factor '${f.name}': log scale needs min > 0, got ${f.min}`, {
        field: `${field}.min`,
      });
    }
  });
}

/** Map one coded level (any real in [−1, 1], not only the three design levels) to the factor's real value. */
export function decode(f: Factor, c: number): number {
  // t ∈ [0, 1]; the ends are returned exactly so that design runs hit the user's bounds bit for bit.
  const t = 0.5 * (c + 1);
  let v: number;
  if (t === 0) v = f.min;
  else if (t === 1) v = f.max;
  else if (f.scale === "log") v = Math.exp((1 - t) * Math.log(f.min) + t * Math.log(f.max));
  else v = (1 - t) * f.min + t * f.max;
  return f.integer ? Math.round(v) : v;
}

/** Inverse of `decode` (without integer rounding): real value → coded level. */
export function encode(f: Factor, v: number): number {
  if (f.scale === "log") {
    const lo = Math.log(f.min);
    const hi = Math.log(f.max);
    return (2 * Math.log(v) - (lo + hi)) / (hi - lo);
  }
  return (2 * v - (f.min + f.max)) / (f.max - f.min);
}

/** Decode a coded point (length k) to a parameter object. */
export function decodePoint(
  factors: readonly Factor[],
  coded: ArrayLike<number>,
  extra: Params = {},
): Params {
  const p: Params = { ...extra };
  factors.forEach((f, i) => {
    p[f.name] = decode(f, coded[i]!);
  });
  return p;
}

/** One run of a (possibly categorical-looped) design. */
export interface DesignRun {
  /** Index of the run in the full design (outer loop over categorical levels, then design rows). */
  readonly index: number;
  /** Coded levels of the continuous factors (length k). */
  readonly coded: number[];
  /** Level of the categorical factor, when there is one. */
  readonly category?: number | string;
  /** Real parameter values (continuous factors decoded; categorical factor under its name). */
  readonly params: Params;
}

/**
 * Full Box–Behnken design over real ranges; with a categorical factor, the design is repeated once per level
 * (outer loop), so the run count is levels × (2k(k−1) + centerPoints).
 */
export function boxBehnkenDesign(
  factors: readonly Factor[],
  categorical?: CategoricalFactor,
  options: BoxBehnkenOptions = {},
): DesignRun[] {
  validateFactors(factors);
  const { runs, k, x } = boxBehnkenCoded(factors.length, options);
  if (categorical !== undefined) {
    if (categorical.levels.length === 0) {
      throw new EngineError("InvalidParameter", `categorical factor '${categorical.name}' has no levels`, {
        field: "categorical.levels",
      });
    }
    if (factors.some((f) => f.name === categorical.name)) {
      throw new EngineError("InvalidParameter", `factor name '${categorical.name}' used twice`, {
        field: "categorical.name",
      });
    }
  }
  const levels: (number | string | undefined)[] = categorical ? [...categorical.levels] : [undefined];
  const out: DesignRun[] = [];
  for (const level of levels) {
    for (let r = 0; r < runs; r++) {
      const coded = Array.from(x.subarray(r * k, (r + 1) * k));
      const extra: Params = categorical && level !== undefined ? { [categorical.name]: level } : {};
      const run: DesignRun =
        level === undefined
          ? { index: out.length, coded, params: decodePoint(factors, coded) }
          : { index: out.length, coded, category: level, params: decodePoint(factors, coded, extra) };
      out.push(run);
    }
  }
  return out;
}
