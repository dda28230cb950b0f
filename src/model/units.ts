/**
 * Units and conventions that every output names (docs/conventions.md is the user's reference): the unit of a target
 * and of every observable column, the row-major layout of 3×3 tensors in 9 columns, the Euler convention. Here, in
 * src/model, so that the output writers and the models (src/gpr, src/gnn) use one definition.
 */

/** Where the conventions are written down for users (shipped with the package). */
export const CONVENTIONS_DOC = "docs/conventions.md";

/** The 9 columns of a Cartesian 3×3 tensor, row-major. */
export const TENSOR_LAYOUT = "3x3 tensor as 9 columns, row-major: xx xy xz yx yy yz zx zy zz";

/** The Euler angles written for `euler` (EFG: NQR-ordered frame; MS: Haeberlen frame of the symmetric part). */
export const EULER_CONVENTION =
  "intrinsic ZYZ (alpha, beta, gamma) in degrees of the active rotation lab -> principal frame, V = Rz(alpha) " +
  "Ry(beta) Rz(gamma), normalised as TensorView: beta in [0, 90], gamma in [0, 180); quaternion (w, x, y, z) of " +
  "the same rotation, w >= 0";

/** Units of a target, for model headers and outputs. */
export function targetUnits(name: string): string {
  const [array, derived] = name.split(":");
  if (array === "ms" && derived !== undefined) return derived === "eta" || derived === "skew" ? "1" : "ppm";
  if (derived === "cq") return "MHz";
  if (derived === "wq") return "kHz";
  if (derived === "theta" || derived === "phi") return "degree";
  if (derived === "eta") return "1";
  if (array === "efg") return "a.u. (Eh/(e a0^2))";
  if (array === "ms") return "ppm";
  return "as in the input array";
}

/** Units of the observables of `predict --observables` (EFG and MS models), per output column stem. */
export const OBSERVABLE_UNITS: Readonly<Record<string, string>> = {
  cq: "MHz",
  eta: "1",
  wq: "kHz",
  theta: "degree",
  phi: "degree",
  euler: "degree",
  quat: "1",
  iso: "ppm",
  shift: "ppm",
  zeta: "ppm",
  delta: "ppm",
  span: "ppm",
  skew: "1",
};

/** The unit of observable `o` (η is dimensionless for both EFG and MS models). */
export function observableUnit(o: string): string {
  return Object.hasOwn(OBSERVABLE_UNITS, o) ? OBSERVABLE_UNITS[o]! : "1";
}

/** Units of the per-atom arrays an input may carry through `predict` (Å positions, EFG a.u., MS ppm). */
export function inputArrayUnit(name: string, numeric: boolean): string {
  if (!numeric) return "-";
  if (name === "pos") return "Angstrom";
  if (name === "efg" || name.startsWith("efg_")) return targetUnits("efg");
  if (name === "ms" || name.startsWith("ms_")) return "ppm";
  if (name === "magres_index") return "-";
  return "as in the input";
}
