import { symbolOf } from "./elements.js";
import { EngineError } from "./errors.js";

/** A per-atom array carried along with a structure (e.g. `efg`, 9 columns, row-major). */
export interface AtomArray {
  /** Number of columns per atom (1 for scalars, 3 for vectors, 9 for 3x3 tensors row-major). */
  readonly ncols: number;
  /** Numeric arrays are Float64Array (n*ncols); string arrays hold one entry per atom*column. */
  readonly data: Float64Array | Int32Array | readonly string[];
}

export type Pbc = readonly [boolean, boolean, boolean];

export interface StructureInit {
  numbers: ArrayLike<number>;
  /** Cartesian positions in Å, flat n*3. */
  positions: ArrayLike<number>;
  /** Lattice vectors as rows (a = cell[0..2], b = cell[3..5], c = cell[6..8]) in Å, or null for a cluster. */
  cell?: ArrayLike<number> | null;
  pbc?: readonly [boolean, boolean, boolean];
  /** Optional per-atom labels (e.g. magres labels "Li1", site labels "8a"). */
  labels?: readonly string[];
  arrays?: ReadonlyMap<string, AtomArray> | Record<string, AtomArray>;
  info?: Readonly<Record<string, unknown>>;
}

/**
 * An immutable atomic structure: Cartesian positions (Å), atomic numbers, optional periodic cell.
 * Validated once at construction; nothing in the engine mutates it (descriptors must not either).
 */
export class Structure {
  readonly numbers: Int32Array;
  readonly positions: Float64Array;
  readonly cell: Float64Array | null;
  readonly pbc: Pbc;
  readonly labels: readonly string[] | null;
  readonly arrays: ReadonlyMap<string, AtomArray>;
  readonly info: Readonly<Record<string, unknown>>;

  constructor(init: StructureInit) {
    const n = init.numbers.length;
    if (init.positions.length !== 3 * n) {
      throw new EngineError(
        "ShapeMismatch",
        `positions has ${init.positions.length} values, expected 3 x ${n} atoms`,
      );
    }
    this.numbers = Int32Array.from(init.numbers);
    this.positions = Float64Array.from(init.positions);
    for (let i = 0; i < this.positions.length; i++) {
      if (!Number.isFinite(this.positions[i]!)) {
        throw new EngineError("InvalidParameter", `position of atom ${Math.floor(i / 3)} is not finite`);
      }
    }
    for (let i = 0; i < n; i++) {
      const z = this.numbers[i]!;
      if (!(z > 0 && z < 119))
        throw new EngineError("InvalidParameter", `atom ${i}: invalid atomic number ${z}`);
    }
    if (init.cell != null) {
      if (init.cell.length !== 9)
        throw new EngineError("ShapeMismatch", "cell must have 9 entries (3 row vectors)");
      this.cell = Float64Array.from(init.cell);
      if (!this.cell.every(Number.isFinite)) throw new EngineError("InvalidParameter", "cell is not finite");
    } else {
      this.cell = null;
    }
    this.pbc = init.pbc ?? (this.cell ? [true, true, true] : [false, false, false]);
    if (this.pbc.some((p) => p) && this.cell === null) {
      throw new EngineError(
        "InvalidParameter",
        "periodic boundary conditions requested but no lattice given",
        {
          field: "Lattice",
        },
      );
    }
    if (this.cell && this.pbc.some((p) => p) && Math.abs(det3(this.cell)) < 1e-10) {
      throw new EngineError("InvalidParameter", "cell is singular (zero volume)", { field: "Lattice" });
    }
    if (init.labels && init.labels.length !== n) {
      throw new EngineError("ShapeMismatch", `labels has ${init.labels.length} entries, expected ${n}`);
    }
    this.labels = init.labels ? [...init.labels] : null;
    const arrays = init.arrays instanceof Map ? init.arrays : new Map(Object.entries(init.arrays ?? {}));
    for (const [name, a] of arrays) {
      if (a.data.length !== n * a.ncols) {
        throw new EngineError(
          "ShapeMismatch",
          `array '${name}' has ${a.data.length} values, expected ${n}x${a.ncols}`,
        );
      }
    }
    this.arrays = arrays;
    this.info = Object.freeze({ ...(init.info ?? {}) });
  }

  get length(): number {
    return this.numbers.length;
  }

  get isPeriodic(): boolean {
    return this.pbc[0] || this.pbc[1] || this.pbc[2];
  }

  symbols(): string[] {
    return Array.from(this.numbers, symbolOf);
  }

  /** Sorted distinct atomic numbers present. */
  species(): number[] {
    return [...new Set(this.numbers)].sort((a, b) => a - b);
  }

  volume(): number {
    if (!this.cell) throw new EngineError("InvalidParameter", "structure has no cell");
    return Math.abs(det3(this.cell));
  }

  /** A numeric per-atom array, or undefined. */
  numericArray(name: string): { ncols: number; data: Float64Array } | undefined {
    const a = this.arrays.get(name);
    if (!a) return undefined;
    if (a.data instanceof Float64Array) return { ncols: a.ncols, data: a.data };
    if (a.data instanceof Int32Array) return { ncols: a.ncols, data: Float64Array.from(a.data) };
    return undefined;
  }

  /** A copy with some fields replaced (the original is unchanged). */
  with(changes: Partial<StructureInit>): Structure {
    return new Structure({
      numbers: this.numbers,
      positions: this.positions,
      cell: this.cell,
      pbc: this.pbc,
      ...(this.labels ? { labels: this.labels } : {}),
      arrays: this.arrays,
      info: this.info,
      ...changes,
    });
  }
}

export function det3(m: ArrayLike<number>): number {
  return (
    m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) -
    m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) +
    m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!)
  );
}
