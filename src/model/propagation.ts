/**
 * Predictive uncertainties of scalar observables g(μ) of a predicted tensor, propagated from the Gaussian predictive
 * distribution N(μ, Σ) of its learned components (issue 14 item 2, issue 17 item 5): "linear" — first-order
 * propagation √(Jᵀ Σ J), J by central differences; "sampling" — the std of g over seeded draws from N(μ, Σ). They
 * agree where g is smooth on the scale of √Σ (test/unit/ms-observables.test.ts, test/unit/efg-uncertainty.test.ts).
 * Used for the shielding observables (msObservables.ts) and for CQ, η_Q, ω_Q of an EFG (efgUncertainty.ts).
 */
import { EngineError } from "../core/errors.js";
import { Rng } from "../core/rng.js";

export interface Propagation {
  readonly method: "linear" | "sampling";
  /** Draws for "sampling" (default 2000). */
  readonly samples?: number;
  readonly seed?: number;
}

/** Standard deviation of each named output of g under x ~ N(m, S) (S row-major c×c), by `prop`. */
export function propagateStd<K extends string>(
  keys: readonly K[],
  g: (x: Float64Array) => Record<K, number>,
  m: Float64Array,
  S: Float64Array,
  prop: Propagation,
): Record<K, number> {
  return prop.method === "linear"
    ? linearStd(keys, g, m, S)
    : samplingStd(keys, g, m, S, prop.samples ?? 2000, prop.seed ?? 0);
}

/** √(Jᵀ Σ J) with J by central differences, step 1e-4·√Σ_kk (the observables are smooth on that scale). */
function linearStd<K extends string>(
  keys: readonly K[],
  g: (x: Float64Array) => Record<K, number>,
  m: Float64Array,
  S: Float64Array,
): Record<K, number> {
  const c = m.length;
  const J = keys.map(() => new Float64Array(c));
  const x = m.slice();
  for (let k = 0; k < c; k++) {
    const sd = Math.sqrt(Math.max(0, S[k * c + k]!));
    if (sd === 0) continue;
    const h = 1e-4 * sd;
    x[k] = m[k]! + h;
    const up = g(x);
    x[k] = m[k]! - h;
    const down = g(x);
    x[k] = m[k]!;
    keys.forEach((name, q) => {
      J[q]![k] = (up[name] - down[name]) / (2 * h);
    });
  }
  const out = {} as Record<K, number>;
  keys.forEach((name, q) => {
    const j = J[q]!;
    let v = 0;
    for (let a = 0; a < c; a++) for (let b = 0; b < c; b++) v += j[a]! * S[a * c + b]! * j[b]!;
    out[name] = Math.sqrt(Math.max(0, v));
  });
  return out;
}

/** Standard deviation of g over `n` seeded draws μ + L z, L L ᵀ = Σ (semi-definite Cholesky). */
function samplingStd<K extends string>(
  keys: readonly K[],
  g: (x: Float64Array) => Record<K, number>,
  m: Float64Array,
  S: Float64Array,
  n: number,
  seed: number,
): Record<K, number> {
  const c = m.length;
  const L = semiCholesky(S, c);
  const rng = new Rng(seed);
  const sum = new Float64Array(keys.length);
  const sum2 = new Float64Array(keys.length);
  const z = new Float64Array(c);
  const x = new Float64Array(c);
  for (let s = 0; s < n; s++) {
    for (let k = 0; k < c; k++) z[k] = rng.normal();
    for (let a = 0; a < c; a++) {
      let v = m[a]!;
      for (let b = 0; b <= a; b++) v += L[a * c + b]! * z[b]!;
      x[a] = v;
    }
    const r = g(x);
    keys.forEach((name, q) => {
      sum[q]! += r[name];
      sum2[q]! += r[name] * r[name];
    });
  }
  const out = {} as Record<K, number>;
  keys.forEach((name, q) => {
    const mean = sum[q]! / n;
    out[name] = Math.sqrt(Math.max(0, (sum2[q]! / n - mean * mean) * (n / (n - 1))));
  });
  return out;
}

/** Cholesky of a positive semi-definite matrix: columns with a non-positive pivot (zero variance) are zero. */
function semiCholesky(S: Float64Array, c: number): Float64Array {
  const L = new Float64Array(c * c);
  for (let j = 0; j < c; j++) {
    let d = S[j * c + j]!;
    for (let k = 0; k < j; k++) d -= L[j * c + k]! ** 2;
    if (!(d > 1e-14 * Math.max(1, S[j * c + j]!))) continue;
    const ljj = Math.sqrt(d);
    L[j * c + j] = ljj;
    for (let i = j + 1; i < c; i++) {
      let v = S[i * c + j]!;
      for (let k = 0; k < j; k++) v -= L[i * c + k]! * L[j * c + k]!;
      L[i * c + j] = v / ljj;
    }
  }
  return L;
}

/** The propagation method by name ("linear" or "sampling"). */
export function parsePropagation(v: string, samples?: number, seed?: number): Propagation {
  if (v !== "linear" && v !== "sampling")
    throw new EngineError("InvalidParameter", `uncertainty must be linear or sampling, got '${v}'`, {
      field: "uncertainty",
    });
  return {
    method: v,
    ...(samples !== undefined ? { samples } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
}
