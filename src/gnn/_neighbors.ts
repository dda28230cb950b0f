import type { NeighborList } from "../core/neighbors.js";
import { neighborList } from "../core/neighbors.js";
import type { Structure } from "../core/structure.js";

/**
 * Brute-force periodic neighbour list (every image within the cutoff, the centre's own zero-shift image
 * excluded), O(n² · images). A fallback and an independent check for src/core/neighbors.ts.
 */
export function bruteForceNeighbors(s: Structure, rc: number): NeighborList {
  const n = s.length;
  const pos = s.positions;
  const cell = s.cell;
  const reps = [0, 0, 0];
  if (cell) {
    const a = [cell[0]!, cell[1]!, cell[2]!];
    const b = [cell[3]!, cell[4]!, cell[5]!];
    const c = [cell[6]!, cell[7]!, cell[8]!];
    const cross = (u: number[], v: number[]) => [
      u[1]! * v[2]! - u[2]! * v[1]!,
      u[2]! * v[0]! - u[0]! * v[2]!,
      u[0]! * v[1]! - u[1]! * v[0]!,
    ];
    const vol = Math.abs(
      a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) -
        a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) +
        a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!),
    );
    const planes = [cross(b, c), cross(c, a), cross(a, b)];
    for (let k = 0; k < 3; k++) {
      if (!s.pbc[k]) continue;
      const h = vol / Math.hypot(...planes[k]!);
      // positions may lie outside the cell by up to one cell: one extra image each way
      reps[k] = Math.ceil(rc / h) + 1;
    }
  }
  const offsets = new Int32Array(n + 1);
  const nb: number[] = [];
  const vec: number[] = [];
  const dist: number[] = [];
  for (let i = 0; i < n; i++) {
    offsets[i] = nb.length;
    for (let j = 0; j < n; j++)
      for (let p = -reps[0]!; p <= reps[0]!; p++)
        for (let q = -reps[1]!; q <= reps[1]!; q++)
          for (let r = -reps[2]!; r <= reps[2]!; r++) {
            if (i === j && p === 0 && q === 0 && r === 0) continue;
            let dx = pos[3 * j]! - pos[3 * i]!;
            let dy = pos[3 * j + 1]! - pos[3 * i + 1]!;
            let dz = pos[3 * j + 2]! - pos[3 * i + 2]!;
            if (cell) {
              dx += p * cell[0]! + q * cell[3]! + r * cell[6]!;
              dy += p * cell[1]! + q * cell[4]! + r * cell[7]!;
              dz += p * cell[2]! + q * cell[5]! + r * cell[8]!;
            }
            const d = Math.hypot(dx, dy, dz);
            if (d < rc) {
              nb.push(j);
              vec.push(dx, dy, dz);
              dist.push(d);
            }
          }
  }
  offsets[n] = nb.length;
  return {
    cutoff: rc,
    offsets,
    neighbors: Int32Array.from(nb),
    vectors: Float64Array.from(vec),
    distances: Float64Array.from(dist),
  };
}

/** The shared cell-list neighbour list when it is available, else the brute-force one. */
export function gnnNeighbors(s: Structure, rc: number): NeighborList {
  try {
    return neighborList(s, rc);
  } catch (e) {
    if (e instanceof Error && /not implemented/.test(e.message)) return bruteForceNeighbors(s, rc);
    throw e;
  }
}
