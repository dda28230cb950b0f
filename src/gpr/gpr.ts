/**
 * GPR models of one per-atom target of one centre species at one λ: full GPR ("gpr") and sparse GPR on M
 * representative environments ("sparse-gpr", SoR or DTC). Implements the shared `Model` interface.
 *
 * Numerics: src/gpr/regression.ts (R&W Alg. 2.1 and §8.3). Kernels: the one kernel path of src/soap/envKernel.ts through a
 * ComputeBackend. Conventions:
 * - λ=0 targets are centred on the training mean (added back on prediction); λ>0 targets are never shifted
 *   (a constant offset would break equivariance).
 * - `reg` is σ² relative to the normalised kernel: the solve is (K + reg·I)α = y, as TENSOAP's `reg`.
 * - Noise (params.noise, issue 13 item 5): "ml" (default) maximises the log marginal likelihood over the signal and
 *   noise variances at the fixed descriptor hypers (full GPR; regression.ts maximiseMarginalLikelihood, from `reg`
 *   as the starting point, on a seeded subset of ML_MAX_ROWS kernel rows when the kernel is larger); the fit then
 *   uses the ML ratio r̂ = σ̂n²/ŝ² as its reg. "fixed": `reg` as given. Sparse GPR keeps `reg` (noted).
 * - Predictive (co)variances are those of an observation: the latent function's, scaled by the maximum-likelihood
 *   signal variance ŝ² (see regression.ts), plus the noise variance ŝ²·reg on the diagonal.
 */
import { createBackend } from "../backend/index.js";
import type { ComputeBackend } from "../backend/types.js";
import type { Dataset } from "../core/dataset.js";
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { sharedFloat64, sharedGemmPool } from "../math/_workerPool.js";
import { t2ToCartesian } from "../nmr/spherical.js";
import {
  type EnvFeatures,
  envFeatures,
  kernelDiagBlocks,
  kernelMatrix,
  subsetFeatures,
} from "../soap/envKernel.js";
import type { ComputeOptions, Descriptor, FeatureBlocks } from "../soap/types.js";
import { blockKey, samplePositions } from "../soap/types.js";
import {
  chunkStructures,
  countCentres,
  fitKernelBytes,
  mergePredictions,
  predictBytesPerEnvironment,
  soapBytesPerEnvironment,
} from "./budget.js";
import {
  createDescriptor,
  type DescriptorSpec,
  descriptorFromJson,
  descriptorToJson,
} from "./descriptors.js";
import type {
  FitOptions,
  FitReport,
  Model,
  ModelPayload,
  PredictOptions,
  Prediction,
} from "../model/types.js";
import {
  efgTrainingStatistics,
  readTrainingStatistics,
  type TrainingStatistics,
} from "../model/trainingStats.js";
import { parseSavedHeader, type SavedHeader } from "./_savedHeader.js";
import { GPR_DEFAULTS, type GprParams, type ResolvedParams, resolveParams } from "./params.js";
import { type PrimalWeights, primalPredict, primalWeights, supportsPrimal } from "./primal.js";
import {
  centreColumns,
  type FullGprState,
  fitFullGpr,
  fitSparseGpr,
  fullGprCovariance,
  marginalLikelihoodSubset,
  maximiseMarginalLikelihood,
  type NoiseFit,
  predictMean,
  type SparseGprState,
  sparseGprCovariance,
} from "./regression.js";
import { curSelection, farthestPointSampling } from "./selection.js";
import { checkTargetNotZero, collectTargets, parseTarget, type TargetRows, targetUnits } from "./targets.js";

export const GPR_FORMAT_VERSION = 1;

/** The learned state (arrays are what the model file stores). */
interface Fitted {
  train: EnvFeatures; // training (full) or inducing (sparse) environments
  alpha: Float64Array;
  mean: number;
  scale: number;
  /** The reg of the solve (the ML ratio σ̂n²/ŝ² with noise "ml", else params.reg). */
  reg: number;
  /** The maximum-likelihood noise fit (noise "ml", full GPR), for the header. */
  noiseFit: (NoiseFit & { rows: number }) | null;
  /** Floor applied to the signal variance (see signalVarianceFloor). */
  floor: number;
  jitter: number;
  full: FullGprState | null;
  sparse: SparseGprState | null;
  /** The descriptor the features were computed with (λ-SOAP species channels fixed at fit time). */
  descriptor: DescriptorSpec;
  precision: "float64" | "float32";
  nTrain: number;
}

/** Gather the λ (and λ=0) features of the given (structure, atom) samples from feature blocks. */
function gatherFeatures(
  blocks: FeatureBlocks,
  species: number,
  lambda: number,
  samples: Int32Array | null,
): { feats: EnvFeatures; samples: Int32Array } {
  const bl = blocks.get(blockKey(species, lambda));
  const b0 = blocks.get(blockKey(species, 0));
  if (!bl || !b0) {
    return {
      feats: {
        n: 0,
        lambda,
        c: 2 * lambda + 1,
        f: bl?.nProperties ?? 0,
        values: new Float64Array(0),
        f0: b0?.nProperties ?? 0,
        values0: new Float64Array(0),
      },
      samples: new Int32Array(0),
    };
  }
  const all = envFeatures(bl, b0);
  if (!samples) return { feats: all, samples: bl.samples };
  return { feats: subsetFeatures(all, samplePositions(bl.samples, samples)), samples };
}

const now = () => performance.now() / 1000;

/** Seconds between progress lines; runs shorter than this print none. */
export const PROGRESS_INTERVAL_S = 2;

/** A progress callback that logs "<what>: done/total structures" at most every PROGRESS_INTERVAL_S. */
export function progressLogger(
  log: (line: string) => void,
  what: string,
  interval = PROGRESS_INTERVAL_S,
): (done: number, total: number) => void {
  let last = now();
  return (done, total) => {
    const t = now();
    if (t - last < interval) return;
    last = t;
    log(`${what}: ${done}/${total} structures (${Math.round((100 * done) / total)} %)`);
  };
}

/** Pack the lower triangle of an n×n matrix (row-major) into n(n+1)/2 numbers. */
export function packLower(l: Float64Array, n: number): Float64Array {
  const out = new Float64Array((n * (n + 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) out[k++] = l[i * n + j]!;
  return out;
}

export function unpackLower(p: Float64Array, n: number): Float64Array {
  const out = sharedFloat64(n * n); // shared so worker threads can use it without a copy
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) out[i * n + j] = p[k++]!;
  return out;
}

export type { GprParams, SparseParams } from "./params.js";

/** What the full and sparse fits share: training features, centred targets and the bookkeeping of one fit. */
interface FitInput {
  readonly feats: EnvFeatures;
  readonly n: number;
  readonly y: Float64Array;
  readonly mean: number;
  readonly floor: number;
  readonly descriptor: DescriptorSpec;
  readonly ctx: string;
  readonly log: (line: string) => void;
  readonly timings: Record<string, number>;
  readonly notes: string[];
}

/**
 * Provenance notes of a float32 kernel. Measured (test/backend/gpujs-gpr.test.ts): float32 kernels shift
 * predictions by ~0.1 of their range at reg 1e-6, ~1e-3 at 1e-4 and ~5e-5 at 1e-2, because the solve amplifies
 * kernel round-off by 1/reg.
 */
function float32Notes(
  backend: ComputeBackend,
  reg: number,
  notes: string[],
  log: (line: string) => void,
): void {
  notes.push(`kernel assembled in ${backend.precision} (${backend.name})`);
  if (reg < 1e-3) {
    const w = `warning: reg ${reg} < 1e-3 with a float32 kernel — float32 round-off (~1e-7 relative) is amplified by 1/reg in the solve; use --backend cpu or --reg ≥ 1e-3`;
    notes.push(w);
    log(w);
  }
}

export class GprModel implements Model {
  readonly params: ResolvedParams;
  private fitted: Fitted | null = null;
  /** Primal weights for mean-only prediction, built on first use (ζ ∈ {1,2}). */
  private primal: PrimalWeights | null = null;
  /** The model file this model was loaded from (for error messages), or null. */
  private source: string | null = null;
  /** |Vzz| statistics of the training set (λ=2 efg models; src/model/trainingStats.ts), or null. */
  trainingStatistics: TrainingStatistics | null = null;

  constructor(params: GprParams) {
    this.params = resolveParams(params);
  }

  get kind(): string {
    return this.params.sparse ? "sparse-gpr" : "gpr";
  }

  get isFitted(): boolean {
    return this.fitted !== null;
  }

  /** The descriptor of a fit on `dataset`: λ-SOAP species channels fixed so predictions use the same layout. */
  private fitDescriptor(dataset: Dataset): DescriptorSpec {
    const d = this.params.descriptor;
    if (d.kind !== "lambda-soap" || d.hypers.species !== null) return d;
    const species = [...new Set(dataset.structures.flatMap((s) => [...s.numbers]))].sort((a, b) => a - b);
    return { kind: d.kind, hypers: { ...d.hypers, species } };
  }

  private lambdas(): number[] {
    return this.params.lambda === 0 ? [0] : [0, this.params.lambda];
  }

  /** The λ and λ=0 feature blocks of the centre species; odd-parity λ blocks are computed apart from λ=0. */
  private blocks(
    desc: Descriptor,
    structures: readonly Structure[],
    opts: ComputeOptions = {},
  ): FeatureBlocks {
    const p = this.params;
    const cOpts = { ...opts, centers: [p.species] };
    if (p.parity === 1 || p.lambda === 0)
      return desc.compute(structures, { ...cOpts, lambdas: this.lambdas() });
    const b0 = desc.compute(structures, { ...cOpts, lambdas: [0] });
    return new Map([...b0, ...desc.compute(structures, { ...cOpts, lambdas: [p.lambda], parity: p.parity })]);
  }

  private context(): string {
    return `${symbolOf(this.params.species)} λ=${this.params.lambda}: `;
  }

  /**
   * Fit on the targets of `dataset`: features of the model's species, then the full (fitFull) or the sparse
   * (fitSparse) solve on one kernel-assembly backend.
   */
  async fit(dataset: Dataset, options: FitOptions = {}): Promise<FitReport> {
    const p = this.params;
    this.primal = null;
    this.trainingStatistics = p.lambda === 2 ? efgTrainingStatistics(dataset, p.target, [p.species]) : null;
    const log = options.log ?? (() => {});
    const ctx = this.context();
    const timings: Record<string, number> = {};
    const notes: string[] = [];
    const t0 = now();
    const { feats, rows, descriptor } = this.fitFeatures(dataset, options, log);
    timings.features = now() - t0;
    const n = rows.samples.length / 2;
    // λ=0 targets centred on the training mean; λ>0 never shifted
    const centring = p.lambda === 0 ? centreColumns(rows.y, n) : null;
    const input: FitInput = {
      feats,
      n,
      y: centring ? centring.centred : rows.y.slice(),
      mean: centring ? centring.means[0]! : 0,
      floor: signalVarianceFloor(rows.y),
      descriptor,
      ctx,
      log,
      timings,
      notes,
    };
    const backend = await createBackend(p.backend);
    try {
      if (backend.precision !== "float64") float32Notes(backend, p.reg, notes, log);
      return p.sparse ? await this.fitSparse(input, backend, p.sparse) : await this.fitFull(input, backend);
    } finally {
      backend.dispose();
    }
  }

  /** Targets and features of the training environments, the steps checked against the memory budget first. */
  private fitFeatures(
    dataset: Dataset,
    options: FitOptions,
    log: (line: string) => void,
  ): { feats: EnvFeatures; rows: TargetRows; descriptor: DescriptorSpec } {
    const p = this.params;
    const ctx = this.context();
    const t = parseTarget(p.target, p.lambda);
    const rows = collectTargets(dataset, t, p.lambda, p.species, p.isotopes);
    const n = rows.samples.length / 2;
    if (n === 0) {
      throw new EngineError(
        "InvalidParameter",
        `${ctx}no ${symbolOf(p.species)} atoms with a known '${t.array}' target`,
        { field: "species" },
      );
    }
    checkTargetNotZero(p.target, p.lambda, rows);
    const descriptor = this.fitDescriptor(dataset);
    const desc = createDescriptor(descriptor);
    log(`${ctx}features of ${dataset.length} structures (${n} environments)`);
    const cOpts = { centers: [p.species], lambdas: this.lambdas() };
    if (desc.describeWork) log(`${ctx}work estimate: ${desc.describeWork(dataset.structures, cOpts)}`);
    const perEnv =
      descriptor.kind === "lambda-soap" ? soapBytesPerEnvironment(descriptor.hypers, p.lambda) : null;
    if (options.memory && perEnv !== null)
      options.memory.check(
        `${ctx}the features of ${n} environments`,
        2 * perEnv * countCentres(dataset.structures, p.species),
        "use fewer structures or a smaller basis.maxRadial / basis.maxAngular",
      );
    const onProgress = progressLogger(log, `${ctx}features`);
    const blocks = this.blocks(desc, dataset.structures, { onProgress });
    const { feats } = gatherFeatures(blocks, p.species, p.lambda, rows.samples);
    options.memory?.check(
      p.sparse
        ? `${ctx}the sparse kernels (K_NM ${n * feats.c}x${Math.min(p.sparse.m, n) * feats.c} and K_MM)`
        : `${ctx}the kernel ${n * feats.c}x${n * feats.c} and its Cholesky factor`,
      fitKernelBytes(feats, p.sparse ? Math.min(p.sparse.m, n) : null),
      p.sparse ? "fewer sparse environments (sparse.m)" : "sparse GPR (sparse.m)",
    );
    return { feats, rows, descriptor };
  }

  /** Full GPR: K (n·c × n·c) on the backend, (K + reg·I)α = y by Cholesky (src/gpr/regression.ts). */
  private async fitFull(x: FitInput, backend: ComputeBackend): Promise<FitReport> {
    const p = this.params;
    const nc = x.n * x.feats.c;
    let t0 = now();
    x.log(`${x.ctx}kernel ${nc}x${nc} (${backend.name})`);
    const k = await kernelMatrix(backend, x.feats, x.feats, p.zeta);
    symmetrize(k, nc);
    x.timings.kernel = now() - t0;
    t0 = now();
    // targets without spread (all 0 once centred) have no likelihood to maximise: reg as given
    const spread = x.y.some((v) => v !== 0);
    if (p.noise === "ml" && !spread)
      x.notes.push(`noise: reg ${p.reg} as given (the targets have no spread)`);
    const noiseFit = p.noise === "ml" && spread ? await noiseByMarginalLikelihood(k, x, p.reg) : null;
    if (noiseFit) x.timings.noise = now() - t0;
    const reg = noiseFit?.reg ?? p.reg;
    if (noiseFit && backend.precision !== "float64" && reg < 1e-3) float32Notes(backend, reg, x.notes, x.log);
    t0 = now();
    x.log(`${x.ctx}Cholesky solve n=${nc}`);
    const solved = await fitFullGpr(k, nc, x.y, reg, { pool: sharedGemmPool(), context: x.ctx });
    const st = { ...solved, scale: applyVarianceFloor(solved.scale, x.floor, x.notes, x.log) };
    x.timings.solve = now() - t0;
    if (st.jitter > 0) x.notes.push(`jitter ${st.jitter.toExponential(2)} added to the diagonal`);
    this.fitted = {
      train: x.feats,
      alpha: st.alpha,
      mean: x.mean,
      scale: st.scale,
      reg,
      noiseFit,
      floor: x.floor,
      jitter: st.jitter,
      full: p.variance === "full" ? st : null,
      sparse: null,
      descriptor: x.descriptor,
      precision: backend.precision,
      nTrain: x.n,
    };
    return this.report(x.n, x.timings, x.notes, {
      logMarginalLikelihood: st.logMarginal,
      reg,
      noiseVariance: st.scale * reg,
    });
  }

  /** Sparse GPR on M representative environments (FPS or CUR on the λ=0 features), SoR/DTC solve. */
  private async fitSparse(
    x: FitInput,
    backend: ComputeBackend,
    sp: NonNullable<ResolvedParams["sparse"]>,
  ): Promise<FitReport> {
    const p = this.params;
    const { feats, n } = x;
    const c = feats.c;
    const m = Math.min(sp.m, n);
    if (p.noise === "ml")
      x.notes.push(`noise: reg ${p.reg} as given (the ML noise estimate is for full GPR)`);
    if (m < sp.m) x.notes.push(`sparse M reduced to the ${n} available environments`);
    let t0 = now();
    const idx =
      sp.selection === "cur"
        ? curSelection(feats.values0, n, feats.f0, m, sp.seed)
        : farthestPointSampling(feats.values0, n, feats.f0, m, sp.seed);
    const active = subsetFeatures(feats, idx);
    x.timings.selection = now() - t0;
    t0 = now();
    x.log(`${x.ctx}kernels K_MM ${m * c}x${m * c}, K_NM ${n * c}x${m * c} (${backend.name})`);
    const kMM = await kernelMatrix(backend, active, active, p.zeta);
    symmetrize(kMM, m * c);
    const kNM = await kernelMatrix(backend, feats, active, p.zeta);
    x.timings.kernel = now() - t0;
    t0 = now();
    x.log(`${x.ctx}sparse solve M=${m * c}`);
    const opts = { pool: sharedGemmPool(), context: x.ctx };
    const solved = await fitSparseGpr(kMM, m * c, kNM, n * c, x.y, p.reg, opts);
    const st = { ...solved, scale: applyVarianceFloor(solved.scale, x.floor, x.notes, x.log) };
    x.timings.solve = now() - t0;
    this.fitted = {
      train: active,
      alpha: st.alpha,
      mean: x.mean,
      scale: st.scale,
      reg: p.reg,
      noiseFit: null,
      floor: x.floor,
      jitter: Math.max(st.jitterMM, st.jitterSigma),
      full: null,
      sparse: p.variance === "full" ? st : null,
      descriptor: x.descriptor,
      precision: backend.precision,
      nTrain: n,
    };
    return this.report(n, x.timings, x.notes, {
      sparseM: m,
      selection: sp.selection,
      approximation: sp.approximation,
    });
  }

  private report(
    n: number,
    timings: Record<string, number>,
    notes: string[],
    extra: Record<string, unknown>,
  ): FitReport {
    return {
      model: this.kind,
      species: this.params.species,
      lambda: this.params.lambda,
      nTrain: n,
      timings,
      notes,
      signalVariance: this.fitted!.scale,
      trainingMean: this.fitted!.mean,
      ...extra,
    };
  }

  /**
   * Predict every atom of the model's species in `structures` (structure then atom order). With a memory budget,
   * structures are predicted in chunks whose features and cross kernel fit (the same numbers: each atom's
   * prediction depends only on its own row), refused when one structure alone does not fit.
   */
  async predict(structures: readonly Structure[], options: PredictOptions = {}): Promise<Prediction> {
    const f = this.fitted;
    if (!f)
      throw new EngineError("NotFitted", "the model has not been fitted (call fit or load a model file)");
    const p = this.params;
    // a mean-only model (variance "none") has no factor: means only, with a note
    const wantVar = (options.variance ?? true) && (f.full !== null || f.sparse !== null);
    // chunks of whole structures: at most chunkAtoms centre atoms, and within the memory budget when one is given
    const primal = !wantVar && supportsPrimal(p.zeta);
    const chunks = options.memory
      ? chunkStructures(
          structures,
          p.species,
          predictBytesPerEnvironment(f.train, primal),
          options.memory,
          this.context(),
        )
      : predictionChunks(structures, p.species, this.chunkAtoms);
    if (chunks.length > 1) {
      const { memory: _m, ...rest } = options;
      const parts: Prediction[] = [];
      for (const [i0, i1] of chunks)
        parts.push(await this.predictChunk(structures.slice(i0, i1), rest, wantVar));
      return mergePredictions(parts, chunks, this.context());
    }
    return this.predictChunk(structures, options, wantVar);
  }

  /** Centre atoms per prediction chunk without a memory budget (see predict). */
  chunkAtoms: number = PREDICT_CHUNK_ATOMS;

  private async predictChunk(
    structures: readonly Structure[],
    options: PredictOptions,
    wantVar: boolean,
  ): Promise<Prediction> {
    const f = this.fitted!;
    const p = this.params;
    const t0 = now();
    const desc = createDescriptor(f.descriptor);
    const blocks = this.blocks(desc, structures);
    const { feats, samples } = gatherFeatures(blocks, p.species, p.lambda, null);
    const timings: Record<string, number> = { features: now() - t0 };
    const c = 2 * p.lambda + 1;
    const t = feats.n;
    if (t > 0 && (feats.f !== f.train.f || feats.f0 !== f.train.f0)) {
      throw new EngineError(
        "CorruptModel",
        `the model's training features have ${f.train.f} (λ=0: ${f.train.f0}) properties but its descriptor ` +
          `gives ${feats.f} (${feats.f0}): descriptor hypers and arrays do not match`,
        this.source !== null ? { file: this.source } : {},
      );
    }
    const notes: string[] = [];
    if (f.precision !== "float64") notes.push(`training kernel assembled in ${f.precision}`);
    if (!f.full && !f.sparse)
      notes.push("mean-only model (fitted with variance none): no predictive variances");
    if (t === 0) {
      return {
        species: p.species,
        lambda: p.lambda,
        atoms: samples,
        components: c,
        mean: new Float64Array(0),
        variance: new Float64Array(0),
        covariance: new Float64Array(0),
        notes,
        timings,
      };
    }
    const { mean, kStar } = await this.predictMean(feats, wantVar, options, notes, timings);
    let variance: Float64Array | undefined;
    let covariance: Float64Array | undefined;
    if (wantVar && kStar) {
      covariance = await this.predictCovariance(feats, kStar);
      variance = new Float64Array(t * c);
      for (let i = 0; i < t; i++)
        for (let mu = 0; mu < c; mu++)
          variance[i * c + mu] = Math.max(0, covariance[i * c * c + mu * c + mu]!);
    }
    checkFinitePrediction(mean, variance, samples, c, this.source);
    const cartesian = this.cartesianOf(mean, t);
    return {
      species: p.species,
      lambda: p.lambda,
      atoms: samples,
      components: c,
      mean,
      ...(variance ? { variance } : {}),
      ...(covariance && c > 1 ? { covariance } : {}),
      ...(cartesian ? { cartesian } : {}),
      notes,
      timings,
    };
  }

  /**
   * Mean of the predictions (centred λ=0 targets get their training mean back). Mean only with a polynomial
   * kernel: in the primal (DESIGN.md performance notes), O(F·F0) per atom instead of O(N_train·F), equal to the
   * dual K*·α to round-off (test/unit/primal.test.ts); otherwise K*·α, returning K* for the variances.
   */
  private async predictMean(
    feats: EnvFeatures,
    wantVar: boolean,
    options: PredictOptions,
    notes: string[],
    timings: Record<string, number>,
  ): Promise<{ mean: Float64Array; kStar: Float64Array | null }> {
    const f = this.fitted!;
    const p = this.params;
    const t = feats.n;
    const c = 2 * p.lambda + 1;
    if (!wantVar && supportsPrimal(p.zeta)) {
      let t0 = now();
      this.primal ??= await primalWeights(f.train, f.alpha, p.zeta, p.lambda === 0 ? f.mean : 0);
      timings.weights = now() - t0;
      t0 = now();
      const mean = await primalPredict(this.primal, feats);
      timings.predict = now() - t0;
      notes.push(`mean predicted in the primal (ζ=${p.zeta}); no variance requested`);
      return { mean, kStar: null };
    }
    const backend = await createBackend(options.backend ?? p.backend);
    if (backend.precision !== "float64")
      notes.push(`prediction kernel assembled in ${backend.precision} (${backend.name})`);
    let kStar: Float64Array;
    try {
      kStar = await kernelMatrix(backend, feats, f.train, p.zeta);
    } finally {
      backend.dispose();
    }
    const mean = predictMean(kStar, t * c, f.train.n * c, f.alpha);
    if (p.lambda === 0) for (let i = 0; i < t; i++) mean[i] += f.mean;
    return { mean, kStar };
  }

  /** Predictive covariance blocks (t × c × c) of the full or sparse model from the cross kernel K*. */
  private async predictCovariance(feats: EnvFeatures, kStar: Float64Array): Promise<Float64Array> {
    const f = this.fitted!;
    const p = this.params;
    const c = 2 * p.lambda + 1;
    const kss = kernelDiagBlocks(feats, p.zeta);
    const cov = f.full
      ? await fullGprCovariance(f.full, kStar, feats.n, c, kss)
      : await sparseGprCovariance(f.sparse!, kStar, feats.n, c, kss, p.sparse!.approximation);
    // an observation's covariance: the latent one plus the noise ŝ²·reg on each block's diagonal
    const noise = f.scale * f.reg;
    for (let i = 0; i < feats.n; i++) for (let mu = 0; mu < c; mu++) cov[i * c * c + mu * c + mu]! += noise;
    return cov;
  }

  /**
   * Cartesian tensors (t × 9) rebuilt from the prediction; undefined otherwise. Only a λ=2 EFG model predicts a
   * whole tensor (an EFG is symmetric and traceless). One block of a shielding tensor is not the tensor: a
   * traceless T2 or an isotropic σ_iso·I written as `ms` would be wrong, so the full σ comes only from a tensor
   * model of all its blocks (tensorModel.ts).
   */
  private cartesianOf(mean: Float64Array, t: number): Float64Array | undefined {
    const p = this.params;
    const tgt = parseTarget(p.target, p.lambda);
    if (tgt.derived !== null || tgt.array !== "efg" || p.lambda !== 2) return undefined;
    const cartesian = new Float64Array(t * 9);
    for (let i = 0; i < t; i++) t2ToCartesian(mean, i * 5, cartesian, i * 9);
    return cartesian;
  }

  serialize(): ModelPayload {
    const f = this.fitted;
    if (!f) throw new EngineError("NotFitted", "cannot save a model that has not been fitted");
    const p = this.params;
    const arrays = new Map<string, Float64Array | Int32Array>();
    arrays.set("trainFeatures", f.train.values);
    if (p.lambda !== 0) arrays.set("trainFeatures0", f.train.values0);
    arrays.set("alpha", f.alpha);
    if (f.full) arrays.set("choleskyLower", packLower(f.full.l, f.full.n));
    if (f.sparse) {
      arrays.set("choleskyKmmLower", packLower(f.sparse.lMM, f.sparse.m));
      arrays.set("choleskySigmaLower", packLower(f.sparse.lSigma, f.sparse.m));
    }
    const header = {
      formatVersion: GPR_FORMAT_VERSION,
      params: {
        species: p.species,
        lambda: p.lambda,
        target: p.target,
        zeta: p.zeta,
        reg: p.reg,
        descriptor: descriptorToJson(f.descriptor),
        sparse: p.sparse,
        backend: p.backend,
        isotopes: p.isotopes,
        ...(p.variance === "none" ? { variance: "none" } : {}),
        ...(p.parity === -1 ? { parity: p.parity } : {}),
        ...(p.noise !== "ml" ? { noise: p.noise } : {}),
      },
      species: symbolOf(p.species),
      lambda: p.lambda,
      units: targetUnits(p.target),
      conventions: {
        spherical:
          "orthonormal real harmonics m=-l..l; T0 = tr/√3; T2 = (√2 S_xy, √2 S_yz, (2S_zz−S_xx−S_yy)/√6, √2 S_xz, (S_xx−S_yy)/√2) (docs/conventions.md)",
        kernel: "K_μν = (p0·p0')^(ζ−1) (P P'^T)_μν, features normalised",
        regularisation: "(K + reg·I) α = y",
        centring: p.lambda === 0 ? "targets centred on the training mean" : "targets not shifted",
        variance:
          "an observation's variance: latent-function variance × ML signal variance (floored at signalVarianceFloor = (1e-3 × RMS training target)²) + noiseVariance",
      },
      backendPrecision: f.precision,
      ...(this.trainingStatistics ? { trainingStatistics: this.trainingStatistics } : {}),
      fitted: {
        nTrain: f.nTrain,
        nEnvironments: f.train.n,
        components: f.train.c,
        nFeatures: f.train.f,
        nFeatures0: f.train.f0,
        trainingMean: f.mean,
        signalVariance: f.scale,
        signalVarianceFloor: f.floor,
        noiseVariance: f.scale * f.reg,
        reg: f.reg,
        noiseEstimate: f.noiseFit
          ? {
              method: "maximum marginal likelihood (R&W eq. 2.30, 5.9) at fixed descriptor hypers",
              startReg: p.reg,
              rows: f.noiseFit.rows,
              logMarginal: f.noiseFit.logMarginal,
              startLogMarginal: f.noiseFit.startLogMarginal,
              atBound: f.noiseFit.atBound,
            }
          : null,
        jitter: f.jitter,
        sparseJitter: f.sparse ? { kMM: f.sparse.jitterMM, sigma: f.sparse.jitterSigma } : null,
      },
    };
    return { kind: this.kind, header, arrays };
  }

  /** Rebuild a fitted model from a payload (see modelfile.ts); any inconsistency is CorruptModel. */
  static fromPayload(payload: ModelPayload, file = "<model>"): GprModel {
    const bad = (msg: string): never => {
      throw new EngineError("CorruptModel", msg, { file });
    };
    const h = parseSavedHeader(payload.header, bad);
    const model = paramsModel(h, payload.kind, bad);
    const fi = h.fitted;
    const arr = (name: string, length: number): Float64Array => {
      const a = payload.arrays.get(name);
      if (!(a instanceof Float64Array)) return bad(`model file lacks array '${name}'`);
      if (a.length !== length)
        bad(`array '${name}' has ${a.length} values, the header's shapes need ${length}`);
      return a;
    };
    const { nEnvironments: n, components: c, nFeatures: f, nFeatures0: f0 } = fi;
    const lambda = model.params.lambda;
    const values = arr("trainFeatures", n * c * f);
    const values0 = lambda === 0 ? values : arr("trainFeatures0", n * f0);
    if (lambda === 0 && f0 !== f) bad(`fitted.nFeatures0 ${f0} ≠ nFeatures ${f} for a λ=0 model`);
    const alpha = arr("alpha", n * c);
    const rows = n * c;
    const packed = (rows * (rows + 1)) / 2;
    let full: FullGprState | null = null;
    let sparse: SparseGprState | null = null;
    if (model.params.variance === "none") {
      // mean-only model: no factor saved
    } else if (payload.kind === "gpr") {
      const l = unpackLower(arr("choleskyLower", packed), rows);
      full = { n: rows, alpha, l, jitter: fi.jitter, scale: fi.signalVariance, logMarginal: Number.NaN };
    } else {
      sparse = {
        m: rows,
        alpha,
        lMM: unpackLower(arr("choleskyKmmLower", packed), rows),
        lSigma: unpackLower(arr("choleskySigmaLower", packed), rows),
        reg: fi.reg ?? model.params.reg,
        jitterMM: fi.sparseJitter?.kMM ?? 0,
        jitterSigma: fi.sparseJitter?.sigma ?? 0,
        scale: fi.signalVariance,
      };
    }
    model.fitted = {
      train: { n, lambda, c, f, values, f0, values0 },
      alpha,
      mean: fi.trainingMean,
      scale: fi.signalVariance,
      // files written before the noise estimate have no fitted.reg: their solve used params.reg
      reg: fi.reg ?? model.params.reg,
      noiseFit: null,
      floor: fi.signalVarianceFloor,
      jitter: fi.jitter,
      full,
      sparse,
      descriptor: model.params.descriptor,
      precision: h.backendPrecision,
      nTrain: fi.nTrain,
    };
    model.source = file;
    model.trainingStatistics = readTrainingStatistics(payload.header);
    return model;
  }
}

/**
 * Centre atoms per prediction chunk: the λ=2 kernel rows of 1024 atoms against 1920 training environments (gehlenite)
 * are 1024·5 × 9600 doubles = 393 MB, the size of the training kernel's Cholesky factor.
 */
export const PREDICT_CHUNK_ATOMS = 1024;

/**
 * Structure ranges [s0, s1) of at most `maxAtoms` atoms of `species` each (a larger structure alone; structures
 * without such atoms join the chunk before them).
 */
export function predictionChunks(
  structures: readonly Structure[],
  species: number,
  maxAtoms: number,
): [number, number][] {
  const chunks: [number, number][] = [];
  let start = 0;
  let atoms = 0;
  structures.forEach((s, i) => {
    let k = 0;
    for (const z of s.numbers) if (z === species) k++;
    if (k > 0 && atoms > 0 && atoms + k > maxAtoms) {
      chunks.push([start, i]);
      start = i;
      atoms = 0;
    }
    atoms += k;
  });
  if (structures.length > start) chunks.push([start, structures.length]);
  return chunks;
}

/**
 * A finite model and finite features give finite predictions; a non-finite mean or variance means the model's
 * arrays hold values that overflow (a damaged or hand-edited file whose checksums were recomputed), so it is an
 * error naming the model file and the first atom concerned, never NaN in the output.
 */
function checkFinitePrediction(
  mean: Float64Array,
  variance: Float64Array | undefined,
  samples: Int32Array,
  c: number,
  source: string | null,
): void {
  const bad = (a: Float64Array) => a.findIndex((x) => !Number.isFinite(x));
  const k = Math.max(bad(mean), variance ? bad(variance) : -1);
  if (k < 0) return;
  const i = Math.floor(k / c);
  throw new EngineError(
    "CorruptModel",
    `non-finite prediction for structure ${samples[2 * i]}, atom ${samples[2 * i + 1]}: the model's arrays overflow ` +
      "(is the model file damaged?)",
    source !== null ? { file: source } : {},
  );
}

/** The unfitted model of a saved header's params, checked against the header's kind, species, λ and shapes. */
function paramsModel(h: SavedHeader, kind: string, bad: (msg: string) => never): GprModel {
  const pr = h.params;
  let model: GprModel;
  try {
    model = new GprModel({
      species: pr.species,
      lambda: pr.lambda,
      target: pr.target,
      zeta: pr.zeta,
      reg: pr.reg,
      descriptor: descriptorFromJson(pr.descriptor),
      sparse: pr.sparse,
      backend: pr.backend,
      isotopes: pr.isotopes,
      ...(pr.variance !== undefined ? { variance: pr.variance } : {}),
      ...(pr.parity === -1 ? { parity: -1 as const } : {}),
      ...(pr.noise !== undefined ? { noise: pr.noise } : {}),
    });
  } catch (e) {
    if (e instanceof EngineError) return bad(`model params are invalid: ${e.message}`);
    throw e;
  }
  const p = model.params;
  if ((model.kind === "sparse-gpr") !== (kind === "sparse-gpr"))
    bad(`model kind '${kind}' does not match its params`);
  if (h.species !== undefined && h.species !== symbolOf(p.species))
    bad(`header species ${JSON.stringify(h.species)} does not match params.species ${symbolOf(p.species)}`);
  if (h.lambda !== undefined && h.lambda !== p.lambda)
    bad(`header lambda ${JSON.stringify(h.lambda)} does not match params.lambda ${p.lambda}`);
  if (h.fitted.components !== 2 * p.lambda + 1)
    bad(`fitted.components ${h.fitted.components} does not match λ=${p.lambda} (2λ+1 = ${2 * p.lambda + 1})`);
  return model;
}

/**
 * Floor of the signal variance. The maximum-likelihood ŝ² = yᵀ(K + σ²I)⁻¹y / N (regression.ts) is 0 when the
 * (centred) training targets have no spread, which would make every predictive variance 0, even far from the
 * training data. The floor keeps the prior standard deviation at least SIGNAL_STD_FLOOR (0.1 %) of the RMS of
 * the raw (uncentred) training targets: ŝ² ≥ (1e-3 · T)², T = √(mean y²). Targets with any real spread give
 * ŝ² far above it (ŝ² ≥ mean(y²)/λ_max(K + σ²I) ≥ mean(y²)/N for uncentred targets), so it only acts when the
 * targets are (nearly) all equal; the model file records it as fitted.signalVarianceFloor.
 */
export const SIGNAL_STD_FLOOR = 1e-3;

/** (SIGNAL_STD_FLOOR · RMS of the raw targets)². */
export function signalVarianceFloor(yRaw: Float64Array): number {
  let s = 0;
  for (const v of yRaw) s += v * v;
  return yRaw.length > 0 ? (SIGNAL_STD_FLOOR * SIGNAL_STD_FLOOR * s) / yRaw.length : 0;
}

/** max(ŝ², floor), with a warning (note + log) when the floor applies. */
function applyVarianceFloor(
  scale: number,
  floor: number,
  notes: string[],
  log: (line: string) => void,
): number {
  if (scale >= floor) return scale;
  const w =
    `warning: the training targets have no spread (ML signal variance ${scale.toExponential(2)}): ` +
    `predictive variances use the floor ŝ² = ${floor.toExponential(2)} = (${SIGNAL_STD_FLOOR} × RMS target)²`;
  notes.push(w);
  log(w);
  return floor;
}

/** Make a kernel matrix exactly symmetric (the lower triangle wins; GEMM round-off differs by O(eps)). */
function symmetrize(k: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) k[j * n + i] = k[i * n + j]!;
}

/**
 * The maximum-likelihood noise of a full fit (maximiseMarginalLikelihood from `reg0`), on the kernel rows of the
 * environments of marginalLikelihoodSubset (all, or a seeded subset of a large kernel). Logged and noted.
 */
async function noiseByMarginalLikelihood(
  k: Float64Array,
  x: FitInput,
  reg0: number,
): Promise<NoiseFit & { rows: number }> {
  const c = x.feats.c;
  const nc = x.n * c;
  let kk = k;
  let y = x.y;
  let rows = nc;
  const envs = marginalLikelihoodSubset(x.n, c, GPR_DEFAULTS.seed);
  if (envs.length < x.n) {
    const idx = envs.flatMap((e) => Array.from({ length: c }, (_, mu) => e * c + mu));
    rows = idx.length;
    kk = new Float64Array(rows * rows);
    y = new Float64Array(rows);
    idx.forEach((i, a) => {
      y[a] = x.y[i]!;
      for (let b = 0; b < rows; b++) kk[a * rows + b] = k[i * nc + idx[b]!]!;
    });
  }
  x.log(`${x.ctx}noise and signal variances by maximum marginal likelihood (${rows} of ${nc} kernel rows)`);
  const fit = await maximiseMarginalLikelihood(kk, rows, y, reg0, { pool: sharedGemmPool(), context: x.ctx });
  const note =
    `noise: reg ${fit.reg.toExponential(2)} by maximum marginal likelihood (from ${reg0}; log p ` +
    `${fit.startLogMarginal.toFixed(1)} → ${fit.logMarginal.toFixed(1)} on ${rows} of ${nc} rows)` +
    (fit.atBound ? " — at the bound of the search" : "");
  x.notes.push(note);
  x.log(`${x.ctx}${note}`);
  return { ...fit, rows };
}
