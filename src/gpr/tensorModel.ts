/**
 * One model of a whole per-atom 3×3 tensor target: a GPR model (gpr.ts) per λ block, each with its own
 * regularisation and hypers, saved as one model file and reassembled into the Cartesian tensor on prediction.
 *
 * Blocks (spherical conventions of docs/conventions.md):
 * - λ=0: the isotropic value tr/3 (σ_iso in ppm for a shielding tensor), centred on its training mean;
 * - λ=1: T1, the antisymmetric part as a pseudovector, learned on odd-parity (σ = −1) λ-SOAP features; skipped with
 *   a note when every training tensor is symmetric to round-off (nothing to learn, and it predicts 0);
 * - λ=2: T2, the symmetric traceless part.
 * `efg` has only λ=2 (symmetric, traceless); `ms` and any other 3×3 per-atom array have λ 0, 1 and 2.
 * The predicted tensor is σ = σ_iso·I + A(T1) + S(T2), not symmetrised; the blocks are independent GPs, so the
 * predictive covariance of the layout [σ_iso | T1 | T2] is block-diagonal.
 */
import type { Dataset } from "../core/dataset.js";
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { isRecord } from "../model/modelfile.js";
import { blockOffsets, blockWidth, layoutText, layoutToCartesian } from "../model/tensorLayout.js";
import type { TrainingStatistics } from "../model/trainingStats.js";
import type {
  FitOptions,
  FitReport,
  Model,
  ModelPayload,
  PredictOptions,
  Prediction,
} from "../model/types.js";
import { GprModel } from "./gpr.js";
import type { GprParams } from "./params.js";
import { collectTargets, isZeroPart, parseTarget, targetUnits } from "./targets.js";

export const TENSOR_FORMAT_VERSION = 1;
export const TENSOR_MODEL_KIND = "tensor-gpr";

/** Settings one λ block may have apart from the others (e.g. its own reg from a search). */
export interface BlockSettings {
  readonly reg?: number;
  readonly zeta?: number;
  readonly descriptor?: GprParams["descriptor"];
}

export interface TensorParams extends Omit<GprParams, "lambda" | "parity"> {
  /** Per-λ settings overriding the common ones. */
  readonly blocks?: Readonly<Record<number, BlockSettings>>;
}

/** The λ blocks of a tensor target: efg λ=2 only (symmetric and traceless); any other 3×3 tensor λ 0, 1, 2. */
export function tensorLambdas(target: string): number[] {
  return target === "efg" ? [2] : [0, 1, 2];
}

export class TensorModel implements Model {
  readonly kind = TENSOR_MODEL_KIND;
  readonly params: TensorParams;
  readonly lambdas: readonly number[];
  /** Fitted blocks by λ (a skipped λ=1 has none). */
  private readonly fitted = new Map<number, GprModel>();

  /** The training set's |Vzz| statistics of an efg tensor model: those its λ=2 block stores. */
  get trainingStatistics(): TrainingStatistics | null {
    return this.fitted.get(2)?.trainingStatistics ?? null;
  }

  constructor(params: TensorParams) {
    if (params.target.includes(":"))
      throw new EngineError(
        "InvalidParameter",
        `a tensor model needs a tensor target, not '${params.target}'`,
        {
          field: "target",
        },
      );
    this.params = params;
    this.lambdas = tensorLambdas(params.target);
    for (const l of this.lambdas) this.blockModel(l); // validates every block's params now
  }

  get isFitted(): boolean {
    return this.fitted.size > 0;
  }

  private blockModel(lambda: number): GprModel {
    const { blocks, ...common } = this.params;
    return new GprModel({ ...common, ...blocks?.[lambda], lambda, parity: lambda === 1 ? -1 : 1 });
  }

  async fit(dataset: Dataset, options: FitOptions = {}): Promise<FitReport> {
    const log = options.log ?? (() => {});
    this.fitted.clear();
    const notes: string[] = [];
    const timings: Record<string, number> = {};
    const reports: FitReport[] = [];
    for (const l of this.lambdas) {
      const m = this.blockModel(l);
      if (l === 1 && this.symmetricTargets(dataset)) {
        const note =
          "λ=1 skipped: the training tensors are symmetric to round-off (no antisymmetric part); T1 = 0";
        notes.push(note);
        log(note);
        continue;
      }
      const r = await m.fit(dataset, options);
      this.fitted.set(l, m);
      reports.push(r);
      notes.push(...r.notes.map((n) => `λ=${l}: ${n}`));
      for (const [k, v] of Object.entries(r.timings)) timings[`λ${l} ${k}`] = v;
    }
    return {
      model: this.kind,
      species: this.params.species,
      lambda: Math.max(...this.lambdas),
      lambdas: [...this.fitted.keys()],
      nTrain: reports[0]?.nTrain ?? 0,
      timings,
      notes,
      blocks: reports,
    };
  }

  private symmetricTargets(dataset: Dataset): boolean {
    const p = this.params;
    return isZeroPart(collectTargets(dataset, parseTarget(p.target, 1), 1, p.species, p.isotopes));
  }

  /** Every block's prediction laid out as [tr/3 | T1 | T2] (per `lambdas`), with the Cartesian tensor. */
  async predict(structures: readonly Structure[], options: PredictOptions = {}): Promise<Prediction> {
    if (this.fitted.size === 0)
      throw new EngineError("NotFitted", "the model has not been fitted (call fit or load a model file)");
    const preds = new Map<number, Prediction>();
    for (const [l, m] of this.fitted) preds.set(l, await m.predict(structures, options));
    const first = [...preds.values()][0]!;
    const n = first.atoms.length / 2;
    const lambdas = this.lambdas;
    const C = lambdas.reduce((a, l) => a + blockWidth(l), 0);
    const mean = new Float64Array(n * C);
    const wantVar = [...preds.values()].every((p) => p.variance);
    const variance = wantVar ? new Float64Array(n * C) : null;
    const covariance = wantVar ? new Float64Array(n * C * C) : null;
    const offsets = blockOffsets(lambdas);
    lambdas.forEach((l, k) => {
      const p = preds.get(l);
      if (p) placeBlock(p, n, offsets[k]!, C, mean, variance, covariance);
    });
    const cartesian = new Float64Array(n * 9);
    for (let i = 0; i < n; i++) layoutToCartesian(lambdas, mean, i * C, cartesian, i * 9);
    const notes = [...new Set([...preds.values()].flatMap((p) => p.notes))];
    if (lambdas.includes(1) && !preds.has(1))
      notes.push("λ=1 not fitted (symmetric training tensors): T1 = 0");
    return {
      species: this.params.species,
      lambda: Math.max(...lambdas),
      blocks: lambdas,
      atoms: first.atoms,
      components: C,
      mean,
      ...(variance ? { variance } : {}),
      ...(covariance ? { covariance } : {}),
      cartesian,
      notes,
    };
  }

  serialize(): ModelPayload {
    if (this.fitted.size === 0)
      throw new EngineError("NotFitted", "cannot save a model that has not been fitted");
    const arrays = new Map<string, Float64Array | Int32Array>();
    const blocks = [...this.fitted].map(([l, m]) => {
      const sub = m.serialize();
      for (const [name, a] of sub.arrays) arrays.set(`λ${l}/${name}`, a);
      return { lambda: l, kind: sub.kind, header: sub.header };
    });
    const firstParams = blocks[0]!.header.params as Record<string, unknown>;
    const header = {
      formatVersion: TENSOR_FORMAT_VERSION,
      // species, target and the descriptor (with its fixed species channels) as a GPR header has them, so
      // that input checks and output naming read tensor and one-block models alike
      params: {
        species: this.params.species,
        target: this.params.target,
        lambdas: this.lambdas,
        descriptor: firstParams.descriptor,
      },
      species: symbolOf(this.params.species),
      units: targetUnits(this.params.target),
      conventions: {
        layout: layoutText(this.lambdas),
        tensor:
          "T = (tr/3)·I + A(T1) + S(T2) (spherical conventions of docs/conventions.md), not symmetrised; λ=1 on odd-parity features",
        covariance: "blocks are independent GPs: block-diagonal predictive covariance",
      },
      blocks,
    };
    return { kind: this.kind, header, arrays };
  }

  /** Rebuild from a payload: each block through GprModel.fromPayload; any inconsistency is CorruptModel. */
  static fromPayload(payload: ModelPayload, file = "<model>"): TensorModel {
    const bad = (msg: string): never => {
      throw new EngineError("CorruptModel", msg, { file });
    };
    const h = payload.header;
    const pr = h.params;
    if (!isRecord(pr) || typeof pr.target !== "string" || !Number.isInteger(pr.species))
      return bad("tensor model header has no valid params {species, target}");
    if (!Array.isArray(h.blocks) || h.blocks.length === 0) return bad("tensor model header has no blocks");
    let model: TensorModel;
    try {
      model = new TensorModel({ species: pr.species as number, target: pr.target });
    } catch (e) {
      if (e instanceof EngineError) return bad(`tensor model params are invalid: ${e.message}`);
      throw e;
    }
    for (const b of h.blocks as unknown[]) {
      if (
        !isRecord(b) ||
        typeof b.kind !== "string" ||
        !isRecord(b.header) ||
        !model.lambdas.includes(b.lambda as number)
      )
        return bad(
          `tensor model block ${JSON.stringify(isRecord(b) ? b.lambda : b)} is not a block of '${pr.target}'`,
        );
      const l = b.lambda as number;
      const prefix = `λ${l}/`;
      const arrays = new Map(
        [...payload.arrays]
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, a]) => [k.slice(prefix.length), a]),
      );
      const m = GprModel.fromPayload({ kind: b.kind, header: b.header, arrays }, file);
      const p = m.params;
      if (p.lambda !== l || p.species !== pr.species || p.target !== pr.target)
        bad(`tensor model block λ=${l} holds a model of ${symbolOf(p.species)} '${p.target}' λ=${p.lambda}`);
      model.fitted.set(l, m);
    }
    return model;
  }
}

/** Copy one block's mean, variance and covariance into the layout (columns off..off+c of C). */
function placeBlock(
  p: Prediction,
  n: number,
  off: number,
  C: number,
  mean: Float64Array,
  variance: Float64Array | null,
  covariance: Float64Array | null,
): void {
  const c = p.components;
  if (p.atoms.length !== 2 * n)
    throw new EngineError("Internal", `tensor model blocks predicted ${p.atoms.length / 2} and ${n} atoms`);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < c; a++) {
      mean[i * C + off + a] = p.mean[i * c + a]!;
      if (variance) variance[i * C + off + a] = p.variance![i * c + a]!;
      if (!covariance) continue;
      for (let b = 0; b < c; b++) {
        const v = c === 1 ? p.variance![i] : p.covariance![i * c * c + a * c + b];
        covariance[i * C * C + (off + a) * C + off + b] = v!;
      }
    }
  }
}
