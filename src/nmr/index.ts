export * from "./efg.js";
export * from "./eigen.js";
export * from "./isotopes.js";
export * from "./ms.js";
export * from "./orientation.js";
export * from "./spherical.js";
export * from "./sites.js";
