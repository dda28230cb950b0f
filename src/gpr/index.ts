/** GPR public API: full and sparse GPR models (the Model contract and model files are in src/model/). */
export {
  type ArrayHypers,
  ArrayDescriptor,
  createDescriptor,
  type DescriptorParams,
  type DescriptorSpec,
  descriptorFromJson,
  descriptorToJson,
  resolveDescriptor,
} from "./descriptors.js";
export { GPR_FORMAT_VERSION, GprModel } from "./gpr.js";
export {
  GPR_DEFAULTS,
  type GprParams,
  MODEL_VARIANCES,
  type ModelVariance,
  NOISE_MODES,
  type NoiseMode,
  parseModelVariance,
  parseNoiseMode,
  parseSparseApproximation,
  parseSparseSelection,
  type ResolvedParams,
  resolveParams,
  SPARSE_APPROXIMATIONS,
  SPARSE_SELECTIONS,
  type SparseParams,
  type SparseSelection,
} from "./params.js";
export { type EnvFeatures, kernelDiagBlocks, kernelMatrix } from "../soap/envKernel.js";
export { fitPredictRaw } from "./rawFit.js";
export {
  type BlockSettings,
  TENSOR_FORMAT_VERSION,
  TENSOR_MODEL_KIND,
  TensorModel,
  type TensorParams,
  tensorLambdas,
} from "./tensorModel.js";
export * from "./regression.js";
export {
  type PrimalWeights,
  primalPredict,
  primalWeights,
  supportsPrimal,
} from "./primal.js";
export { curSelection, farthestPointSampling } from "./selection.js";
export { collectTargets, DERIVED_OBSERVABLES, parseTarget, targetUnits } from "./targets.js";
