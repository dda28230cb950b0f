import { performance } from "node:perf_hooks";
import type { AtomTargets, Dataset } from "../core/dataset.js";
import { EngineError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import type { Structure } from "../core/structure.js";
import type { FitOptions, FitReport, Model, ModelPayload, Prediction, TargetSpec } from "../model/types.js";
import {
  efgTrainingStatistics,
  readTrainingStatistics,
  type TrainingStatistics,
} from "../model/trainingStats.js";
import { readBytes, writeFileAtomic } from "../io/atomic.js";
import { type LabelledSet, lossAndGrad, speciesWeights } from "./_loss.js";
import { GnnPool } from "./_pool.js";
import { type ArchSpec, buildGraph, type Graph, Network, type TargetKind, targetLambdas } from "./network.js";
import { cartesianToSpherical, sphericalToCartesian } from "../nmr/spherical.js";

export type GnnKind = "gnn-isd" | "gnn-tp";

/** GNN hyperparameters; every field optional, defaults in DEFAULT_GNN_HYPERS. */
export interface GnnHypers {
  /** Interaction blocks (≥ 2 for the 1e output of MS: 1e needs two hops from the 0e embedding). */
  layers: number;
  /** Channels per irrep. */
  channels: number;
  /**
   * Cutoff radius (Å), the cutoff.radius of the λ-SOAP hypers. The JSON of --gnn-hypers and of GNN model files
   * written before this name may give it as "rc": parseGnnHypers maps that key here.
   */
  cutoff: { radius: number };
  /** Largest rank of the hidden features and edge harmonics (≤ 4). */
  lmax: number;
  nBasis: number;
  radialHidden: number;
  envelopeP: number;
  /** Aggregation normalisation: divide by the mean neighbour count ("mean") or its square root ("sqrt"). */
  neighborNorm: "mean" | "sqrt";
  /**
   * TP head: rank l of the two feature sets (1..lmax) and their number N (N² products). Default rank 4, the
   * paper's best: at near-cubic sites every l = 1, 2, 3 feature vanishes, so products of two such factors are
   * quadratic in the distortion while the EFG is linear in it (l = 4 has a cubic invariant). For gnn-tp an lmax
   * left unset becomes max(2, tpRank), and a tpRank left unset with lmax given becomes min(4, lmax).
   */
  tpRank: number;
  tpN: number;
  epochs: number;
  batchSize: number;
  /** Adam learning rate; halved after patience/2 epochs without validation improvement. */
  lr: number;
  /** Early stopping: epochs without validation improvement. */
  patience: number;
  valFraction: number;
  seed: number;
  /** Centre species (atomic numbers) to learn and predict; default all species with target values. */
  species: number[] | null;
  /** Checkpoint file (best model so far, written atomically), or null. */
  checkpoint: string | null;
  /** Stop training after this many seconds (0 = no limit). */
  maxSeconds: number;
  /** worker_threads over the structures of a batch (0 = train in this thread). */
  workers: number;
}

export const DEFAULT_GNN_HYPERS: Readonly<GnnHypers> = Object.freeze({
  layers: 2,
  channels: 8,
  cutoff: Object.freeze({ radius: 4.0 }),
  lmax: 2,
  nBasis: 8,
  radialHidden: 16,
  envelopeP: 6,
  neighborNorm: "sqrt",
  tpRank: 4,
  tpN: 4,
  epochs: 200,
  batchSize: 4,
  lr: 0.01,
  patience: 30,
  valFraction: 0.1,
  seed: 0,
  species: null,
  checkpoint: null,
  maxSeconds: 0,
  workers: 0,
});

/**
 * Bounds of the numeric GNN hyperparameters: [min, max, integer?]. They keep a typo from allocating tens of GB
 * or running for days (channels 100000 → a 10¹⁰-weight layer, rc 1e6 Å → every atom a neighbour of every
 * other, layers 1e9), while leaving ample room above every setting used in the papers and benchmarks
 * (layers ≤ 3, channels ≤ 32, cutoff.radius ≤ 6 Å, lmax ≤ 4). lmax and tpRank stop at 4: the harmonics and couplings are
 * implemented up to l = 4.
 */
export const GNN_HYPER_BOUNDS: Readonly<Record<string, readonly [number, number, boolean]>> = Object.freeze({
  layers: [1, 8, true],
  channels: [1, 256, true],
  "cutoff.radius": [0.5, 12, false],
  lmax: [0, 4, true],
  nBasis: [1, 64, true],
  radialHidden: [1, 512, true],
  envelopeP: [1, 32, false],
  tpRank: [1, 4, true],
  tpN: [1, 32, true],
  epochs: [0, 1_000_000, true],
  batchSize: [1, 100_000, true],
  lr: [1e-8, 10, false],
  patience: [0, 1_000_000, true],
  valFraction: [0, 0.99, false],
  seed: [0, Number.MAX_SAFE_INTEGER, true],
  maxSeconds: [0, 1e7, false],
  workers: [0, 256, true],
});

function checkBounded(k: string, v: unknown): void {
  const [min, max, int] = GNN_HYPER_BOUNDS[k]!;
  const ok =
    typeof v === "number" && Number.isFinite(v) && v >= min && v <= max && (!int || Number.isInteger(v));
  if (!ok) {
    throw new EngineError(
      "InvalidParameter",
      `GNN hyperparameter ${k} must be ${int ? "an integer" : "a number"} in [${min}, ${max}], got ${JSON.stringify(v)}`,
      { field: k },
    );
  }
}

function checkOther(k: string, v: unknown): void {
  const fail = (msg: string) => {
    throw new EngineError("InvalidParameter", msg, { field: k });
  };
  if (k === "species") {
    if (v !== null && !(Array.isArray(v) && v.every((z) => Number.isInteger(z) && z > 0 && z < 119)))
      fail("species must be a list of atomic numbers");
  } else if (k === "neighborNorm") {
    if (v !== "mean" && v !== "sqrt") fail("neighborNorm must be 'mean' or 'sqrt'");
  } else if (k === "checkpoint") {
    if (v !== null && typeof v !== "string") fail("checkpoint must be a path");
  }
}

/** The radius of `"cutoff": {"radius": r}` or of `"rc": r` (the --gnn-hypers key, kept; older model files). */
function cutoffRadius(key: "rc" | "cutoff", v: unknown): number {
  let r = v;
  if (key === "cutoff") {
    const keys = typeof v === "object" && v !== null && !Array.isArray(v) ? Object.keys(v) : null;
    if (keys === null || keys.length !== 1 || keys[0] !== "radius")
      throw new EngineError("InvalidParameter", `cutoff must be {"radius": Å}, got ${JSON.stringify(v)}`, {
        field: "cutoff",
      });
    r = (v as { radius: unknown }).radius;
  }
  checkBounded("cutoff.radius", r);
  return r as number;
}

/**
 * Validates user hypers: the input must be a JSON object (or null/undefined for the defaults); unknown keys,
 * wrong types and values outside GNN_HYPER_BOUNDS are rejected with the field named.
 */
export function parseGnnHypers(input: unknown): GnnHypers {
  const out: Record<string, unknown> = { ...DEFAULT_GNN_HYPERS };
  if (input == null) return out as unknown as GnnHypers;
  if (typeof input !== "object" || Array.isArray(input))
    throw new EngineError(
      "InvalidParameter",
      `GNN hypers must be a JSON object, got ${JSON.stringify(input)}`,
    );
  const given = input as Record<string, unknown>;
  if (given.rc !== undefined && given.cutoff !== undefined)
    throw new EngineError("InvalidParameter", "give the cutoff radius once: 'cutoff' or 'rc'", {
      field: "rc",
    });
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined) continue;
    if (k === "rc" || k === "cutoff") {
      out.cutoff = { radius: cutoffRadius(k, v) };
      continue;
    }
    if (!Object.hasOwn(DEFAULT_GNN_HYPERS, k)) {
      throw new EngineError(
        "InvalidParameter",
        `unknown GNN hyperparameter '${k}' (known: ${Object.keys(DEFAULT_GNN_HYPERS).join(", ")})`,
        { field: k },
      );
    }
    if (Object.hasOwn(GNN_HYPER_BOUNDS, k)) checkBounded(k, v);
    else checkOther(k, v);
    out[k] = v;
  }
  return out as unknown as GnnHypers;
}

/** gnn-tp: the hidden features must reach the factor rank, so lmax and tpRank default to each other. */
function tpHypers(input: unknown): GnnHypers {
  const h = parseGnnHypers(input);
  const given = (k: string) =>
    input != null && typeof input === "object" && (input as Record<string, unknown>)[k] !== undefined;
  if (!given("lmax")) return { ...h, lmax: Math.max(DEFAULT_GNN_HYPERS.lmax, h.tpRank) };
  if (!given("tpRank")) return { ...h, tpRank: Math.min(4, Math.max(1, h.lmax)) };
  return h;
}

function targetKind(t: TargetSpec): TargetKind {
  if (t.name === "efg" || t.name === "ms") return t.name;
  throw new EngineError(
    "Unimplemented",
    `the GNN learns the full 'efg' or 'ms' tensors, not '${t.name}' (derive observables from its Cartesian output)`,
    { field: "target" },
  );
}

/** Per-species standardisation that keeps equivariance: λ=0 shifted by its mean and scaled; λ>0 only scaled. */
interface Standardiser {
  /** nSpecies: mean of T0 (ms only; 0 otherwise). */
  mean: Float64Array;
  /** nSpecies × nLambdas: scale (std for λ=0, RMS per component for λ>0). */
  scale: Float64Array;
}

/**
 * The equivariant GNN behind the shared Model interface (ISD or TP head). Learns the spherical components of the
 * target tensor of every centre species at once (per-species standardisation and loss).
 */
export class GnnModel implements Model {
  readonly kind: GnnKind;
  readonly hypers: GnnHypers;
  readonly target: TargetSpec;
  private net: Network | null = null;
  private params: Float64Array | null = null;
  private speciesZ: number[] = [];
  private centre: number[] = [];
  private std: Standardiser | null = null;
  /** |Vzz| statistics of the training set (efg targets; src/model/trainingStats.ts), or null. */
  trainingStatistics: TrainingStatistics | null = null;
  private avgNeighbors = 1;
  private graphCache = new WeakMap<Structure, Graph>();

  constructor(kind: GnnKind, hypers: Partial<GnnHypers> | unknown, target: TargetSpec) {
    this.kind = kind;
    this.hypers = kind === "gnn-tp" ? tpHypers(hypers) : parseGnnHypers(hypers);
    this.target = target;
    targetKind(target);
  }

  private get tkind(): TargetKind {
    return targetKind(this.target);
  }

  private archSpec(): ArchSpec {
    const h = this.hypers;
    return {
      nSpecies: this.speciesZ.length,
      channels: h.channels,
      lmax: h.lmax,
      layers: h.layers,
      rc: h.cutoff.radius,
      nBasis: h.nBasis,
      radialHidden: h.radialHidden,
      envelopeP: h.envelopeP,
      avgNeighbors: this.avgNeighbors,
      neighborNorm: h.neighborNorm,
      head: this.kind === "gnn-isd" ? "isd" : "tp",
      target: this.tkind,
      tpRank: h.tpRank,
      tpN: h.tpN,
    };
  }

  private slots(): Map<number, number> {
    return new Map(this.speciesZ.map((z, i) => [z, i]));
  }

  private graph(s: Structure, arch: ArchSpec): Graph {
    let g = this.graphCache.get(s);
    if (!g) {
      g = buildGraph(s, this.slots(), arch);
      this.graphCache.set(s, g);
    }
    return g;
  }

  /** Spherical components (ncomp per atom) of the 9-column Cartesian target. */
  private toSpherical(cart: Float64Array, n: number): Float64Array {
    const ncomp = this.tkind === "efg" ? 5 : 9;
    const out = new Float64Array(n * ncomp);
    const tmp = new Float64Array(9);
    for (let i = 0; i < n; i++) {
      cartesianToSpherical(cart, 9 * i, tmp, 0);
      if (ncomp === 5) for (let m = 0; m < 5; m++) out[i * 5 + m] = tmp[4 + m]!;
      else for (let m = 0; m < 9; m++) out[i * 9 + m] = tmp[m]!;
    }
    return out;
  }

  async fit(dataset: Dataset, options: FitOptions = {}): Promise<FitReport> {
    const log = options.log ?? (() => {});
    const h = this.hypers;
    const t0 = performance.now();
    const tgt = dataset.target(this.target.name);
    if (tgt.components !== 9) {
      throw new EngineError(
        "ShapeMismatch",
        `target '${tgt.name}' must have 9 Cartesian columns, has ${tgt.components}`,
        {
          field: tgt.name,
        },
      );
    }
    this.setSpecies(dataset, tgt);
    this.trainingStatistics = efgTrainingStatistics(dataset, this.target.name, this.centre);
    const nS = this.speciesZ.length;
    const lambdas = targetLambdas(this.tkind);
    const ncomp = this.tkind === "efg" ? 5 : 9;
    const { trainIdx, valIdx } = splitStructures(dataset.length, h.seed, h.valFraction);
    // Graphs (independent of avgNeighbors), then the mean neighbour count of the training atoms.
    this.graphCache = new WeakMap();
    this.avgNeighbors = 1;
    const slots = this.slots();
    const tG = performance.now();
    const graphs = dataset.structures.map((s) => this.graph(s, this.archSpec()));
    const timeGraphs = (performance.now() - tG) / 1000;
    let nbSum = 0;
    let atSum = 0;
    for (const si of trainIdx) {
      nbSum += graphs[si]!.nEdges;
      atSum += graphs[si]!.n;
    }
    this.avgNeighbors = Math.max(1, nbSum / Math.max(1, atSum));
    const arch = this.archSpec();
    const net = new Network(arch);
    this.net = net;
    // Spherical targets and the per-species standardisation (training atoms only).
    const centreSlot = new Set(this.centre.map((z) => slots.get(z)!));
    const raw: Float64Array[] = [];
    const wts: Uint8Array[] = [];
    dataset.structures.forEach((s, si) => {
      const g = graphs[si]!;
      raw.push(this.toSpherical(tgt.values[si]!, s.length));
      const w = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) w[i] = tgt.masks[si]![i] && centreSlot.has(g.types[i]!) ? 1 : 0;
      wts.push(w);
    });
    this.std = targetScaling({ graphs, y: raw, w: wts }, trainIdx, {
      nSpecies: nS,
      lambdas,
      ncomp,
      centreMean: this.tkind === "ms",
    });
    const ys = raw.map((r, si) => this.standardise(r, graphs[si]!, ncomp));
    const data: LabelledSet = { graphs, y: ys, w: wts };
    // Parameters: N(0,1) (the ops carry the 1/√fan_in scales), seeded.
    const rng = new Rng(h.seed + 1);
    const params = new Float64Array(net.nParams);
    for (let k = 0; k < params.length; k++) params[k] = rng.normal();
    this.params = params;
    const run = await this.train(net, params, data, { trainIdx, valIdx }, log);
    this.params = run.bestParams;
    const { epoch, stopReason, best, bestEpoch } = run;
    const nTrainAtoms = trainIdx.reduce((s, si) => s + wts[si]!.reduce((a, b) => a + b, 0), 0);
    return {
      model: this.kind,
      species: this.centre.length === 1 ? this.centre[0]! : 0,
      lambda: this.target.lambda,
      nTrain: nTrainAtoms,
      timings: { graphs: timeGraphs, train: run.seconds, total: (performance.now() - t0) / 1000 },
      notes: [
        `${net.nParams} parameters; ${epoch} epochs (${stopReason}); best validation loss ${best.toPrecision(4)} at epoch ${bestEpoch + 1}`,
        `centre species ${this.centre.join(",")}; ${trainIdx.length} training / ${valIdx.length} validation structures; mean neighbours ${this.avgNeighbors.toFixed(2)}`,
        run.parallelNote,
      ],
      epochs: epoch,
      bestEpoch: bestEpoch + 1,
      bestValLoss: best,
      history: run.history,
      centreSpecies: [...this.centre],
    };
  }

  /**
   * Adam on mini-batches of training structures from `params` (updated in place), the learning rate halved when
   * the validation loss stalls, early stopping after `patience` epochs, a checkpoint at each best epoch.
   */
  private async train(
    net: Network,
    params: Float64Array,
    data: LabelledSet,
    split: { trainIdx: number[]; valIdx: number[] },
    log: (msg: string) => void,
  ): Promise<TrainingRun> {
    const h = this.hypers;
    const { trainIdx, valIdx } = split;
    const grad = new Float64Array(net.nParams);
    const m1 = new Float64Array(net.nParams);
    const m2 = new Float64Array(net.nParams);
    let step = 0;
    let lr = h.lr;
    let best = Number.POSITIVE_INFINITY;
    let bestParams = Float64Array.from(params);
    let bestEpoch = -1;
    let sinceBest = 0;
    const history: { epoch: number; train: number; val: number; seconds: number }[] = [];
    const shuffler = new Rng(h.seed + 2);
    const nSp = this.speciesZ.length;
    let pool: GnnPool | null = null;
    let parallelNote = "trained in one thread";
    if (h.workers > 0) {
      pool = await GnnPool.create(h.workers, net.arch, data);
      parallelNote = pool
        ? `${h.workers} worker threads over the structures of each batch`
        : "worker_threads could not start; trained in one thread";
    }
    const evalLoss = async (part: readonly number[], g: Float64Array | null): Promise<number> => {
      const w = speciesWeights(data, part, nSp, net.ncomp);
      return pool ? pool.run(params, part, w, g) : lossAndGrad(net, params, data, part, w, g);
    };
    const tTrain = performance.now();
    let stopReason = "max epochs";
    let epoch = 0;
    try {
      for (; epoch < h.epochs; epoch++) {
        const te = performance.now();
        const order = shuffler.shuffle([...trainIdx]);
        let trainLoss = 0;
        let nb = 0;
        for (let b0 = 0; b0 < order.length; b0 += h.batchSize) {
          const batch = order.slice(b0, b0 + h.batchSize);
          grad.fill(0);
          trainLoss += await evalLoss(batch, grad);
          nb++;
          step++;
          adamStep(params, grad, { m1, m2 }, lr, step);
        }
        trainLoss /= nb;
        const val = valIdx.length > 0 ? await evalLoss(valIdx, null) : trainLoss;
        const secs = (performance.now() - te) / 1000;
        history.push({ epoch, train: trainLoss, val, seconds: secs });
        if (val < best) {
          best = val;
          bestParams = Float64Array.from(params);
          bestEpoch = epoch;
          sinceBest = 0;
          if (h.checkpoint) this.writeCheckpoint(h.checkpoint, bestParams);
        } else {
          sinceBest++;
          if (sinceBest > 0 && sinceBest % Math.max(1, Math.floor(h.patience / 2)) === 0) lr /= 2;
        }
        log(
          `gnn epoch ${epoch + 1}/${h.epochs}: train loss ${trainLoss.toPrecision(4)}, val loss ${val.toPrecision(4)}, lr ${lr.toPrecision(3)}, ${secs.toFixed(2)} s`,
        );
        if (sinceBest >= h.patience) {
          stopReason = `early stop (no validation improvement in ${h.patience} epochs)`;
          epoch++;
          break;
        }
        if (h.maxSeconds > 0 && (performance.now() - tTrain) / 1000 > h.maxSeconds) {
          stopReason = `time limit ${h.maxSeconds} s`;
          epoch++;
          break;
        }
      }
    } finally {
      await pool?.close();
    }
    return {
      bestParams,
      best,
      bestEpoch,
      epoch,
      stopReason,
      history,
      parallelNote,
      seconds: (performance.now() - tTrain) / 1000,
    };
  }

  /** The species of the dataset, and the centre species (given, or those with labelled atoms). */
  private setSpecies(dataset: Dataset, tgt: AtomTargets): void {
    const zs = new Set<number>();
    const labelled = new Set<number>();
    dataset.structures.forEach((s, si) => {
      const mask = tgt.masks[si]!;
      for (let i = 0; i < s.length; i++) {
        zs.add(s.numbers[i]!);
        if (mask[i]) labelled.add(s.numbers[i]!);
      }
    });
    const h = this.hypers;
    this.speciesZ = [...zs].sort((a, b) => a - b);
    this.centre = h.species ? [...h.species].sort((a, b) => a - b) : [...labelled].sort((a, b) => a - b);
    for (const z of this.centre) {
      if (!labelled.has(z)) {
        throw new EngineError(
          "InvalidParameter",
          `no labelled atoms of species Z=${z} in the training data`,
          { field: "species" },
        );
      }
    }
  }

  private standardise(r: Float64Array, g: Graph, ncomp: number): Float64Array {
    const { mean, scale } = this.std!;
    const lambdas = targetLambdas(this.tkind);
    const out = new Float64Array(r.length);
    for (let i = 0; i < g.n; i++) {
      const t = g.types[i]!;
      let co = 0;
      lambdas.forEach((lam, li) => {
        const s = scale[t * lambdas.length + li]!;
        for (let m = 0; m < 2 * lam + 1; m++) {
          out[i * ncomp + co + m] = (r[i * ncomp + co + m]! - (lam === 0 ? mean[t]! : 0)) / s;
        }
        co += 2 * lam + 1;
      });
    }
    return out;
  }

  async predict(structures: readonly Structure[]): Promise<Prediction> {
    if (!this.net || !this.params || !this.std)
      throw new EngineError("NotFitted", "the GNN model has not been fitted");
    const net = this.net;
    const ncomp = net.ncomp;
    const lambdas = targetLambdas(this.tkind);
    const { mean, scale } = this.std;
    const slots = this.slots();
    const centre = new Set(this.centre.map((z) => slots.get(z)!));
    const atoms: number[] = [];
    const vals: number[] = [];
    structures.forEach((s, si) => {
      const g = this.graph(s, net.arch);
      const out = net.forward(this.params!, g).out;
      for (let i = 0; i < g.n; i++) {
        const t = g.types[i]!;
        if (!centre.has(t)) continue;
        atoms.push(si, i);
        let co = 0;
        lambdas.forEach((lam, li) => {
          const sc = scale[t * lambdas.length + li]!;
          for (let m = 0; m < 2 * lam + 1; m++)
            vals.push(out[i * ncomp + co + m]! * sc + (lam === 0 ? mean[t]! : 0));
          co += 2 * lam + 1;
        });
      }
    });
    const nAt = atoms.length / 2;
    const meanArr = Float64Array.from(vals);
    const cart = new Float64Array(nAt * 9);
    const sph = new Float64Array(9);
    for (let a = 0; a < nAt; a++) {
      if (ncomp === 5) {
        sph.fill(0);
        for (let m = 0; m < 5; m++) sph[4 + m] = meanArr[a * 5 + m]!;
      } else for (let m = 0; m < 9; m++) sph[m] = meanArr[a * 9 + m]!;
      sphericalToCartesian(sph, 0, cart, 9 * a);
    }
    return {
      species: this.centre.length === 1 ? this.centre[0]! : 0,
      lambda: this.target.lambda,
      atoms: Int32Array.from(atoms),
      components: ncomp,
      mean: meanArr,
      cartesian: cart,
      notes: [
        this.tkind === "efg"
          ? "GNN prediction of the T2 components (order of docs/conventions.md)"
          : "GNN prediction: components [T0, T1(a_y,a_z,a_x), T2] (order of docs/conventions.md)",
        ...(this.centre.length > 1
          ? [`atoms of species ${this.centre.join(",")} (species field 0 = several)`]
          : []),
      ],
    };
  }

  serialize(): ModelPayload {
    if (!this.net || !this.params || !this.std)
      throw new EngineError("NotFitted", "the GNN model has not been fitted");
    return this.payload(this.params);
  }

  private payload(params: Float64Array): ModelPayload {
    const std = this.std!;
    return {
      kind: this.kind,
      header: {
        formatVersion: 1,
        model: this.kind,
        target: { name: this.target.name, lambda: this.target.lambda },
        hypers: { ...this.hypers },
        speciesZ: [...this.speciesZ],
        centreSpecies: [...this.centre],
        avgNeighbors: this.avgNeighbors,
        nParams: params.length,
        ...(this.trainingStatistics ? { trainingStatistics: this.trainingStatistics } : {}),
        conventions:
          "spherical components per docs/conventions.md (T0, T1=(a_y,a_z,a_x), T2); real Y_lm without Condon-Shortley phase",
      },
      arrays: new Map<string, Float64Array>([
        ["params", Float64Array.from(params)],
        ["stdMean", Float64Array.from(std.mean)],
        ["stdScale", Float64Array.from(std.scale)],
      ]),
    };
  }

  private writeCheckpoint(file: string, params: Float64Array): void {
    const p = this.payload(params);
    const arrays: Record<string, string> = {};
    for (const [k, v] of p.arrays)
      arrays[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
    writeFileAtomic(file, JSON.stringify({ kind: p.kind, header: p.header, arrays }));
  }

  /** Restores a fitted model from a payload made by `serialize` (used by gnnFromPayload). */
  static fromPayload(payload: ModelPayload, file?: string): GnnModel {
    const h = payload.header as Record<string, unknown>;
    const bad = (what: string) =>
      new EngineError("CorruptModel", `GNN model: ${what}`, file !== undefined ? { file } : {});
    if (payload.kind !== "gnn-isd" && payload.kind !== "gnn-tp") throw bad(`unknown kind '${payload.kind}'`);
    if (h.formatVersion !== 1) throw bad(`unsupported formatVersion ${String(h.formatVersion)}`);
    const target = h.target as TargetSpec | undefined;
    if (!target || typeof target.name !== "string") throw bad("no target");
    let m: GnnModel;
    try {
      m = new GnnModel(payload.kind, h.hypers, target);
    } catch (e) {
      if (e instanceof EngineError) throw bad(`invalid hypers or target: ${e.message}`);
      throw e;
    }
    const zs = h.speciesZ;
    const cs = h.centreSpecies;
    const isZ = (z: unknown) => Number.isInteger(z) && (z as number) > 0 && (z as number) < 119;
    if (!Array.isArray(zs) || !Array.isArray(cs) || !zs.every(isZ) || !cs.every(isZ))
      throw bad("speciesZ and centreSpecies must be lists of atomic numbers");
    m.speciesZ = zs as number[];
    m.centre = cs as number[];
    m.avgNeighbors = Number(h.avgNeighbors);
    m.trainingStatistics = readTrainingStatistics(h);
    if (!(m.avgNeighbors > 0 && Number.isFinite(m.avgNeighbors)))
      throw bad(`avgNeighbors must be a positive number, got ${JSON.stringify(h.avgNeighbors)}`);
    const params = payload.arrays.get("params");
    const mean = payload.arrays.get("stdMean");
    const scale = payload.arrays.get("stdScale");
    if (!(params instanceof Float64Array && mean instanceof Float64Array && scale instanceof Float64Array)) {
      throw bad("missing arrays params/stdMean/stdScale");
    }
    const net = new Network(m.archSpec());
    if (net.nParams !== params.length)
      throw bad(`expected ${net.nParams} parameters, found ${params.length}`);
    if (mean.length !== zs.length || scale.length !== zs.length * targetLambdas(m.tkind).length)
      throw bad("standardisation arrays have the wrong size");
    m.net = net;
    m.params = Float64Array.from(params);
    m.std = { mean: Float64Array.from(mean), scale: Float64Array.from(scale) };
    return m;
  }
}

/** Reads a checkpoint written during `fit` (hypers.checkpoint) back into a fitted model. */
export function readGnnCheckpoint(file: string): GnnModel {
  let obj: { kind?: unknown; header?: unknown; arrays?: Record<string, unknown> };
  const text = readBytes(file).toString("utf8"); // regular files only (a FIFO or device is refused)
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new EngineError("CorruptModel", `not a GNN checkpoint: ${(e as Error).message}`, { file });
  }
  if (obj === null || typeof obj !== "object" || Array.isArray(obj))
    throw new EngineError("CorruptModel", "not a GNN checkpoint: not a JSON object", { file });
  const arrays = new Map<string, Float64Array>();
  for (const [k, v] of Object.entries(obj.arrays ?? {})) {
    if (typeof v !== "string")
      throw new EngineError("CorruptModel", `array '${k}' is not base64 text`, { file });
    const b = Buffer.from(v, "base64");
    if (b.length % 8 !== 0)
      throw new EngineError("CorruptModel", `array '${k}' has a truncated length`, { file });
    const a = new Float64Array(b.length / 8);
    new Uint8Array(a.buffer).set(b);
    arrays.set(k, a);
  }
  return GnnModel.fromPayload(
    { kind: String(obj.kind), header: (obj.header ?? {}) as Record<string, unknown>, arrays },
    file,
  );
}

/** Factory used by the CLI (`--model gnn-isd|gnn-tp`). */
export function createGnnModel(
  kind: GnnKind,
  hypers: Partial<GnnHypers> | unknown,
  target: TargetSpec,
): GnnModel {
  return new GnnModel(kind, hypers, target);
}

/**
 * Loads a model serialised by GnnModel.serialize (payload from src/model/modelfile.ts); the loader of "gnn-isd" and
 * "gnn-tp" in the model registry (src/models.ts).
 */
export function gnnFromPayload(payload: ModelPayload, file?: string): GnnModel {
  return GnnModel.fromPayload(payload, file);
}

/** What one training run ends with: the best parameters and the loss history. */
interface TrainingRun {
  bestParams: Float64Array;
  best: number;
  bestEpoch: number;
  /** epochs run */
  epoch: number;
  stopReason: string;
  history: { epoch: number; train: number; val: number; seconds: number }[];
  parallelNote: string;
  seconds: number;
}

/** Seeded split of the structures: valFraction of them for validation (at least one when asked), the rest train. */
function splitStructures(
  n: number,
  seed: number,
  valFraction: number,
): { trainIdx: number[]; valIdx: number[] } {
  const idx = new Rng(seed).shuffle([...Array(n).keys()]);
  let nVal = Math.round(valFraction * n);
  if (valFraction > 0 && nVal === 0 && n >= 2) nVal = 1;
  const valIdx = idx.slice(0, nVal);
  const trainIdx = idx.slice(nVal);
  if (trainIdx.length === 0)
    throw new EngineError("InvalidParameter", "no training structures left after the validation split");
  return { trainIdx, valIdx };
}

/**
 * Per-species standardisation of spherical targets from the weighted training atoms: the λ=0 mean (shielding
 * only, `centreMean`) and one RMS scale per (species, λ).
 */
function targetScaling(
  data: LabelledSet,
  trainIdx: readonly number[],
  o: { nSpecies: number; lambdas: readonly number[]; ncomp: number; centreMean: boolean },
): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(o.nSpecies);
  const scale = new Float64Array(o.nSpecies * o.lambdas.length).fill(1);
  const cnt = new Float64Array(o.nSpecies);
  const ss = new Float64Array(o.nSpecies * o.lambdas.length);
  for (const si of trainIdx) {
    const g = data.graphs[si]!;
    for (let i = 0; i < g.n; i++) {
      if (!data.w[si]![i]) continue;
      const t = g.types[i]!;
      cnt[t]!++;
      if (o.centreMean) mean[t]! += data.y[si]![i * o.ncomp]!;
    }
  }
  for (let t = 0; t < o.nSpecies; t++) if (cnt[t]! > 0) mean[t]! /= cnt[t]!;
  for (const si of trainIdx) {
    const g = data.graphs[si]!;
    for (let i = 0; i < g.n; i++) {
      if (!data.w[si]![i]) continue;
      const t = g.types[i]!;
      let co = 0;
      o.lambdas.forEach((lam, li) => {
        const d = 2 * lam + 1;
        for (let m = 0; m < d; m++) {
          const v = data.y[si]![i * o.ncomp + co + m]! - (lam === 0 ? mean[t]! : 0);
          ss[t * o.lambdas.length + li]! += v * v;
        }
        co += d;
      });
    }
  }
  o.lambdas.forEach((lam, li) => {
    for (let t = 0; t < o.nSpecies; t++) {
      if (cnt[t]! === 0) continue;
      const rms = Math.sqrt(ss[t * o.lambdas.length + li]! / (cnt[t]! * (2 * lam + 1)));
      scale[t * o.lambdas.length + li] = rms > 1e-300 ? rms : 1;
    }
  });
  return { mean, scale };
}

/** One Adam step on `params` in place: moments m1, m2 (β1 = 0.9, β2 = 0.999) bias-corrected at `step`, ε = 1e-8. */
function adamStep(
  params: Float64Array,
  grad: Float64Array,
  { m1, m2 }: { m1: Float64Array; m2: Float64Array },
  lr: number,
  step: number,
): void {
  const b1 = 0.9;
  const b2 = 0.999;
  const c1 = 1 - b1 ** step;
  const c2 = 1 - b2 ** step;
  for (let k = 0; k < params.length; k++) {
    const gk = grad[k]!;
    m1[k] = b1 * m1[k]! + (1 - b1) * gk;
    m2[k] = b2 * m2[k]! + (1 - b2) * gk * gk;
    params[k]! -= (lr * (m1[k]! / c1)) / (Math.sqrt(m2[k]! / c2) + 1e-8);
  }
}
