/**
 * λ-SOAP features of every atom of one centre species, for the hyperparameter search and the benchmarks: the λ-SOAP
 * settings they vary and the EnvFeatures (src/soap/envKernel.ts) the one kernel path consumes.
 */
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { type EnvFeatures, envFeatures } from "./envKernel.js";
import { LambdaSoap } from "./lambdaSoap.js";
import { blockKey } from "./types.js";

/** The λ-SOAP settings a benchmark or search varies (the rest are the descriptor defaults). */
export interface SoapSettings {
  /** Cutoff radius (Å). */
  readonly rcut: number;
  /** Gaussian density width (Å). */
  readonly sigma: number;
  readonly nmax: number;
  readonly lmax: number;
  /** Species channels (atomic numbers); fixed so that all feature sets share one layout. */
  readonly species: readonly number[];
}

/** Plain-JSON λ-SOAP hypers (src/soap/hypers.ts shape) for the settings. */
export function soapHypersOf(s: SoapSettings): Record<string, unknown> {
  return {
    cutoff: { radius: s.rcut },
    density: { width: s.sigma },
    basis: { maxRadial: s.nmax, maxAngular: s.lmax },
    species: [...s.species],
  };
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
  const desc = new LambdaSoap(soapHypersOf(settings));
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
