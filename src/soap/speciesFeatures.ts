/**
 * λ-SOAP features of every atom of one centre species, for the hyperparameter search and the benchmarks: the λ-SOAP
 * settings they vary and the EnvFeatures (src/soap/envKernel.ts) the one kernel path consumes.
 */
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { type EnvFeatures, envFeatures } from "./envKernel.js";
import type { SoapHypersInput } from "./hypers.js";
import { LambdaSoap } from "./lambdaSoap.js";
import { blockKey } from "./types.js";

/**
 * The λ-SOAP settings a benchmark or search varies, under their SoapHypers names (the rest are the descriptor
 * defaults): a SoapHypersInput, so it is passed to the descriptor as it is.
 */
export interface SoapSettings extends SoapHypersInput {
  /** Cutoff radius (Å). */
  readonly cutoff: { readonly radius: number };
  /** Gaussian density width (Å). */
  readonly density: { readonly width: number };
  readonly basis: { readonly maxRadial: number; readonly maxAngular: number };
  /** Species channels (atomic numbers); fixed so that all feature sets share one layout. */
  readonly species: readonly number[];
}

/** The settings of the search's factors and fixed basis (`rcut`, `sigma` are the search's factor names). */
export function soapSettings(
  radius: number,
  width: number,
  basis: { readonly maxRadial: number; readonly maxAngular: number },
  species: readonly number[],
): SoapSettings {
  return { cutoff: { radius }, density: { width }, basis, species };
}

/** λ=0 and λ=2 features of every atom of one species, in structure then atom order. */
export interface SpeciesFeatures {
  readonly species: number;
  /** (structure, atom) per environment, flat 2n. */
  readonly samples: Int32Array;
  /** λ=2 block with the λ=0 block as values0 (lambda 2), or λ=0 only (lambda 0). */
  readonly feats: EnvFeatures;
}

/** Compute features of `species` in `structures` (λ=0 only when lambda = 0). */
export function speciesFeatures(
  structures: readonly Structure[],
  species: number,
  settings: SoapSettings,
  lambda: 0 | 2 = 2,
): SpeciesFeatures {
  const desc = new LambdaSoap(settings);
  const lambdas = lambda === 0 ? [0] : [0, 2];
  const blocks = desc.compute(structures, { centers: [species], lambdas });
  const b0 = blocks.get(blockKey(species, 0));
  const bl = blocks.get(blockKey(species, lambda));
  if (!b0 || !bl) {
    throw new EngineError("InvalidParameter", `no atoms of species Z=${species} in the structures`, {
      field: "species",
    });
  }
  return { species, samples: b0.samples, feats: envFeatures(bl, b0) };
}
