export * from "./angles.js";
export * from "./components.js";
export * from "./efg.js";
export * from "./ms.js";
export * from "./stats.js";
