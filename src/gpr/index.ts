/** GPR public API: models, model files (importing this registers the 'gpr' and 'sparse-gpr' loaders). */
export { ArrayDescriptor, createDescriptor, registerDescriptor } from "./descriptors.js";
export { GPR_FORMAT_VERSION, GprModel, type GprParams, type SparseParams } from "./gpr.js";
export { type EnvFeatures, kernelDiagBlocks, kernelMatrix } from "../soap/envKernel.js";
export type {
  FitOptions,
  FitReport,
  Model,
  ModelPayload,
  PredictOptions,
  Prediction,
  TargetSpec,
} from "./model.js";
export {
  decodeModel,
  encodeModel,
  loadModel,
  modelTargetName,
  registerModelLoader,
  saveModel,
} from "./modelfile.js";
export { fitPredictRaw } from "./rawFit.js";
export {
  type BlockSettings,
  layoutText,
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

// The GNN shares the Model interface and the model-file format: register its loaders here so that
// `loadModel` (predict / evaluate) opens GPR and GNN files alike.
import { gnnFromPayload } from "../gnn/index.js";
import { registerModelLoader as registerLoader } from "./modelfile.js";

registerLoader("gnn-isd", 1, gnnFromPayload);
registerLoader("gnn-tp", 1, gnnFromPayload);
