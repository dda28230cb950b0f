/**
 * The layout of a tensor model's prediction (src/gpr/tensorModel.ts): the λ blocks of one per-atom 3×3 tensor side
 * by side in `mean` — λ=0 the isotropic value tr/3 (1 column), λ>0 T_λ (2λ+1 columns, DESIGN.md spherical
 * conventions) — and the Cartesian tensor they make, σ_iso·I + A(T1) + S(T2). Here, below gpr, so that the output
 * writers and the MS observables (src/model) read a Prediction's blocks without importing a model.
 */
import { sphericalToCartesian } from "../nmr/spherical.js";

/** Columns of block λ in the layout: 1 for λ=0 (the isotropic value), 2λ+1 otherwise. */
export const blockWidth = (lambda: number): number => 2 * lambda + 1;

/** Offset of each block in the layout of `lambdas`. */
export function blockOffsets(lambdas: readonly number[]): number[] {
  const off: number[] = [];
  let o = 0;
  for (const l of lambdas) {
    off.push(o);
    o += blockWidth(l);
  }
  return off;
}

/** The layout in words, for headers: "mean_0 = σ_iso (tr/3); mean_1..3 = T1; mean_4..8 = T2". */
export function layoutText(lambdas: readonly number[]): string {
  const off = blockOffsets(lambdas);
  return lambdas
    .map((l, k) =>
      l === 0
        ? `[${off[k]}] isotropic tr/3`
        : `[${off[k]}..${off[k]! + blockWidth(l) - 1}] T${l} (m=-${l}..${l}, docs/conventions.md)`,
    )
    .join("; ");
}

/** Cartesian tensor (9, row-major) of one atom's layout values m[off..): σ_iso·I + A(T1) + S(T2). */
export function layoutToCartesian(
  lambdas: readonly number[],
  m: ArrayLike<number>,
  off: number,
  out: Float64Array,
  outOff: number,
): void {
  const s = new Float64Array(9); // [T0 | T1 | T2]
  blockOffsets(lambdas).forEach((o, k) => {
    const l = lambdas[k]!;
    if (l === 0)
      s[0] = Math.sqrt(3) * m[off + o]!; // T0 = tr/√3 = √3·(tr/3)
    else for (let c = 0; c < blockWidth(l); c++) s[(l === 1 ? 1 : 4) + c] = m[off + o + c]!;
  });
  sphericalToCartesian(s, 0, out, outOff);
}
