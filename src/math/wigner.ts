/**
 * Real-basis Wigner D matrices for the real spherical harmonics of ylm.ts (any l): Y_l(R u) = D_l(R) Y_l(u).
 * The matrix is the same for any constant normalisation of Y_l (orthonormal, or the GNN's component
 * normalisation √(4π)·Y), so one D serves every user of these harmonics.
 */
import { solveGaussian } from "./linalg.js";
import { RealYlm } from "./ylm.js";

/**
 * D_l(R) (row-major (2l+1)², R row-major 3×3 orthogonal) by least squares on 3(2l+1) fixed, well-spread unit
 * vectors u_k (a golden-angle spiral): the normal equations (Σ_k Y(u_k) Y(u_k)ᵀ) D_rowᵀ = Σ_k Y(u_k) Y_row(R u_k)
 * are exact up to round-off, since Y_l(R u) lies in the span of Y_l.
 */
export function wignerDReal(l: number, r: ArrayLike<number>): Float64Array {
  const d = 2 * l + 1;
  const npts = 3 * d;
  const ylm = new RealYlm(l);
  const buf = new Float64Array(ylm.size);
  const yu = new Float64Array(npts * d);
  const yr = new Float64Array(npts * d);
  for (let k = 0; k < npts; k++) {
    const z = 1 - (2 * k + 1) / npts;
    const rho = Math.sqrt(1 - z * z);
    const phi = k * Math.PI * (3 - Math.sqrt(5));
    const x = rho * Math.cos(phi);
    const y = rho * Math.sin(phi);
    ylm.compute(x, y, z, buf, 0);
    yu.set(buf.subarray(l * l, l * l + d), k * d);
    ylm.compute(
      r[0]! * x + r[1]! * y + r[2]! * z,
      r[3]! * x + r[4]! * y + r[5]! * z,
      r[6]! * x + r[7]! * y + r[8]! * z,
      buf,
      0,
    );
    yr.set(buf.subarray(l * l, l * l + d), k * d);
  }
  const out = new Float64Array(d * d);
  for (let row = 0; row < d; row++) {
    const a = new Float64Array(d * d);
    const b = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < npts; k++) s += yu[k * d + i]! * yu[k * d + j]!;
        a[i * d + j] = s;
      }
      let s = 0;
      for (let k = 0; k < npts; k++) s += yu[k * d + i]! * yr[k * d + row]!;
      b[i] = s;
    }
    if (!solveGaussian(a, b, d)) throw new RangeError(`wignerDReal: singular fit for l=${l}`);
    out.set(b, row * d);
  }
  return out;
}
