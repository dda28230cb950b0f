/**
 * Hyperparameter search for one GPR model (Harper et al. 2025 §3.4–3.5): Box–Behnken design over rc, σ and
 * reg (log scale) with ζ ∈ {1, 2, 3} as a categorical outer loop, k-fold cross-validation by structure
 * (src/search/kfold.ts), objectives from the metrics (λ=2 EFG: mean of MAE(C̃Q), MAE(η̃), 1 − mean q̃; λ=0: MAE of the
 * learned quantity), then a refit of a GprModel on all the data at the optimum.
 *
 * Cost control: the λ-SOAP features and the raw kernels K0 = p·p', K2 = P P'ᵀ of ALL environments depend only
 * on (rc, σ) (nmax, lmax fixed), so they are computed once per (rc, σ) and kept in an LRU cache; every fold, ζ
 * and reg then only assembles K(ζ) = K0^(ζ−1) ⊙ K2 (λ=2) or K0^ζ (λ=0) from sub-blocks and solves. A 3-factor
 * design has 9 distinct (rc, σ) pairs, so 45 design runs × 5 folds need 9 kernel computations, not 225.
 */
import { Dataset } from "../core/dataset.js";
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { GprModel } from "../gpr/gpr.js";
import { fitPredictRaw } from "../gpr/rawFit.js";
import { collectTargets, parseTarget } from "../gpr/targets.js";
import { efgMetrics } from "../metrics/efg.js";
import { mae, mean, std } from "../metrics/stats.js";
import { absVzzAndEta } from "../nmr/efg.js";
import { t2ToCartesian } from "../nmr/spherical.js";
import { type RawKernels, rawKernels, subsetFeatures, withBackend } from "../soap/envKernel.js";
import { soapSettings, speciesFeatures } from "../soap/speciesFeatures.js";
import { samplePositions } from "../soap/types.js";
import type { CategoricalFactor, Factor, Params } from "./boxBehnken.js";
import { LruCache, cacheKey } from "./cache.js";
import { type Objective, combineObjective, parseObjective } from "./objective.js";
import { type Evaluation, type SearchResult, boxBehnkenSearch } from "./search.js";

export interface HyperSearchOptions {
  readonly structures: readonly Structure[];
  /** Centre species (atomic number). */
  readonly species: number;
  readonly lambda: 0 | 2;
  /** "efg", "ms" (λ=2), or a λ=0 target ("efg:cq", a per-atom array, …) as src/gpr/targets. */
  readonly target: string;
  /** Range of cutoff.radius (Å); "rcut" is its factor name in the design, the log and the result. */
  readonly rcut: readonly [number, number];
  /** Range of density.width (Å); factor "sigma". */
  readonly sigma: readonly [number, number];
  readonly reg: readonly [number, number];
  readonly zetas: readonly number[];
  readonly nmax: number;
  readonly lmax: number;
  readonly folds: number;
  readonly seed: number;
  readonly rounds: 1 | 2;
  /** Default: "cq,eta,q" for λ=2 EFG, "mae" otherwise. */
  readonly objective?: string;
  /** Raw-kernel sets kept in memory (default 12: all (rc, σ) pairs of a round plus the checks). */
  readonly cacheSize?: number;
  readonly isotopes?: Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
}

export interface HyperSearchResult {
  search: SearchResult;
  best: { rcut: number; sigma: number; reg: number; zeta: number; score: number; source: string };
  objective: string[];
  environments: number;
  structures: number;
  kernelSets: number;
  cache: { hits: number; misses: number };
  seconds: number;
}

interface Bank {
  raw: RawKernels;
  envStruct: Int32Array;
}

/** Run the search (no refit; see `refitAtOptimum`). */
// long: the search protocol (raw kernels cached once, every grid point fitted against them); its steps share the caches
export async function runHyperSearch(o: HyperSearchOptions): Promise<HyperSearchResult> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const el = symbolOf(o.species);
  const tgt = parseTarget(o.target, o.lambda);
  const isEfgTensor = o.lambda === 2 && tgt.array === "efg" && tgt.derived === null;
  const objective: Objective = parseObjective(o.objective ?? (isEfgTensor ? "cq,eta,q" : "mae"));
  if (!isEfgTensor && objective.terms.some((t) => t !== "mae")) {
    throw new EngineError(
      "InvalidParameter",
      "objective terms cq, eta, q need λ=2 and target efg; use 'mae'",
      {
        field: "objective",
      },
    );
  }
  // targets of every environment with a known value, via src/gpr/targets (same extraction as GprModel.fit)
  const data = Dataset.fromArrays(o.structures, [tgt.array]);
  const rows = collectTargets(data, tgt, o.lambda, o.species, o.isotopes);
  const nEnv = rows.samples.length / 2;
  if (nEnv === 0)
    throw new EngineError("InvalidParameter", `no ${el} atoms with a known '${tgt.array}' target`, {
      field: "species",
    });
  const comps = tgt.components;
  const channels = [...new Set(o.structures.flatMap((s) => [...s.numbers]))].sort((a, b) => a - b);
  const cache = new LruCache<Bank>(o.cacheSize ?? 12);
  let kernelSets = 0;
  const bankFor = (rcut: number, sigma: number): Promise<Bank> =>
    cache.getOrCreate(cacheKey({ rcut, sigma }, ["rcut", "sigma"]), async () => {
      const settings = soapSettings(rcut, sigma, basisOf(o), channels);
      const sf = speciesFeatures(o.structures, o.species, settings, o.lambda);
      // restrict to environments with targets (same order as rows.samples: structure then atom)
      const env = subsetFeatures(sf.feats, samplePositions(sf.samples, rows.samples));
      const raw = await withBackend(undefined, (be) => rawKernels(be, env, env));
      kernelSets++;
      log(
        `${el}: features + raw kernels for rc ${rcut.toFixed(3)} Å, σ ${sigma.toFixed(3)} Å (${nEnv} environments)`,
      );
      const envStruct = new Int32Array(nEnv);
      for (let k = 0; k < nEnv; k++) envStruct[k] = rows.samples[2 * k]!;
      return { raw, envStruct };
    });

  const factors: Factor[] = [
    { name: "rcut", min: o.rcut[0], max: o.rcut[1] },
    { name: "sigma", min: o.sigma[0], max: o.sigma[1] },
    { name: "reg", min: o.reg[0], max: o.reg[1], scale: "log" },
  ];
  const categorical: CategoricalFactor | undefined =
    o.zetas.length > 1 ? { name: "zeta", levels: [...o.zetas] } : undefined;
  const fixedZeta = o.zetas.length === 1 ? o.zetas[0]! : undefined;

  const evaluate = async (
    params: Params,
    fold: { trainGroups: number[]; testGroups: number[] },
  ): Promise<number> => {
    const rcut = params.rcut as number;
    const sigma = params.sigma as number;
    const reg = params.reg as number;
    const zeta = (params.zeta as number | undefined) ?? fixedZeta!;
    const bank = await bankFor(rcut, sigma);
    const trainSet = new Set(fold.trainGroups);
    const testSet = new Set(fold.testGroups);
    const tr: number[] = [];
    const te: number[] = [];
    for (let k = 0; k < nEnv; k++) {
      const s = bank.envStruct[k]!;
      if (trainSet.has(s)) tr.push(k);
      else if (testSet.has(s)) te.push(k);
    }
    if (tr.length === 0 || te.length === 0)
      throw new EngineError("InvalidParameter", "a fold has no environments");
    const y = new Float64Array(tr.length * comps);
    tr.forEach((e, k) => {
      y.set(rows.y.subarray(e * comps, (e + 1) * comps), k * comps);
    });
    const pred = await fitPredictRaw({
      zeta,
      reg,
      kTrain: bank.raw,
      trainRows: tr,
      kCross: bank.raw,
      testRows: te,
      y,
      r: comps,
    });
    const ref = new Float64Array(te.length * comps);
    te.forEach((e, k) => {
      ref.set(rows.y.subarray(e * comps, (e + 1) * comps), k * comps);
    });
    if (!isEfgTensor) return combineObjective(objective, { mae: mae(ref, pred) });
    // tensorial EFG metrics on the held-out fold (C̃Q, η̃ with Vzz taken positive, as the benchmark)
    const nt = te.length;
    const rc = new Float64Array(nt * 9);
    const pc = new Float64Array(nt * 9);
    for (let i = 0; i < nt; i++) {
      t2ToCartesian(ref, 5 * i, rc, 9 * i);
      t2ToCartesian(pred, 5 * i, pc, 9 * i);
    }
    const rv: number[] = [];
    const re: number[] = [];
    const pv: number[] = [];
    const pe: number[] = [];
    for (let i = 0; i < nt; i++) {
      const [a, b] = absVzzAndEta(rc, 9 * i);
      const [c, d] = absVzzAndEta(pc, 9 * i);
      rv.push(a);
      re.push(b);
      pv.push(c);
      pe.push(d);
    }
    const mu = mean(rv);
    const sd = std(rv);
    const m = efgMetrics(
      rc,
      pc,
      new Int32Array(nt).fill(o.species),
      o.isotopes ? { isotopes: o.isotopes } : {},
    )[el]!;
    return combineObjective(objective, {
      maeCQ: mae(rv, pv) / sd,
      maeEta: mae(re, pe) / mu,
      meanQ: m.q.mean,
    });
  };

  const search = await boxBehnkenSearch({
    factors,
    ...(categorical ? { categorical } : {}),
    evaluate,
    folds: o.folds,
    groups: o.structures.length,
    seed: o.seed,
    rounds: o.rounds,
    log: (e: Evaluation) =>
      log(
        `${e.kind} r${e.round}${e.run >= 0 ? ` #${e.run}` : ""}: ${Object.entries(e.params)
          .map(([k, v]) => `${k}=${typeof v === "number" ? Number(v.toPrecision(4)) : v}`)
          .join(
            " ",
          )} → ${Number.isFinite(e.mean) ? e.mean.toFixed(4) : `failed (${e.error})`}${e.reused ? " (reused)" : ""}`,
      ),
  });
  const bp = search.best.params;
  return {
    search,
    best: {
      rcut: bp.rcut as number,
      sigma: bp.sigma as number,
      reg: bp.reg as number,
      zeta: (bp.zeta as number | undefined) ?? fixedZeta!,
      score: search.best.mean,
      source: search.best.source,
    },
    objective: [...objective.terms],
    environments: nEnv,
    structures: o.structures.length,
    kernelSets,
    cache: { hits: cache.hits, misses: cache.misses },
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The fixed radial and angular basis of a search (its nmax, lmax) under the SoapHypers names. */
function basisOf(o: Pick<HyperSearchOptions, "nmax" | "lmax">): { maxRadial: number; maxAngular: number } {
  return { maxRadial: o.nmax, maxAngular: o.lmax };
}

/** Fit a GprModel (full GPR) on all structures at the optimum. */
export async function refitAtOptimum(
  o: Pick<
    HyperSearchOptions,
    "structures" | "species" | "lambda" | "target" | "nmax" | "lmax" | "isotopes" | "log"
  >,
  best: HyperSearchResult["best"],
): Promise<GprModel> {
  const tgt = parseTarget(o.target, o.lambda);
  const channels = [...new Set(o.structures.flatMap((s) => [...s.numbers]))].sort((a, b) => a - b);
  const model = new GprModel({
    species: o.species,
    lambda: o.lambda,
    target: o.target,
    zeta: best.zeta,
    reg: best.reg,
    descriptor: { kind: "lambda-soap", hypers: soapSettings(best.rcut, best.sigma, basisOf(o), channels) },
    ...(o.isotopes ? { isotopes: o.isotopes } : {}),
  });
  await model.fit(Dataset.fromArrays(o.structures, [tgt.array]), o.log ? { log: o.log } : {});
  return model;
}
