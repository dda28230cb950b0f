/**
 * The model contract shared by src/gpr and src/gnn: the `Model` interface and its result types, model files
 * (encode / decode / save; loading by kind is src/models.ts) and the writers of predictions.
 */
export {
  decodeModel,
  encodeModel,
  type FileHeader,
  type ModelLoader,
  ModelRegistry,
  modelTargetName,
  saveModel,
} from "./modelfile.js";
export {
  type AtomPrediction,
  OBSERVABLES,
  type Observable,
  OUTPUT_FORMATS,
  type OutputFormat,
  outputFormat,
  parseObservables,
  predictionRecords,
  writePredictions,
} from "./outputs.js";
export type * from "./types.js";
