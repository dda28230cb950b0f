/**
 * The memory budget (src/core/memory.ts) and the search under it: estimates equal the sizes of the arrays actually
 * made, a byte-sized raw-kernel cache that evicts (and recomputes) instead of exceeding the budget with the same
 * result, and a clear refusal, before any work, of a step that alone cannot fit.
 */
import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import {
  availableMemory,
  featureBytes,
  MemoryBudget,
  peakRss,
  rawKernelBytes,
  squareKernelBytes,
} from "../../src/core/memory.js";
import { estimateSearchMemory, runHyperSearch } from "../../src/search/hyperSearch.js";
import { kFold } from "../../src/search/kfold.js";
import { rawKernels, withBackend } from "../../src/soap/envKernel.js";
import { soapSettings, speciesFeatures } from "../../src/soap/speciesFeatures.js";
import { tinySearch } from "../helpers/search.js";

describe("MemoryBudget", () => {
  it("reads MemAvailable (kB) from /proc/meminfo text, else os.freemem()", () => {
    expect(availableMemory("MemTotal: 100 kB\nMemFree: 10 kB\nMemAvailable:    2048 kB\n")).toBe(2048 * 1024);
    expect(availableMemory("MemTotal: 100 kB\n")).toBeGreaterThan(0); // fallback: os.freemem()
    expect(availableMemory()).toBeGreaterThan(0);
  });

  it("--memory GB, or 60% of the available memory by default; bad values are refused naming --memory", () => {
    expect(MemoryBudget.fromCli("2.5").bytes).toBe(2.5e9);
    const d = MemoryBudget.fromCli(undefined, 10e9);
    expect(d.bytes).toBe(6e9);
    expect(d.describe()).toMatch(/6\.00 GB \(default: 60% of 10\.00 GB available; change with --memory GB\)/);
    for (const bad of ["0", "-1", "abc", "", "Infinity"])
      expect(() => MemoryBudget.fromCli(bad)).toThrow(/the memory budget must be a positive number of GB/);
  });

  it("check refuses a step over the budget with the estimate and the flag", () => {
    const b = new MemoryBudget(1e9);
    expect(() => b.check("kernel", 1e9)).not.toThrow();
    let err: unknown;
    try {
      b.check("the kernel 30000x30000", 7.2e9, "use --sparse M");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).field).toBe("memory");
    expect((err as Error).message).toMatch(
      /the kernel 30000x30000 needs about 7\.20 GB, more than the memory budget of 1\.00 GB: raise the budget or use --sparse M/,
    );
  });

  it("peak resident memory is at least the current resident set", () => {
    expect(peakRss()).toBeGreaterThanOrEqual(process.memoryUsage().rss * 0.99); // maxRSS is sampled in kB pages
  });
});

describe("search under a memory budget", () => {
  const base = tinySearch(3, { seed: 4 });
  const structures = base.structures;

  it("estimates equal the features and raw kernels actually computed", async () => {
    const channels = [...new Set(structures.flatMap((s) => [...s.numbers]))].sort((a, b) => a - b);
    const sf = speciesFeatures(
      structures,
      3,
      soapSettings(4, 0.5, { maxRadial: 3, maxAngular: 2 }, channels),
      2,
    );
    const f = sf.feats;
    expect(featureBytes(f.n, f.c, f.f, f.f0)).toBe(f.values.byteLength + f.values0.byteLength);
    const raw = await withBackend(undefined, (be) => rawKernels(be, f, f));
    expect(rawKernelBytes(f.n, f.n, 5)).toBe(raw.kl!.byteLength + raw.k0!.byteLength);
    const folds = kFold(structures.length, 2, 4);
    const est = estimateSearchMemory(base, channels.length, sf.samples, folds);
    expect(est.kernelSet).toBe(raw.kl!.byteLength + raw.k0!.byteLength);
    // every Li has a target here: features of all centres, their copy and the Gram operands' copy; twice the kernels
    expect(est.kernelStep).toBe(3 * featureBytes(f.n, f.c, f.f, f.f0) + 2 * est.kernelSet);
    const nTrain = Math.max(
      ...folds.map(
        (fo) => [...Array(f.n).keys()].filter((k) => fo.trainGroups.includes(sf.samples[2 * k]!)).length,
      ),
    );
    expect(est.fold).toBeGreaterThanOrEqual(squareKernelBytes(nTrain, 5));
  });

  it("a budget holding one kernel set evicts and recomputes, never exceeds it, and finds the same optimum", async () => {
    const big = await runHyperSearch({ ...base, memory: new MemoryBudget(1e10) });
    const one = big.memory.kernelStep + big.memory.fold; // room for one set and one fold, not two sets
    const small = await runHyperSearch({ ...base, memory: new MemoryBudget(one) });
    expect(big.cache.evictions).toBe(0);
    expect(small.cache.evictions).toBeGreaterThan(0);
    expect(small.kernelSets).toBeGreaterThan(big.kernelSets); // recomputed after eviction
    expect(small.cache.bytes).toBeLessThanOrEqual(one - big.memory.fold);
    expect(small.best).toEqual(big.best);
    expect(small.search.evaluations.map((e) => e.foldScores)).toEqual(
      big.search.evaluations.map((e) => e.foldScores),
    );
  }, 60_000);

  it("refuses, before any work, a search whose one step cannot fit", async () => {
    let logged = 0;
    await expect(
      runHyperSearch({ ...base, memory: new MemoryBudget(1e5), log: () => logged++ }),
    ).rejects.toThrow(
      /one \(rc, σ\) set of the search .* needs about .* more than the memory budget of 0\.1 MB: raise the budget/,
    );
    expect(logged).toBe(0);
  });
});
