/** GPR public API: models, model files (importing this registers the 'gpr' and 'sparse-gpr' loaders). */
export { ArrayDescriptor, createDescriptor, registerDescriptor } from "./descriptors.js";
export { GPR_FORMAT_VERSION, GprModel, type GprParams, type SparseParams } from "./gpr.js";
export { type EnvFeatures, kernelDiagBlocks, kernelMatrix } from "./kernel.js";
export type {
  FitOptions,
  FitReport,
  Model,
  ModelPayload,
  PredictOptions,
  Prediction,
  TargetSpec,
} from "./model.js";
export { decodeModel, encodeModel, loadModel, registerModelLoader, saveModel } from "./modelfile.js";
export * from "./regression.js";
export { curSelection, farthestPointSampling } from "./selection.js";
export { collectTargets, DERIVED_OBSERVABLES, parseTarget, targetUnits } from "./targets.js";
