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
import {
  featureBytes,
  formatBytes,
  MemoryBudget,
  rawKernelBytes,
  squareKernelBytes,
} from "../core/memory.js";
import type { Structure } from "../core/structure.js";
import { GprModel } from "../gpr/gpr.js";
import { FoldWorkspace, fitPredictRaw, PREDICT_CHUNK } from "../gpr/rawFit.js";
import { collectTargets, parseTarget } from "../gpr/targets.js";
import { efgMetrics } from "../metrics/efg.js";
import { mae, mean, std } from "../metrics/stats.js";
import { absVzzAndEta } from "../nmr/efg.js";
import { t2ToCartesian } from "../nmr/spherical.js";
import { type RawKernels, rawKernels, subsetFeatures, withBackend } from "../soap/envKernel.js";
import { soapSettings, speciesFeatures } from "../soap/speciesFeatures.js";
import { featureCounts } from "../soap/lambdaSoap.js";
import { samplePositions } from "../soap/types.js";
import type { CategoricalFactor, Factor, Params } from "./boxBehnken.js";
import { LruCache, cacheKey } from "./cache.js";
import { type Fold, kFold } from "./kfold.js";
import { type Objective, combineObjective, parseObjective } from "./objective.js";
import { dataFingerprint, type SearchLog } from "./searchLog.js";
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
  /**
   * Memory budget (default: a safe fraction of the available memory, src/core/memory.ts): the raw-kernel sets kept
   * are sized in bytes against it, and a search whose single step (one set plus one fold) cannot fit is refused.
   */
  readonly memory?: MemoryBudget;
  /** JSON log written after every evaluation; when opened with resume, its evaluations are replayed. */
  readonly journal?: SearchLog;
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
  cache: { hits: number; misses: number; evictions: number; bytes: number };
  /** Estimated peaks (bytes): computing one raw-kernel set, holding one, one fold's factorisation. */
  memory: { budget: number; kernelStep: number; kernelSet: number; fold: number };
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
  const budget = o.memory ?? MemoryBudget.fromCli(undefined);
  const folds = kFold(o.structures.length, o.folds, o.seed);
  const est = estimateSearchMemory(o, channels.length, rows.samples, folds);
  budget.check(
    `one (rc, σ) set of the search (features + raw kernels of ${nEnv} environments ${formatBytes(est.kernelStep)}, ` +
      `then one fold's factorisation ${formatBytes(est.fold)})`,
    est.kernelStep + est.fold,
    "use fewer structures or a smaller basis.maxRadial / basis.maxAngular",
  );
  const cache = new LruCache<Bank>(Math.max(1, budget.bytes - est.fold));
  log(
    `${el}: memory per (rc, σ) set ${formatBytes(est.kernelSet)} held (${formatBytes(est.kernelStep)} while computed), ` +
      `fold factorisation ${formatBytes(est.fold)}; up to ${Math.floor(cache.maxBytes / est.kernelSet)} sets cached`,
  );
  const workspace = new FoldWorkspace();
  let kernelSets = 0;
  const bankFor = (rcut: number, sigma: number): Promise<Bank> =>
    cache.getOrCreate(
      cacheKey({ rcut, sigma }, ["rcut", "sigma"]),
      est.kernelSet,
      async () => {
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
      },
      est.kernelStep - est.kernelSet,
    );

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
      workspace,
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

  const done =
    o.journal?.start({
      version: 1,
      species: el,
      lambda: o.lambda,
      target: o.target,
      design: {
        factors,
        zetas: o.zetas,
        rounds: o.rounds,
        nmax: o.nmax,
        lmax: o.lmax,
        objective: objective.terms,
      },
      seed: o.seed,
      folds: folds.map((f) => f.testGroups),
      fingerprint: dataFingerprint(o.structures, rows.samples, rows.y),
    }) ?? [];
  if (done.length > 0) log(`resuming: ${done.length} evaluations read from ${o.journal!.path}`);
  const search = await boxBehnkenSearch({
    done,
    factors,
    ...(categorical ? { categorical } : {}),
    evaluate,
    folds: o.folds,
    groups: o.structures.length,
    seed: o.seed,
    rounds: o.rounds,
    log: (e: Evaluation) => {
      o.journal?.record(e);
      log(
        `${e.kind} r${e.round}${e.run >= 0 ? ` #${e.run}` : ""}: ${Object.entries(e.params)
          .map(([k, v]) => `${k}=${typeof v === "number" ? Number(v.toPrecision(4)) : v}`)
          .join(
            " ",
          )} → ${Number.isFinite(e.mean) ? e.mean.toFixed(4) : `failed (${e.error})`}${e.reused ? " (reused)" : ""}`,
      );
    },
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
    cache: { hits: cache.hits, misses: cache.misses, evictions: cache.evictions, bytes: cache.bytes },
    memory: { budget: budget.bytes, ...est },
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The fixed radial and angular basis of a search (its nmax, lmax) under the SoapHypers names. */
function basisOf(o: Pick<HyperSearchOptions, "nmax" | "lmax">): { maxRadial: number; maxAngular: number } {
  return { maxRadial: o.nmax, maxAngular: o.lmax };
}

/**
 * Estimated peaks of the search's steps (src/core/memory.ts): computing one raw-kernel set (the features of every
 * centre, their copy restricted to environments with targets, the Gram product's copy of its operands in WebAssembly
 * memory, and twice the kernels: its working copy and the result), holding one set, and one fold (the largest
 * training block's factorisation plus a chunk of the cross kernel). Measured on gehlenite Al (1920 environments,
 * nmax 8, lmax 6): estimate 3.6 GB for computing one set, peak resident memory 3.6 GB.
 */
export function estimateSearchMemory(
  o: Pick<HyperSearchOptions, "structures" | "species" | "lambda" | "nmax" | "lmax">,
  nSpecies: number,
  samples: Int32Array | readonly number[],
  folds: readonly Fold[],
): { kernelStep: number; kernelSet: number; fold: number } {
  const c = 2 * o.lambda + 1;
  const nEnv = samples.length / 2;
  const { f, f0 } = featureCounts(nSpecies, o.nmax, o.lmax, o.lambda);
  let centres = 0;
  for (const s of o.structures) for (const z of s.numbers) if (z === o.species) centres++;
  const kernelSet = rawKernelBytes(nEnv, nEnv, c);
  const kernelStep = featureBytes(centres, c, f, f0) + 2 * featureBytes(nEnv, c, f, f0) + 2 * kernelSet;
  const perStruct = new Map<number, number>();
  for (let k = 0; k < nEnv; k++) perStruct.set(samples[2 * k]!, (perStruct.get(samples[2 * k]!) ?? 0) + 1);
  let nTrain = 0;
  for (const fo of folds)
    nTrain = Math.max(
      nTrain,
      fo.trainGroups.reduce((a, g) => a + (perStruct.get(g) ?? 0), 0),
    );
  const fold = squareKernelBytes(nTrain, c) + 8 * PREDICT_CHUNK * c * nTrain * c;
  return { kernelStep, kernelSet, fold };
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
