import { EngineError } from "./errors.js";
import { Rng } from "./rng.js";
import type { Structure } from "./structure.js";

/**
 * Per-atom targets of one kind (e.g. `efg`: 9 Cartesian components row-major, `ms`, or a scalar array),
 * one Float64Array (natoms x components) and one mask (1 = target known) per structure.
 */
export interface AtomTargets {
  readonly name: string;
  readonly components: number;
  readonly values: readonly Float64Array[];
  readonly masks: readonly Uint8Array[];
}

/** Structures plus per-atom targets and masks. Targets live here, never inside Structure. */
export class Dataset {
  readonly structures: readonly Structure[];
  readonly targets: ReadonlyMap<string, AtomTargets>;
  /** Where the structures came from (file names, one per structure), for error messages and reports. */
  readonly sources: readonly string[];

  constructor(
    structures: readonly Structure[],
    targets: Iterable<AtomTargets> = [],
    sources?: readonly string[],
  ) {
    this.structures = structures;
    const map = new Map<string, AtomTargets>();
    for (const t of targets) {
      if (t.values.length !== structures.length || t.masks.length !== structures.length) {
        throw new EngineError("ShapeMismatch", `target '${t.name}': one array per structure expected`);
      }
      t.values.forEach((v, i) => {
        const n = structures[i]!.length;
        if (v.length !== n * t.components || t.masks[i]!.length !== n) {
          throw new EngineError(
            "ShapeMismatch",
            `target '${t.name}', structure ${i}: wrong number of values`,
          );
        }
      });
      map.set(t.name, t);
    }
    this.targets = map;
    this.sources = sources ?? structures.map((_, i) => `structure ${i}`);
  }

  get length(): number {
    return this.structures.length;
  }

  /**
   * Build a dataset whose target `name` is taken from each structure's per-atom array of that name
   * (e.g. extxyz `efg` or magres `efg`/`ms`). Atoms whose values are missing or non-finite are masked out.
   */
  static fromArrays(
    structures: readonly Structure[],
    names: readonly string[],
    sources?: readonly string[],
  ): Dataset {
    const targets: AtomTargets[] = names.map((name) => {
      let components = -1;
      const values: Float64Array[] = [];
      const masks: Uint8Array[] = [];
      structures.forEach((s, si) => {
        const a = s.numericArray(name);
        if (!a) {
          throw new EngineError(
            "InvalidParameter",
            `no per-atom array '${name}' in ${sources?.[si] ?? `structure ${si}`}`,
            {
              field: name,
            },
          );
        }
        if (components < 0) components = a.ncols;
        if (a.ncols !== components) {
          throw new EngineError(
            "ShapeMismatch",
            `array '${name}' has ${a.ncols} columns here, ${components} before`,
            {
              field: name,
              ...(sources?.[si] ? { file: sources[si] } : {}),
            },
          );
        }
        const mask = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) {
          let ok = 1;
          for (let c = 0; c < components; c++) if (!Number.isFinite(a.data[i * components + c]!)) ok = 0;
          mask[i] = ok;
        }
        values.push(a.data);
        masks.push(mask);
      });
      return { name, components: Math.max(components, 0), values, masks };
    });
    return new Dataset(structures, targets, sources);
  }

  target(name: string): AtomTargets {
    const t = this.targets.get(name);
    if (!t) {
      throw new EngineError(
        "InvalidParameter",
        `dataset has no target '${name}' (has: ${[...this.targets.keys()].join(", ") || "none"})`,
        {
          field: "target",
        },
      );
    }
    return t;
  }

  /** The sub-dataset of the given structure indices (in that order). */
  subset(indices: readonly number[]): Dataset {
    const pick = <T>(a: readonly T[]): T[] => indices.map((i) => a[i]!);
    const targets = [...this.targets.values()].map((t) => ({
      ...t,
      values: pick(t.values),
      masks: pick(t.masks),
    }));
    return new Dataset(pick(this.structures), targets, pick(this.sources));
  }

  /** Seeded split by structure: the first part holds round(fraction*N) structures. */
  split(fraction: number, seed: number): [Dataset, Dataset] {
    const idx = new Rng(seed).shuffle([...Array(this.length).keys()]);
    const k = Math.round(fraction * this.length);
    const a = idx.slice(0, k).sort((x, y) => x - y);
    const b = idx.slice(k).sort((x, y) => x - y);
    return [this.subset(a), this.subset(b)];
  }
}
