export * from "./ewald.js";
export * from "./lto.js";
export * from "./ltoLarge.js";
export * from "./magres.js";
export * from "./spinel.js";
