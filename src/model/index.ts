/**
 * The model contract shared by src/gpr and src/gnn: the `Model` interface and its result types, model files
 * (encode / decode / save; loading by kind is src/models.ts), the writers of predictions, the layout of
 * a tensor model's prediction and its magnetic-shielding observables.
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
export {
  MS_OBSERVABLE_UNITS,
  MS_OBSERVABLES,
  type MsObservable,
} from "./msObservables.js";
export { parsePropagation, type Propagation } from "./propagation.js";
export { layoutText } from "./tensorLayout.js";
export type * from "./types.js";
