/**
 * The estimator API: what a scikit-learn user guesses. A thin layer over the Model contract (src/model/types.ts)
 * and the registry (src/models.ts) — no second implementation: `fit`, `predict` and `save` are the model's own;
 * this layer reads files, names species by symbol, builds λ-SOAP hypers from plain options, and reshapes flat
 * predictions into per-structure, per-atom tensors with their unit.
 *
 * ```ts
 * // NmrRegressor from the package's main entry point
 * const model = new NmrRegressor({ target: "efg", species: "Li", rcut: 5, sigma: 0.5 });
 * await model.fit("train.extxyz");
 * const [first] = await model.predict("test.extxyz");   // first.atoms[0].tensor: 3×3, in first.unit
 * const r2 = await model.score("test.extxyz");
 * model.save("li.model");
 * ```
 */
import { type BackendName, parseBackendName } from "./backend/index.js";
import { Dataset } from "./core/dataset.js";
import { atomicNumber, symbolOf } from "./core/elements.js";
import { EngineError } from "./core/errors.js";
import type { Structure } from "./core/structure.js";
import type { GnnHypers } from "./gnn/index.js";
import { GPR_DEFAULTS, type GprParams, tensorLambdas } from "./gpr/index.js";
import { collectTargets, parseTarget, targetUnits } from "./gpr/targets.js";
import { readStructures } from "./io/read.js";
import { modelTargetName, saveModel } from "./model/modelfile.js";
import type { FitReport, Model, PredictOptions, Prediction } from "./model/types.js";
import { createModel, loadModel } from "./models.js";
import {
  type CutoffSmoothing,
  DEFAULT_SOAP_HYPERS,
  parseSoapHypers,
  type SoapHypers,
  type SoapHypersInput,
  TENSOAP_PRESET,
} from "./soap/hypers.js";

/** λ-SOAP hyperparameters as plain options (the `fit` command's flags of the same names). */
export interface HyperOptions {
  /** Starting point: "default" (DEFAULT_SOAP_HYPERS) or "tensoap" (TENSOAP_PRESET, TENSOAP's exact kernels). */
  readonly preset?: "default" | "tensoap";
  /** Cutoff radius, Å. */
  readonly rcut?: number;
  /** Width of the smooth (shifted cosine) cutoff, Å; 0 = hard step. */
  readonly smooth?: number;
  /** Width of the Gaussian atom density, Å. */
  readonly sigma?: number;
  /** Radial basis functions. */
  readonly nmax?: number;
  /** Largest angular channel. */
  readonly lmax?: number;
  /** Weight of the centre atom's own density. */
  readonly centerWeight?: number;
}

const PRESETS: Readonly<Record<string, SoapHypers>> = {
  default: DEFAULT_SOAP_HYPERS,
  tensoap: TENSOAP_PRESET,
};

/**
 * λ-SOAP hypers from plain options: the preset's values (DEFAULT_SOAP_HYPERS unless `preset: "tensoap"`) with the
 * given options over them, validated (errors name the field, e.g. `cutoff.radius`).
 */
export function soapHypers(options: HyperOptions = {}): SoapHypers {
  const base = PRESETS[options.preset ?? "default"];
  if (base === undefined)
    throw new EngineError("InvalidParameter", `unknown preset '${options.preset}' (use default or tensoap)`, {
      field: "preset",
    });
  const { rcut: radius, smooth, sigma: width, nmax: maxRadial, lmax: maxAngular, centerWeight } = options;
  const smoothing: CutoffSmoothing | undefined =
    smooth === undefined
      ? undefined
      : smooth > 0
        ? { type: "ShiftedCosine", width: smooth }
        : { type: "Step" };
  const input: SoapHypersInput = {
    cutoff: { ...(radius !== undefined ? { radius } : {}), ...(smoothing ? { smoothing } : {}) },
    density: width !== undefined ? { width } : {},
    basis: {
      ...(maxRadial !== undefined ? { maxRadial } : {}),
      ...(maxAngular !== undefined ? { maxAngular } : {}),
    },
    ...(centerWeight !== undefined ? { centerWeight } : {}),
  };
  return parseSoapHypers(input, base);
}

/** What an NmrRegressor learns and how: plain options with the CLI's defaults. */
export interface RegressorOptions extends HyperOptions {
  /** "efg", "ms", any per-atom array, or a derived scalar such as "efg:cq" or "ms:iso". */
  readonly target: string;
  /** Centre species by symbol, e.g. "Li". */
  readonly species: string;
  /**
   * λ of one block. Default: a 3×3 tensor target (efg, ms) learns all its blocks in one model (efg: λ=2; ms:
   * λ=0, 1, 2) and predicts the full tensor; a scalar target λ=0.
   */
  readonly lambda?: 0 | 1 | 2;
  /** "gpr" (default), "sparse-gpr" (default when `sparse` is given), "gnn-isd" or "gnn-tp". */
  readonly model?: "gpr" | "sparse-gpr" | "gnn-isd" | "gnn-tp";
  /** Kernel exponent ζ (default 2). */
  readonly zeta?: number;
  /** Regularisation relative to the normalised kernel (default 1e-6). */
  readonly reg?: number;
  /** Sparse GPR on this many representative environments (farthest-point sampling). */
  readonly sparse?: number;
  /** Seed of every random choice (sparse selection, GNN initialisation and split); default 0. */
  readonly seed?: number;
  /** "full" (default): predictive variances; "none": a mean-only model. */
  readonly variance?: "full" | "none";
  /** "ml" (default): signal and noise variances by maximum marginal likelihood from `reg`; "fixed": `reg` as given. */
  readonly noise?: "ml" | "fixed";
  /** Kernel assembly: "cpu" (float64, default), "gpu" or "auto" (gpu.js, float32). */
  readonly backend?: BackendName;
  /** Isotopes of derived observables, e.g. { Ti: "49Ti" }. */
  readonly isotopes?: Readonly<Record<string, string>>;
  /** GNN models: hyperparameters (epochs, layers, channels, …); `rcut` sets the cutoff radius. */
  readonly gnn?: Partial<GnnHypers>;
}

/** The model's FitReport (timings in s, notes, …) with the species by symbol. */
export type FitSummary = Omit<FitReport, "species"> & { readonly species: string };

/** Structures: already read, or files / directories to read (extxyz, magres, CIF, Venetos JSON; .gz). */
export type StructuresInput = readonly Structure[] | string | readonly string[];

/** One predicted atom. */
export interface PredictedAtom {
  /** Index of the atom in its structure. */
  readonly index: number;
  /** Element symbol. */
  readonly species: string;
  /** Tensor targets: the predicted 3×3 Cartesian tensor (rows), in the prediction's unit. */
  readonly tensor?: number[][];
  /** Scalar targets: the predicted value, in the prediction's unit. */
  readonly value?: number;
  /** Scalar targets: its predictive standard deviation (same unit), when the model gives variances. */
  readonly std?: number;
  /**
   * Tensor targets: the predictive standard deviation of each learned spherical component ([tr/3 | T1 | T2]
   * per the model's blocks; T2 alone for efg), in the prediction's unit.
   */
  readonly componentStd?: number[];
}

/** The predictions of one input structure (every atom of the model's species). */
export interface PredictedStructure {
  /** Index of the structure in the input. */
  readonly index: number;
  /** Where it came from (file#frame), when read from a file. */
  readonly source?: string;
  /** The model's target, e.g. "efg". */
  readonly target: string;
  /** Unit of `tensor`, `value`, `std`: "a.u. (Eh/(e a0^2))" for efg, "ppm" for ms, "MHz" for efg:cq, … */
  readonly unit: string;
  readonly atoms: readonly PredictedAtom[];
  /** Provenance, e.g. "kernel assembled in float32 (gpu.js)". */
  readonly notes: readonly string[];
}

function read(input: StructuresInput): { structures: readonly Structure[]; sources?: readonly string[] } {
  if (typeof input === "string" || (input.length > 0 && typeof input[0] === "string")) {
    const paths = typeof input === "string" ? [input] : (input as readonly string[]);
    return readStructures(paths);
  }
  return { structures: input as readonly Structure[] };
}

function gprParams(o: RegressorOptions, species: number): Omit<GprParams, "lambda"> {
  return {
    species,
    target: o.target,
    zeta: o.zeta ?? GPR_DEFAULTS.zeta,
    descriptor: { kind: "lambda-soap", hypers: soapHypers(o) },
    sparse: o.sparse !== undefined ? { m: o.sparse, seed: o.seed ?? GPR_DEFAULTS.seed } : null,
    backend: parseBackendName(o.backend ?? GPR_DEFAULTS.backend),
    ...(o.isotopes ? { isotopes: o.isotopes } : {}),
    variance: o.variance ?? "full",
    ...(o.noise ? { noise: o.noise } : {}),
  };
}

/** The unfitted Model of the options (a tensor model of every block of a 3×3 target unless λ is given). */
function buildModel(o: RegressorOptions): Model {
  const species = atomicNumber(o.species);
  const kind = o.model ?? (o.sparse !== undefined ? "sparse-gpr" : "gpr");
  if (kind === "gnn-isd" || kind === "gnn-tp") {
    if (o.lambda === undefined)
      throw new EngineError("InvalidParameter", `model ${kind} needs lambda`, { field: "lambda" });
    const hypers: Partial<GnnHypers> = {
      ...o.gnn,
      species: [species],
      ...(o.rcut !== undefined ? { cutoff: { radius: o.rcut } } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
    };
    return createModel({ kind, hypers, target: { name: o.target, lambda: o.lambda } });
  }
  if (kind === "sparse-gpr" && o.sparse === undefined)
    throw new EngineError("InvalidParameter", "model sparse-gpr needs sparse (a number of environments)", {
      field: "sparse.m",
    });
  const common = gprParams(o, species);
  const reg = o.reg ?? GPR_DEFAULTS.reg;
  const derived = o.target.includes(":");
  const scalarArray = !derived && o.target !== "efg" && o.target !== "ms";
  if (o.lambda !== undefined || derived || scalarArray)
    return createModel({
      kind,
      params: { ...common, lambda: o.lambda ?? (derived || scalarArray ? 0 : 2), reg },
    });
  const blocks = Object.fromEntries(tensorLambdas(o.target).map((l) => [l, { reg }]));
  return createModel({ kind: "tensor-gpr", params: { ...common, blocks } });
}

/**
 * A model of one NMR target of one species, used as a scikit-learn estimator: `fit`, `predict`, `score`, `save`,
 * and `NmrRegressor.load` for a saved model of any kind. `model` is the underlying Model (src/model/types.ts).
 */
export class NmrRegressor {
  readonly model: Model;
  /** The learned target ("efg", "ms", "efg:cq", …). */
  readonly target: string;

  constructor(options: RegressorOptions | Model) {
    if ("fit" in options && "serialize" in options) {
      this.model = options;
      const target = modelTargetName(options.serialize().header);
      if (target === undefined)
        throw new EngineError("CorruptModel", "the model does not say which target it learned");
      this.target = target;
    } else {
      this.model = buildModel(options as RegressorOptions);
      this.target = (options as RegressorOptions).target;
    }
  }

  /** A model file written by `save` or `soapgpr fit` (gpr, sparse-gpr, tensor-gpr, gnn-isd, gnn-tp). */
  static load(file: string): NmrRegressor {
    return new NmrRegressor(loadModel(file));
  }

  /** Train on structures that carry the target as a per-atom array (e.g. extxyz `efg`, magres `ms`). */
  async fit(data: StructuresInput, options?: { log?: (line: string) => void }): Promise<FitSummary> {
    const { structures, sources } = read(data);
    const dataset = Dataset.fromArrays(structures, [this.target.split(":")[0]!], sources);
    const report = await this.model.fit(dataset, options);
    return { ...report, species: symbolOf(report.species) };
  }

  /**
   * Predictions per structure and per atom of the model's species, with their unit. `options.variance: false`
   * skips the predictive variances (faster on large cells).
   */
  async predict(data: StructuresInput, options?: PredictOptions): Promise<PredictedStructure[]> {
    const { structures, sources } = read(data);
    const pred = await this.model.predict(structures, options);
    return perStructure(pred, structures.length, this.target, sources);
  }

  /**
   * R², as scikit-learn's `score`: 1 − Σ(y − ŷ)² / Σ(y − ȳ)² over every atom of the model's species that has a
   * reference value in `data`, pooled over the components of what `predict` returns (the 9 Cartesian entries of
   * a tensor, each about its own mean; the value of a scalar target). 1 is perfect; 0 is no better than the mean.
   */
  async score(data: StructuresInput): Promise<number> {
    const { structures, sources } = read(data);
    const pred = await this.model.predict(structures, { variance: false });
    const dataset = Dataset.fromArrays(structures, [this.target.split(":")[0]!], sources);
    const { ref, est } = pred.cartesian
      ? tensorPairs(dataset, pred, this.target)
      : scalarPairs(dataset, pred, this.target);
    return rSquared(ref, est, pred.cartesian ? 9 : pred.components);
  }

  /** Write the model file (atomic: a temporary file renamed over the target). */
  save(file: string): void {
    saveModel(this.model, file);
  }
}

/** Model prediction → one PredictedStructure per input structure. */
function perStructure(
  pred: Prediction,
  n: number,
  target: string,
  sources?: readonly string[],
): PredictedStructure[] {
  const unit = targetUnits(target);
  const species = symbolOf(pred.species);
  const atoms: PredictedAtom[][] = Array.from({ length: n }, () => []);
  const c = pred.components;
  for (let k = 0; k < pred.atoms.length / 2; k++) {
    const std = pred.variance ? Array.from(pred.variance.subarray(k * c, (k + 1) * c), Math.sqrt) : undefined;
    const t = pred.cartesian?.subarray(9 * k, 9 * k + 9);
    atoms[pred.atoms[2 * k]!]!.push({
      index: pred.atoms[2 * k + 1]!,
      species,
      ...(t
        ? {
            tensor: [0, 1, 2].map((i) => Array.from(t.subarray(3 * i, 3 * i + 3))),
            ...(std ? { componentStd: std } : {}),
          }
        : { value: pred.mean[k * c]!, ...(std ? { std: std[0]! } : {}) }),
    });
  }
  return atoms.map((a, index) => ({
    index,
    ...(sources ? { source: sources[index]! } : {}),
    target,
    unit,
    atoms: a,
    notes: pred.notes,
  }));
}

/** Reference and predicted Cartesian tensors (9 per atom) of the predicted atoms with a known reference. */
function tensorPairs(dataset: Dataset, pred: Prediction, target: string): { ref: number[]; est: number[] } {
  const t = dataset.target(target.split(":")[0]!);
  const ref: number[] = [];
  const est: number[] = [];
  for (let k = 0; k < pred.atoms.length / 2; k++) {
    const s = pred.atoms[2 * k]!;
    const a = pred.atoms[2 * k + 1]!;
    if (t.masks[s]![a] !== 1) continue;
    ref.push(...t.values[s]!.subarray(9 * a, 9 * a + 9));
    est.push(...pred.cartesian!.subarray(9 * k, 9 * k + 9));
  }
  return { ref, est };
}

/** Reference (through the target's own definition, e.g. CQ of the EFG) and predicted values of a scalar model. */
function scalarPairs(dataset: Dataset, pred: Prediction, target: string): { ref: number[]; est: number[] } {
  const c = pred.components;
  const rows = collectTargets(dataset, parseTarget(target, pred.lambda), pred.lambda, pred.species);
  const at = new Map<string, number>();
  for (let k = 0; k < pred.atoms.length / 2; k++) at.set(`${pred.atoms[2 * k]},${pred.atoms[2 * k + 1]}`, k);
  const ref: number[] = [];
  const est: number[] = [];
  for (let j = 0; j < rows.samples.length / 2; j++) {
    const k = at.get(`${rows.samples[2 * j]},${rows.samples[2 * j + 1]}`);
    if (k === undefined) continue;
    ref.push(...rows.y.subarray(j * c, (j + 1) * c));
    est.push(...pred.mean.subarray(k * c, (k + 1) * c));
  }
  return { ref, est };
}

/** Pooled R² of rows of `c` components, each component about its own mean. */
function rSquared(ref: readonly number[], est: readonly number[], c: number): number {
  const n = ref.length / c;
  if (n < 2)
    throw new EngineError("InvalidParameter", "score needs at least two atoms with a reference value");
  let res = 0;
  let tot = 0;
  for (let j = 0; j < c; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += ref[i * c + j]!;
    mean /= n;
    for (let i = 0; i < n; i++) {
      res += (ref[i * c + j]! - est[i * c + j]!) ** 2;
      tot += (ref[i * c + j]! - mean) ** 2;
    }
  }
  if (!(tot > 0))
    throw new EngineError("InvalidParameter", "score: the reference values do not vary (R² undefined)");
  return 1 - res / tot;
}
