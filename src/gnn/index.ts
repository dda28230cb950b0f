export { realCG, wignerDReal } from "./cg.js";
export {
  createGnnModel,
  DEFAULT_GNN_HYPERS,
  GnnModel,
  type GnnHypers,
  type GnnKind,
  gnnFromPayload,
  parseGnnHypers,
  readGnnCheckpoint,
} from "./model.js";
export { realSphericalHarmonics } from "./sh.js";
