/**
 * `soapgpr bench gehlenite`: the scalar-vs-tensorial benchmark on real DFT (CASTEP) EFG tensors of gehlenite
 * Ca2Al2SiO7 (288-atom cells; shared/data/magres/gehlenite), per species Al, O, Ca, Si, split by cell (seeded
 * 4:1). Training and test environments per species are capped (seeded subsets) to keep full GPR affordable.
 * The TENSOAP numbers measured on this data (ANCHORS.md) are printed beside ours for ²⁷Al.
 */
import { atomicNumber } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { loadMagresDataset } from "../datasets/magres.js";
import { type EfgBenchResult, type ModelSettings, runEfgBenchmark } from "./efgBench.js";
import type { SoapSettings } from "../soap/speciesFeatures.js";
import { splitStructures } from "./lto.js";

export interface GehleniteConfig {
  readonly name: string;
  readonly species: readonly string[];
  readonly soap: Omit<SoapSettings, "species">;
  readonly tensorial: ModelSettings;
  readonly scalar: ModelSettings;
  readonly maxTrainEnv: number;
  readonly maxTestEnv: number;
  readonly curveFractions: readonly number[];
}

/**
 * TENSOAP-like defaults (rc 4 Å, σ 0.3 Å as TENSOAP; nmax 6, lmax 4 instead of 8/6 for time), ζ 2,
 * reg 1e-6 (λ=2, as ANCHORS' TENSOAP run) and 1e-4 (λ=0).
 */
export const GEHLENITE_CONFIG: GehleniteConfig = {
  name: "default",
  species: ["Al", "O", "Ca", "Si"],
  soap: { cutoff: { radius: 4 }, density: { width: 0.3 }, basis: { maxRadial: 6, maxAngular: 4 } },
  tensorial: { zeta: 2, reg: 1e-6 },
  scalar: { zeta: 2, reg: 1e-4 },
  maxTrainEnv: 1000,
  maxTestEnv: 600,
  curveFractions: [1 / 8, 1 / 4, 1 / 2, 1],
};

export const GEHLENITE_QUICK: GehleniteConfig = {
  ...GEHLENITE_CONFIG,
  name: "quick",
  soap: { cutoff: { radius: 4 }, density: { width: 0.3 }, basis: { maxRadial: 4, maxAngular: 3 } },
  maxTrainEnv: 400,
  maxTestEnv: 300,
  curveFractions: [],
};

/** TENSOAP λ=2 SA-GPR on gehlenite ²⁷Al, measured here (ANCHORS.md; 1920 train / 432 test Al). */
export const TENSOAP_GEHLENITE_AL = {
  label: "TENSOAP λ=2 (ANCHORS.md)",
  cqTildeMae: 0.0019,
  cqTildeR: 0.999997,
  etaTildeMae: 0.007,
  thetaMae: 0.05,
  phiMae: 0.32,
  q: 0.99999,
  scalarCqTildeMae: 0.141,
  scalarCqTildeR: 0.961,
};

export interface GehleniteResult {
  config: GehleniteConfig;
  seed: number;
  files: number;
  /** The cells read (the benchmark's split indexes them). */
  structures: readonly Structure[];
  species: EfgBenchResult[];
  seconds: number;
}

export async function runGehleniteBenchmark(o: {
  data: string | readonly string[];
  config: GehleniteConfig;
  seed: number;
  only?: readonly string[];
  log?: (line: string) => void;
}): Promise<GehleniteResult> {
  const t0 = performance.now();
  const ds = loadMagresDataset(o.data, { target: "efg" });
  const structures: readonly Structure[] = ds.structures;
  if (structures.length < 5) {
    throw new EngineError("InvalidParameter", `need at least 5 cells, found ${structures.length}`, {
      field: "data",
    });
  }
  const present = new Set<number>();
  for (const s of structures) for (const z of s.numbers) present.add(z);
  const channels = [...present].sort((a, b) => a - b);
  const { train, test } = splitStructures(structures.length, structures.length, 0.8, o.seed);
  const results: EfgBenchResult[] = [];
  for (const el of o.config.species.filter((e) => !o.only || o.only.includes(e))) {
    const z = atomicNumber(el);
    if (!present.has(z))
      throw new EngineError("InvalidParameter", `no ${el} atoms in the data`, { field: "species" });
    results.push(
      await runEfgBenchmark({
        structures,
        train,
        test,
        species: z,
        soap: { ...o.config.soap, species: channels },
        tensorial: o.config.tensorial,
        scalar: o.config.scalar,
        curveFractions: o.config.curveFractions,
        maxTrainEnv: o.config.maxTrainEnv,
        maxTestEnv: o.config.maxTestEnv,
        seed: o.seed,
        ...(o.log ? { log: o.log } : {}),
      }),
    );
  }
  return {
    config: o.config,
    seed: o.seed,
    files: structures.length,
    structures,
    species: results,
    seconds: (performance.now() - t0) / 1000,
  };
}
