/**
 * Checks of prediction inputs against a loaded model, before the expensive work: every atom's species must
 * be one the model's descriptor knows (else the error names the file and frame), and the number of atoms of
 * the model's centre species is counted (zero means there is nothing to predict).
 */
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";

export interface ModelSpecies {
  /** Centre species the model predicts (atomic numbers). */
  readonly centres: readonly number[];
  /** Species channels of the model's features; null when the model does not restrict them. */
  readonly known: readonly number[] | null;
}

const atomicNumbers = (v: unknown): number[] | null =>
  Array.isArray(v) && v.every((z) => Number.isInteger(z) && z > 0) ? (v as number[]) : null;

/** Centre species and species channels from a model header (GPR: params; GNN: centreSpecies, speciesZ). */
export function modelSpecies(header: Readonly<Record<string, unknown>>): ModelSpecies {
  const params = header["params"] as
    | { species?: unknown; descriptor?: { hypers?: { species?: unknown } } }
    | undefined;
  if (params !== undefined && typeof params === "object" && params !== null) {
    const centre = Number.isInteger(params.species) ? [params.species as number] : [];
    return { centres: centre, known: atomicNumbers(params.descriptor?.hypers?.species) };
  }
  return { centres: atomicNumbers(header["centreSpecies"]) ?? [], known: atomicNumbers(header["speciesZ"]) };
}

/**
 * Throw an EngineError naming `sources[k]` (file and frame) and the atom when a structure holds a species the
 * model has never seen; return the number of atoms of the model's centre species.
 */
export function checkPredictInput(
  species: ModelSpecies,
  structures: readonly Structure[],
  sources: readonly string[],
): number {
  const known = species.known ? new Set(species.known) : null;
  const centres = new Set(species.centres);
  let count = 0;
  structures.forEach((s, k) => {
    s.numbers.forEach((z, i) => {
      if (known && !known.has(z)) {
        throw new EngineError(
          "InvalidParameter",
          `atom ${i + 1} is ${symbolOf(z)}, a species the model was not trained with (it knows ${[...known].map(symbolOf).join(", ")})`,
          { file: sources[k] ?? `structure ${k}`, field: "species" },
        );
      }
      if (centres.has(z)) count++;
    });
  });
  return count;
}

/** "no Li atoms in FILE, FILE2": the message for inputs without any atom of the model's centre species. */
export function noCentresMessage(species: ModelSpecies, files: readonly string[]): string {
  const names = species.centres.map(symbolOf).join("/") || "centre-species";
  return `no ${names} atoms in ${files.join(", ")}: nothing to predict, no output written`;
}
