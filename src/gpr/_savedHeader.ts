/**
 * Validation of the header a GPR model file stores (written by GprModel.serialize): every field that loading
 * reads is checked for type and range before use, so that a file whose checksums pass but whose header is
 * inconsistent (hand-edited, or written by a faulty tool) gives CorruptModel instead of a TypeError or NaN
 * predictions. Shape checks against the arrays live in GprModel.fromPayload.
 */
import { isRecord } from "../model/modelfile.js";
import type { GprParams } from "./params.js";

export interface SavedFitted {
  readonly nTrain: number;
  readonly nEnvironments: number;
  readonly components: number;
  readonly nFeatures: number;
  readonly nFeatures0: number;
  readonly trainingMean: number;
  readonly signalVariance: number;
  readonly signalVarianceFloor: number;
  readonly jitter: number;
  /** The reg of the solve (absent in files written before the noise estimate: params.reg). */
  readonly reg?: number;
  readonly sparseJitter: { readonly kMM: number; readonly sigma: number } | null;
}

export interface SavedHeader {
  /** As stored; the descriptor is plain JSON `{ name, hypers }` (descriptorFromJson validates it). */
  readonly params: Omit<GprParams, "descriptor"> & { readonly descriptor: unknown };
  /** Header copies of params.species (element symbol) and params.lambda, when present. */
  readonly species: unknown;
  readonly lambda: unknown;
  readonly backendPrecision: "float64" | "float32";
  readonly fitted: SavedFitted;
}

type Bad = (msg: string) => never;

function count(o: Record<string, unknown>, key: string, bad: Bad): number {
  const v = o[key];
  if (!Number.isSafeInteger(v) || (v as number) < 0)
    bad(`fitted.${key} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v as number;
}

function real(o: Record<string, unknown>, key: string, min: number, bad: Bad, def?: number): number {
  const v = o[key] ?? def;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min)
    bad(`fitted.${key} must be a finite number ≥ ${min}, got ${JSON.stringify(v)}`);
  return v as number;
}

function parseFitted(fi: unknown, bad: Bad): SavedFitted {
  if (!isRecord(fi)) return bad("model header has no 'fitted' section");
  const sj = fi.sparseJitter;
  if (sj !== undefined && sj !== null && !isRecord(sj)) bad("fitted.sparseJitter must be an object");
  return {
    nTrain: count(fi, "nTrain", bad),
    nEnvironments: count(fi, "nEnvironments", bad),
    components: count(fi, "components", bad),
    nFeatures: count(fi, "nFeatures", bad),
    nFeatures0: count(fi, "nFeatures0", bad),
    trainingMean: real(fi, "trainingMean", -Number.MAX_VALUE, bad),
    signalVariance: real(fi, "signalVariance", 0, bad),
    // files written before the floor existed lack it: no floor
    signalVarianceFloor: real(fi, "signalVarianceFloor", 0, bad, 0),
    jitter: real(fi, "jitter", 0, bad),
    ...(fi.reg !== undefined ? { reg: real(fi, "reg", 0, bad) } : {}),
    sparseJitter: isRecord(sj)
      ? { kMM: real(sj, "kMM", 0, bad, 0), sigma: real(sj, "sigma", 0, bad, 0) }
      : null,
  };
}

/** The saved header, validated (see the module comment). */
export function parseSavedHeader(header: unknown, bad: Bad): SavedHeader {
  if (!isRecord(header)) return bad("model header is missing or not an object");
  const pr = header.params;
  if (!isRecord(pr)) return bad("model header has no 'params'");
  const d = pr.descriptor;
  if (!isRecord(d) || typeof d.name !== "string" || !isRecord(d.hypers))
    bad("model params have no valid 'descriptor' ({name, hypers})");
  return {
    params: pr as unknown as SavedHeader["params"],
    species: header.species,
    lambda: header.lambda,
    backendPrecision: header.backendPrecision === "float32" ? "float32" : "float64",
    fitted: parseFitted(header.fitted, bad),
  };
}
