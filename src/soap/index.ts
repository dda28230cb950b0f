/**
 * λ-SOAP public API. Main entry:
 *   const soap = new LambdaSoap(hypers);                       // hypers: SoapHypers or plain JSON (validated)
 *   const blocks = soap.compute(structures, { centers: [3], lambdas: [0, 2] });   // FeatureBlocks keyed "Z:λ"
 *   const K = await atomicKernel(blocksA, blocksB, 3, { lambda: 2, zeta: 2, backend });
 */
export {
  type EnvFeatures,
  envFeatures,
  foldZeta,
  kernelDiagBlocks,
  kernelMatrix,
  type RawKernels,
  rawKernels,
  scalarPart,
  sliceFeatures,
  subsetFeatures,
  withBackend,
} from "./envKernel.js";
export { SphericalExpansion } from "./expansion.js";
export {
  type CutoffSmoothing,
  DEFAULT_SOAP_HYPERS,
  parseSoapHypers,
  type SoapHypers,
  type SoapHypersInput,
  TENSOAP_PRESET,
} from "./hypers.js";
export {
  atomicKernel,
  type KernelMatrix,
  type KernelOptions,
  type KernelReport,
  type KernelReportOptions,
  kernelReport,
  type StructureKernelOptions,
  structureKernel,
} from "./kernels.js";
export {
  LambdaCoupling,
  LambdaSoap,
  type LambdaSoapComputeOptions,
  normalizeEnvironment,
  powerSpectrum,
} from "./lambdaSoap.js";
export {
  type SoapSettings,
  type SpeciesFeatures,
  soapSettings,
  speciesFeatures,
} from "./speciesFeatures.js";
export {
  blockKey,
  type ComputeOptions,
  type Descriptor,
  type FeatureBlock,
  type FeatureBlocks,
  sampleKey,
  samplePositions,
} from "./types.js";
