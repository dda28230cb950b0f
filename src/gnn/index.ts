export { wignerDReal } from "../math/wigner.js";
export { realCG, realSphericalHarmonics } from "./irreps.js";
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
