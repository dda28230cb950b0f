/**
 * soapgpr public API. Layers (dependencies point one way): math ← core ← model ← soap | gnn ← gpr ← models ← cli.
 * Start with {@link NmrRegressor} (fit / predict / score / save, species by symbol, hypers from plain options)
 * and the tutorials in docs/. Core types are exported flat; each subsystem is also available as a namespace
 * (and as a package entry point: `soapgpr/io`, `soapgpr/nmr`, …).
 */
export * from "./core/dataset.js";
export * from "./core/elements.js";
export * from "./core/errors.js";
export * from "./core/neighbors.js";
export * from "./core/rng.js";
export * from "./core/structure.js";
export type * from "./backend/types.js";
export type * from "./model/types.js";
export type * from "./soap/types.js";

export {
  type FitSummary,
  type HyperOptions,
  NmrRegressor,
  type PredictedAtom,
  type PredictedStructure,
  type RegressorOptions,
  type StructuresInput,
  soapHypers,
} from "./api.js";
export { findPeakRegions } from "./analysis/peaks.js";
export * as backend from "./backend/index.js";
export * as benchmark from "./benchmark/index.js";
export * as datasets from "./datasets/index.js";
export * as gnn from "./gnn/index.js";
export * as gpr from "./gpr/index.js";
export * as io from "./io/index.js";
export * as metrics from "./metrics/index.js";
export * as model from "./model/index.js";
export { createModel, loadModel, MODEL_KINDS, type ModelSpec } from "./models.js";
export * as nmr from "./nmr/index.js";
export { comparisonTable, renderReport } from "./report/html.js";
export type * from "./report/types.js";
export * as search from "./search/search.js";
export * as soap from "./soap/index.js";
export * as spectra from "./spectra/index.js";
