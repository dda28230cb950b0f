/**
 * Real DFT datasets from directories (or lists) of CASTEP / QE-GIPAW .magres(.gz) files: a Dataset with one
 * per-atom target tensor (`efg` or `ms`, 9 components row-major), masked to the requested species, plus the
 * seeded split by structure of core/dataset.ts.
 */
import { Dataset } from "../core/dataset.js";
import { atomicNumber } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { readMagres } from "../io/magres.js";
import { listFiles } from "../io/read.js";

export interface MagresDatasetOptions {
  /** Target tensor: `efg` (a.u.) or `ms` (ppm). */
  target: "efg" | "ms";
  /** Keep targets only for these species (symbols); other atoms stay in the structures but are masked. */
  species?: readonly string[];
  /** Recurse into sub-directories (default true). */
  recursive?: boolean;
}

const MAGRES_RE = /\.magres(\.gz)?$/i;

/** All .magres / .magres.gz files under the given files or directories, sorted by path (deterministic). */
export function listMagresFiles(inputs: string | readonly string[], recursive = true): string[] {
  const files = listFiles(
    typeof inputs === "string" ? [inputs] : inputs,
    (n) => MAGRES_RE.test(n),
    recursive,
  );
  return [...new Set(files)].sort();
}

/**
 * Load a Dataset of magres files. Each structure's target array is taken from the file's per-atom tensor of
 * that name; atoms without a value (NaN) or of another species are masked out. Files that lack the tensor
 * entirely are an error (naming the file).
 */
export function loadMagresDataset(
  inputs: string | readonly string[],
  options: MagresDatasetOptions,
): Dataset {
  if (options.target !== "efg" && options.target !== "ms") {
    throw new EngineError("InvalidParameter", `target must be 'efg' or 'ms', got '${options.target}'`, {
      field: "target",
    });
  }
  const files = listMagresFiles(inputs, options.recursive ?? true);
  if (files.length === 0) {
    throw new EngineError("InvalidParameter", "no .magres files found", {
      file: typeof inputs === "string" ? inputs : inputs.join(", "),
    });
  }
  const structures: Structure[] = files.map((f) => {
    const s = readMagres(f);
    if (!s.numericArray(options.target)) {
      throw new EngineError("InvalidParameter", `file has no per-atom '${options.target}' tensors`, {
        file: f,
        field: options.target,
      });
    }
    return s;
  });
  const ds = Dataset.fromArrays(structures, [options.target], files);
  if (!options.species) return ds;
  const keep = new Set(options.species.map((s) => atomicNumber(s)));
  const t = ds.target(options.target);
  const masks = t.masks.map((m, si) => {
    const z = structures[si]!.numbers;
    return Uint8Array.from(m, (v, i) => (v && keep.has(z[i]!) ? 1 : 0));
  });
  return new Dataset(structures, [{ ...t, masks }], files);
}
