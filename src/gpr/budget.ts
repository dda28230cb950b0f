/**
 * Memory estimates of GprModel's steps (src/core/memory.ts) and predictions in chunks of structures that fit.
 * Estimates: features n·(c·F + F0)·8; full GPR kernel (n·c)²·8 plus one copy for its factor; sparse K_NM
 * (n·c)(m·c)·8 plus three (m·c)² matrices (K_MM, the sparse system and its factor); prediction c·(n_train·c)·8 per
 * environment for the cross kernel, twice with variances (its transpose for the triangular solve).
 */
import { EngineError } from "../core/errors.js";
import { featureBytes, formatBytes, type MemoryBudget, squareKernelBytes } from "../core/memory.js";
import type { Structure } from "../core/structure.js";
import type { EnvFeatures } from "../soap/envKernel.js";
import { featureCounts } from "../soap/lambdaSoap.js";
import type { Prediction } from "../model/types.js";

/** Bytes of λ-SOAP features per environment for these hypers (null when they are not λ-SOAP hypers). */
export function soapBytesPerEnvironment(
  hypers: {
    readonly basis: { readonly maxRadial: number; readonly maxAngular: number };
    readonly species: readonly number[] | null;
  },
  lambda: number,
): number | null {
  const { basis, species } = hypers;
  if (species === null) return null;
  const { f, f0 } = featureCounts(species.length, basis.maxRadial, basis.maxAngular, lambda);
  return featureBytes(1, 2 * lambda + 1, f, f0);
}

/** Atoms of `species` in the structures. */
export function countCentres(structures: readonly Structure[], species: number): number {
  let n = 0;
  for (const s of structures) for (const z of s.numbers) if (z === species) n++;
  return n;
}

/** Peak of GprModel.fit's kernel step: features plus the full kernel and its factor, or the sparse kernels. */
export function fitKernelBytes(feats: EnvFeatures, sparseM: number | null): number {
  const x = featureBytes(feats.n, feats.c, feats.f, feats.f0);
  const c = feats.c;
  if (sparseM === null) return x + 2 * squareKernelBytes(feats.n, c);
  return x + 8 * feats.n * c * sparseM * c + 3 * squareKernelBytes(sparseM, c);
}

/** Bytes per predicted environment: its features and, unless predicted in the primal, its cross-kernel rows. */
export function predictBytesPerEnvironment(train: EnvFeatures, primal: boolean): number {
  const x = featureBytes(1, train.c, train.f, train.f0);
  return primal ? x : x + 2 * 8 * train.c * train.n * train.c;
}

/**
 * Consecutive chunks [i0, i1) of the structures whose environments fit in the budget (one chunk when all fit);
 * refuses when one structure alone does not.
 */
export function chunkStructures(
  structures: readonly Structure[],
  species: number,
  bytesPerEnv: number,
  budget: MemoryBudget,
  context: string,
): [number, number][] {
  const chunks: [number, number][] = [];
  let start = 0;
  let used = 0;
  structures.forEach((s, i) => {
    const b = bytesPerEnv * countCentres([s], species);
    budget.check(
      `${context}predicting structure ${i + 1} (${countCentres([s], species)} environments, ${formatBytes(b)})`,
      b,
      "predict with variances off (the primal mean, ζ ≤ 2) or with a smaller model",
    );
    if (used + b > budget.bytes && i > start) {
      chunks.push([start, i]);
      start = i;
      used = 0;
    }
    used += b;
  });
  chunks.push([start, structures.length]);
  return chunks;
}

/** One Prediction of the chunks' predictions (structure indices shifted back to the whole list). */
export function mergePredictions(
  parts: readonly Prediction[],
  chunks: readonly [number, number][],
  context: string,
): Prediction {
  if (parts.length === 0) throw new EngineError("Internal", `${context}no prediction chunks`);
  const cat = (key: "mean" | "variance" | "covariance" | "cartesian"): Float64Array | undefined => {
    if (parts.some((p) => p[key] === undefined)) return undefined;
    const out = new Float64Array(parts.reduce((a, p) => a + p[key]!.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p[key]!, o);
      o += p[key]!.length;
    }
    return out;
  };
  const atoms = new Int32Array(parts.reduce((a, p) => a + p.atoms.length, 0));
  let o = 0;
  parts.forEach((p, k) => {
    for (let i = 0; i < p.atoms.length; i += 2) {
      atoms[o + i] = p.atoms[i]! + chunks[k]![0];
      atoms[o + i + 1] = p.atoms[i + 1]!;
    }
    o += p.atoms.length;
  });
  const timings: Record<string, number> = {};
  for (const p of parts)
    for (const [k, v] of Object.entries(p.timings ?? {})) timings[k] = (timings[k] ?? 0) + v;
  const optional = { variance: cat("variance"), covariance: cat("covariance"), cartesian: cat("cartesian") };
  return {
    species: parts[0]!.species,
    lambda: parts[0]!.lambda,
    atoms,
    components: parts[0]!.components,
    mean: cat("mean")!,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    notes: [
      ...new Set(parts.flatMap((p) => p.notes)),
      `predicted in ${parts.length} chunks of structures (memory budget)`,
    ],
    timings,
  };
}
