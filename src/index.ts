export * from "./core/errors.js";
export * from "./core/rng.js";
export * from "./core/elements.js";
export * from "./core/structure.js";
export * from "./core/dataset.js";
export * from "./core/neighbors.js";
export type * from "./soap/types.js";
export type * from "./backend/types.js";
export type * from "./gpr/model.js";
