/**
 * Descriptors a GPR model can be built on, by name (so that a model file can rebuild its descriptor):
 * "lambda-soap" (src/soap) and "arrays" (precomputed features stored as per-atom arrays, for tests and for
 * features made elsewhere). Other modules may register more.
 */
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { LambdaSoap } from "../soap/lambdaSoap.js";
import type { ComputeOptions, Descriptor, FeatureBlock, FeatureBlocks } from "../soap/types.js";
import { blockKey } from "../soap/types.js";

export type DescriptorFactory = (hypers: Readonly<Record<string, unknown>>) => Descriptor;

const factories = new Map<string, DescriptorFactory>();

export function registerDescriptor(name: string, factory: DescriptorFactory): void {
  factories.set(name, factory);
}

export function createDescriptor(name: string, hypers: Readonly<Record<string, unknown>>): Descriptor {
  const f = factories.get(name);
  if (!f) {
    throw new EngineError(
      "InvalidParameter",
      `unknown descriptor '${name}' (known: ${[...factories.keys()].join(", ")})`,
      {
        field: "descriptor",
      },
    );
  }
  return f(hypers);
}

/**
 * Precomputed features: the per-atom array `feat<λ>` of each structure holds (2λ+1)·F numbers per atom
 * (component-major: μ then property). Hypers: { prefix?: string } (default "feat"). No normalisation.
 */
export class ArrayDescriptor implements Descriptor {
  readonly name = "arrays";
  readonly hypers: Readonly<Record<string, unknown>>;
  private readonly prefix: string;

  constructor(hypers: Readonly<Record<string, unknown>> = {}) {
    this.prefix = typeof hypers.prefix === "string" ? hypers.prefix : "feat";
    this.hypers = { prefix: this.prefix };
  }

  compute(structures: readonly Structure[], options: ComputeOptions = {}): FeatureBlocks {
    const lambdas = options.lambdas ?? [0];
    const species =
      options.centers ?? [...new Set(structures.flatMap((s) => [...s.numbers]))].sort((a, b) => a - b);
    const out = new Map<string, FeatureBlock>();
    for (const z of species) {
      const samples: number[] = [];
      structures.forEach((s, si) => {
        for (let i = 0; i < s.length; i++) if (s.numbers[i] === z) samples.push(si, i);
      });
      for (const lam of lambdas) {
        const c = 2 * lam + 1;
        const name = `${this.prefix}${lam}`;
        let f = -1;
        const rows: number[] = [];
        for (let k = 0; k < samples.length; k += 2) {
          const s = structures[samples[k]!]!;
          const arr = s.numericArray(name);
          if (!arr)
            throw new EngineError("InvalidParameter", `structure ${samples[k]} has no array '${name}'`, {
              field: name,
            });
          if (arr.ncols % c !== 0)
            throw new EngineError("ShapeMismatch", `'${name}' columns not a multiple of ${c}`, {
              field: name,
            });
          if (f < 0) f = arr.ncols / c;
          if (arr.ncols / c !== f)
            throw new EngineError("ShapeMismatch", `'${name}' column count differs`, { field: name });
          const a = samples[k + 1]!;
          for (let q = 0; q < arr.ncols; q++) rows.push(arr.data[a * arr.ncols + q] as number);
        }
        out.set(blockKey(z, lam), {
          centerSpecies: z,
          lambda: lam,
          sigma: 1,
          nSamples: samples.length / 2,
          nComponents: c,
          nProperties: Math.max(f, 0),
          values: Float64Array.from(rows),
          samples: Int32Array.from(samples),
        });
      }
    }
    return out;
  }
}

registerDescriptor("arrays", (h) => new ArrayDescriptor(h));
registerDescriptor("lambda-soap", (h) => new LambdaSoap(h));
