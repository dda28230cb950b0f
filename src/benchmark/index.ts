/** Benchmarks and hyperparameter search (the integration layer): see each module's header. */
export * from "./efgBench.js";
export * from "./gehlenite.js";
export * from "./gehleniteTuned.js";
export * from "../search/hyperSearch.js";
export * from "./lto.js";
export * from "./paper.js";
export * from "./present.js";
export * from "./report.js";
export * from "./targets.js";
export * from "./wqLarge.js";
