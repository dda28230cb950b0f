import { generateLto } from "../../src/datasets/lto.js";
import type { HyperSearchOptions } from "../../src/search/hyperSearch.js";

/**
 * A small λ=2 EFG search on generated LTO structures (Li, nmax 3, lmax 2, 2 folds, one round): ~1 s, for tests
 * of the search machinery (memory budget, resume).
 */
export function tinySearch(
  seed: number,
  changes: Partial<HyperSearchOptions> = {},
): HyperSearchOptions & { structures: HyperSearchOptions["structures"] } {
  return {
    structures: generateLto({ structures: 10, seed }).structures,
    species: 3,
    lambda: 2,
    target: "efg",
    rcut: [3.5, 5],
    sigma: [0.4, 0.7],
    reg: [1e-6, 1e-3],
    zetas: [2],
    nmax: 3,
    lmax: 2,
    folds: 2,
    seed: 2,
    rounds: 1,
    ...changes,
  };
}
