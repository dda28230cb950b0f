/** File formats: extended XYZ, magres, CIF; atomic writes; extension dispatch. */
export { isGzip, readTextMaybeGz, writeFileAtomic } from "./atomic.js";
export { type CifReadOptions, cellFromParameters, parseCif, parseSymOp, readCif, type SymOp } from "./cif.js";
export {
  type ExtxyzReadOptions,
  type ExtxyzWriteOptions,
  formatExtxyz,
  iterExtxyz,
  parseExtxyz,
  readExtxyz,
  writeExtxyz,
} from "./extxyz.js";
export { formatMagres, type MagresWriteOptions, parseMagres, readMagres, writeMagres } from "./magres.js";
export { expandPaths, formatOf, type ReadResult, readStructures, type StructureFormat } from "./read.js";
export { parseVenetosJson, readVenetos } from "./venetos.js";
