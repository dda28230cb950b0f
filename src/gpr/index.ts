/** GPR public API: full and sparse GPR models (the Model contract and model files are in src/model/). */
export { ArrayDescriptor, createDescriptor, registerDescriptor } from "./descriptors.js";
export { GPR_FORMAT_VERSION, GprModel, type GprParams, type SparseParams } from "./gpr.js";
export { type EnvFeatures, kernelDiagBlocks, kernelMatrix } from "../soap/envKernel.js";
export { fitPredictRaw } from "./rawFit.js";
export * from "./regression.js";
export {
  type PrimalWeights,
  primalPredict,
  primalWeights,
  supportsPrimal,
} from "./primal.js";
export { curSelection, farthestPointSampling } from "./selection.js";
export { collectTargets, DERIVED_OBSERVABLES, parseTarget, targetUnits } from "./targets.js";
