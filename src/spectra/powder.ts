/**
 * Powder averaging over a triangulated hemisphere (Alderman, Solum & Grant, J. Chem. Phys. 84, 3717 (1986),
 * "ASG" tiling): each face of the octahedron is cut into n² triangles on a barycentric lattice, the vertices
 * (x, y, z) = (i, j, k)/‖(i, j, k)‖ with |i| + |j| + k = n projected onto the unit sphere. Every frequency we
 * simulate is an even function of the field direction (quadratic or quartic forms), so the upper hemisphere
 * (k ≥ 0, four faces) covers the sphere; it holds 2n(n + 1) + 1 distinct orientations and 4n² triangles.
 *
 * Each triangle carries its exact solid angle (Van Oosterom & Strackee, IEEE Trans. Biomed. Eng. 30, 125 (1983))
 * divided by 2π, so the weights sum to 1 to round-off. The spectrum code evaluates frequencies at the vertices
 * and spreads each triangle's weight over [f_min, f_max] as the density of a linearly interpolated frequency
 * (the ASG "tent"), which gives smooth line shapes from a few thousand orientations and converges as O(1/n²).
 *
 * The grid is laid in the principal-axis frame of the site's main tensor, so the principal axes are vertices
 * (the powder-pattern edges δ11, δ33 and the η = 0 singularities are sampled exactly), and the grid is mapped
 * onto itself by the sign flips of the axes: a rotated structure gives the same spectrum to round-off.
 */
import { EngineError } from "../core/errors.js";

export interface PowderGrid {
  /** n: subdivisions of each octahedron edge */
  readonly subdivisions: number;
  /** unit vectors, 3 per orientation */
  readonly vertices: Float64Array;
  /** vertex indices, 3 per triangle */
  readonly triangles: Int32Array;
  /** solid angle / 2π per triangle (sum 1) */
  readonly weights: Float64Array;
  /**
   * The first octant (x, y, z ≥ 0) comes first: its n² triangles and (n + 1)(n + 2)/2 vertices. A frequency even
   * in each coordinate separately (tensors diagonal in the grid frame) needs only these, with 4× the weight.
   */
  readonly octantTriangles: number;
  readonly octantVertices: number;
}

/** Number of distinct orientations of the hemisphere grid with n subdivisions. */
export function powderOrientations(n: number): number {
  return 2 * n * (n + 1) + 1;
}

/** Smallest grid with at least `orientations` orientations. */
export function powderGridFor(orientations: number): PowderGrid {
  if (!Number.isFinite(orientations) || orientations < 1) {
    throw new EngineError("InvalidParameter", `orientations must be ≥ 1, got ${orientations}`, {
      field: "orientations",
    });
  }
  let n = 1;
  while (powderOrientations(n) < orientations) n++;
  return hemisphereGrid(n);
}

function solidAngle(v: Float64Array, a: number, b: number, c: number): number {
  const ax = v[3 * a]!;
  const ay = v[3 * a + 1]!;
  const az = v[3 * a + 2]!;
  const bx = v[3 * b]!;
  const by = v[3 * b + 1]!;
  const bz = v[3 * b + 2]!;
  const cx = v[3 * c]!;
  const cy = v[3 * c + 1]!;
  const cz = v[3 * c + 2]!;
  const triple = ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx);
  const denom = 1 + ax * bx + ay * by + az * bz + bx * cx + by * cy + bz * cz + cx * ax + cy * ay + cz * az;
  return 2 * Math.atan2(Math.abs(triple), denom);
}

/** The hemisphere grid with n subdivisions per octahedron edge. */
export function hemisphereGrid(n: number): PowderGrid {
  if (!Number.isInteger(n) || n < 1) {
    throw new EngineError("InvalidParameter", `subdivisions must be a positive integer, got ${n}`, {
      field: "subdivisions",
    });
  }
  const side = 2 * n + 1;
  const index = new Int32Array(side * side).fill(-1);
  const vertices = new Float64Array(3 * powderOrientations(n));
  let nv = 0;
  const vertex = (x: number, y: number): number => {
    const key = (x + n) * side + (y + n);
    if (index[key]! < 0) {
      const z = n - Math.abs(x) - Math.abs(y);
      const r = Math.hypot(x, y, z);
      vertices[3 * nv] = x / r;
      vertices[3 * nv + 1] = y / r;
      vertices[3 * nv + 2] = z / r;
      index[key] = nv++;
    }
    return index[key]!;
  };
  const triangles = new Int32Array(3 * 4 * n * n);
  let nt = 0;
  const push = (a: number, b: number, c: number): void => {
    triangles[3 * nt] = a;
    triangles[3 * nt + 1] = b;
    triangles[3 * nt + 2] = c;
    nt++;
  };
  for (const [sx, sy] of [
    [1, 1],
    [-1, 1],
    [-1, -1],
    [1, -1],
  ] as const) {
    const at = (i: number, j: number): number => vertex(sx * i, sy * j);
    for (let i = 0; i < n; i++) {
      for (let j = 0; i + j < n; j++) {
        push(at(i, j), at(i + 1, j), at(i, j + 1));
        if (i + j < n - 1) push(at(i + 1, j), at(i, j + 1), at(i + 1, j + 1));
      }
    }
  }
  const weights = new Float64Array(nt);
  for (let t = 0; t < nt; t++) {
    weights[t] =
      solidAngle(vertices, triangles[3 * t]!, triangles[3 * t + 1]!, triangles[3 * t + 2]!) / (2 * Math.PI);
  }
  return {
    subdivisions: n,
    vertices,
    triangles,
    weights,
    octantTriangles: n * n,
    octantVertices: ((n + 1) * (n + 2)) / 2,
  };
}
