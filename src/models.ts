/**
 * The model registry: the one module that knows every model kind. It sits above src/gpr and src/gnn (which share
 * only the contract in src/model/) and below the CLI, and opens GPR, sparse-GPR and GNN model files alike.
 */
import { EngineError } from "./core/errors.js";
import { createGnnModel, type GnnHypers, type GnnKind, gnnFromPayload } from "./gnn/index.js";
import {
  GPR_FORMAT_VERSION,
  GprModel,
  type GprParams,
  TENSOR_FORMAT_VERSION,
  TENSOR_MODEL_KIND,
  TensorModel,
  type TensorParams,
} from "./gpr/index.js";
import { ModelRegistry } from "./model/modelfile.js";
import type { Model, TargetSpec } from "./model/types.js";

const registry = new ModelRegistry()
  .register("gpr", GPR_FORMAT_VERSION, (p, file) => GprModel.fromPayload(p, file))
  .register("sparse-gpr", GPR_FORMAT_VERSION, (p, file) => GprModel.fromPayload(p, file))
  .register(TENSOR_MODEL_KIND, TENSOR_FORMAT_VERSION, (p, file) => TensorModel.fromPayload(p, file))
  .register("gnn-isd", 1, gnnFromPayload)
  .register("gnn-tp", 1, gnnFromPayload);

/** The model kinds this soapgpr creates and reads. */
export const MODEL_KINDS = ["gpr", "sparse-gpr", TENSOR_MODEL_KIND, "gnn-isd", "gnn-tp"] as const;

/** Read a model file of any registered kind (gpr, sparse-gpr, tensor-gpr, gnn-isd, gnn-tp). */
export function loadModel(file: string): Model {
  return registry.load(file);
}

/**
 * What `createModel` builds: a GPR ("sparse-gpr" when `params.sparse` is given), a tensor model of every λ block of
 * a 3×3 tensor target ("tensor-gpr"), or a GNN of one target.
 */
export type ModelSpec =
  | { readonly kind: "gpr" | "sparse-gpr"; readonly params: GprParams }
  | { readonly kind: typeof TENSOR_MODEL_KIND; readonly params: TensorParams }
  | { readonly kind: GnnKind; readonly hypers?: Partial<GnnHypers>; readonly target: TargetSpec };

/** An unfitted model of the given kind. */
export function createModel(spec: ModelSpec): Model {
  switch (spec.kind) {
    case "gpr":
    case "sparse-gpr": {
      const model = new GprModel(spec.params);
      if (model.kind !== spec.kind) {
        throw new EngineError(
          "InvalidParameter",
          `model kind '${spec.kind}' ${spec.kind === "sparse-gpr" ? "needs" : "takes no"} sparse parameters`,
          { field: "params.sparse" },
        );
      }
      return model;
    }
    case TENSOR_MODEL_KIND:
      return new TensorModel(spec.params);
    case "gnn-isd":
    case "gnn-tp":
      return createGnnModel(spec.kind, spec.hypers ?? {}, spec.target);
    default:
      throw new EngineError(
        "InvalidParameter",
        `unknown model kind '${String((spec as { kind: unknown }).kind)}' (known: ${MODEL_KINDS.join(", ")})`,
        { field: "kind" },
      );
  }
}
