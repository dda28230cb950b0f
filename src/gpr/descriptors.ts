/**
 * The descriptors a GPR model can be built on, as a discriminated union: "lambda-soap" (src/soap, typed
 * SoapHypers) and "arrays" (precomputed features stored as per-atom arrays, for tests and for features made
 * elsewhere). Model files store a descriptor as plain JSON `{ name, hypers }`; descriptorToJson and
 * descriptorFromJson convert at that boundary, validating what they read.
 */
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { parseSoapHypers, type SoapHypers, type SoapHypersInput } from "../soap/hypers.js";
import { LambdaSoap } from "../soap/lambdaSoap.js";
import type { ComputeOptions, Descriptor, FeatureBlock, FeatureBlocks } from "../soap/types.js";
import { blockKey } from "../soap/types.js";

/** Hypers of the "arrays" descriptor: features are the per-atom arrays `<prefix><λ>`. */
export interface ArrayHypers {
  readonly prefix: string;
}

/** A descriptor as a caller gives it (hypers partial: the rest are the defaults). */
export type DescriptorParams =
  | { readonly kind: "lambda-soap"; readonly hypers?: SoapHypersInput }
  | { readonly kind: "arrays"; readonly hypers?: Partial<ArrayHypers> };

/** A descriptor with validated, complete hypers. */
export type DescriptorSpec =
  | { readonly kind: "lambda-soap"; readonly hypers: SoapHypers }
  | { readonly kind: "arrays"; readonly hypers: ArrayHypers };

export const DESCRIPTOR_KINDS = [
  "lambda-soap",
  "arrays",
] as const satisfies readonly DescriptorSpec["kind"][];

function arrayHypers(input: unknown): ArrayHypers {
  const h = input ?? {};
  if (typeof h !== "object" || h === null || Array.isArray(h))
    throw new EngineError("InvalidParameter", "array descriptor hypers must be an object", {
      field: "hypers",
    });
  const prefix = "prefix" in h ? h.prefix : undefined;
  if (prefix !== undefined && (typeof prefix !== "string" || prefix === ""))
    throw new EngineError("InvalidParameter", `expected a non-empty string, got ${JSON.stringify(prefix)}`, {
      field: "hypers.prefix",
    });
  return { prefix: prefix ?? "feat" };
}

/** Validate and complete a descriptor (default: lambda-soap with the default hypers). */
export function resolveDescriptor(d: DescriptorParams = { kind: "lambda-soap" }): DescriptorSpec {
  return descriptorOf(d.kind, d.hypers);
}

function descriptorOf(kind: unknown, hypers: unknown): DescriptorSpec {
  if (kind === "lambda-soap") return { kind, hypers: parseSoapHypers(hypers) };
  if (kind === "arrays") return { kind, hypers: arrayHypers(hypers) };
  throw new EngineError(
    "InvalidParameter",
    `unknown descriptor ${JSON.stringify(kind)} (known: ${DESCRIPTOR_KINDS.join(", ")})`,
    { field: "descriptor" },
  );
}

/** The plain JSON a model file stores: `{ name, hypers }`. */
export function descriptorToJson(d: DescriptorSpec): { name: string; hypers: Record<string, unknown> } {
  return { name: d.kind, hypers: JSON.parse(JSON.stringify(d.hypers)) };
}

/** A descriptor read from a model file's `{ name, hypers }`, validated (EngineError on anything else). */
export function descriptorFromJson(json: unknown): DescriptorSpec {
  const o = typeof json === "object" && json !== null ? (json as { name?: unknown; hypers?: unknown }) : {};
  if (typeof o.hypers !== "object" || o.hypers === null)
    throw new EngineError("InvalidParameter", "expected { name, hypers }", { field: "descriptor" });
  return descriptorOf(o.name, o.hypers);
}

/** The descriptor object of a spec. */
export function createDescriptor(d: DescriptorSpec): Descriptor {
  return d.kind === "lambda-soap" ? new LambdaSoap(d.hypers) : new ArrayDescriptor(d.hypers);
}

/**
 * Precomputed features: the per-atom array `feat<λ>` of each structure holds (2λ+1)·F numbers per atom
 * (component-major: μ then property). Hypers: { prefix?: string } (default "feat"). No normalisation.
 */
export class ArrayDescriptor implements Descriptor {
  readonly name = "arrays";
  readonly hypers: Readonly<Record<string, unknown>>;
  private readonly prefix: string;

  constructor(hypers: Partial<ArrayHypers> = {}) {
    this.prefix = arrayHypers(hypers).prefix;
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
