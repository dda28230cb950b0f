import { EngineError } from "../core/errors.js";
import { neighborList } from "../core/neighbors.js";
import type { Structure } from "../core/structure.js";
import { GtoRadialIntegrals, gtoBasis, type GtoBasis } from "../math/radial.js";
import { RadialSpline } from "../math/radialSpline.js";
import { RealYlm } from "../math/ylm.js";
import type { SoapHypers } from "./hypers.js";

/**
 * Spherical expansion of per-species Gaussian densities on Löwdin-orthonormal GTOs × real Y_lm:
 *   c^a_nlm(i) = Σ_{j∈a, r_ij<rc} f_c(r_ij) R_nl(r_ij) Y_lm(r̂_ij)  (+ centerWeight · R_n0(0) Y_00 in the centre's channel)
 * (the common factor 4π and the Gaussian normalisation are dropped: features are normalised per environment).
 *
 * Output layout per centre: X[(l² + l + m) · K + a·nmax + n], K = nSpecies·nmax — for each (l, m) a row over the
 * (species, n) channels, so that products over channels are contiguous loops.
 */
export class SphericalExpansion {
  readonly hypers: SoapHypers;
  readonly species: readonly number[];
  readonly nmax: number;
  readonly lmax: number;
  /** K = nSpecies · nmax channels */
  readonly nChannels: number;
  /** (lmax+1)² · K coefficients per centre */
  readonly size: number;
  readonly basis: GtoBasis;
  private readonly integrals: GtoRadialIntegrals;
  private readonly spline: RadialSpline | null;
  private readonly ylm: RealYlm;
  private readonly speciesIndex: Map<number, number>;
  private readonly centerRadial: Float64Array; // [l][n] orthonormal R_nl(0)
  // scratch
  private readonly rad: Float64Array;
  private readonly radPrim: Float64Array;
  private readonly y: Float64Array;
  private readonly tmp: Float64Array;

  constructor(hypers: SoapHypers, species: readonly number[]) {
    this.hypers = hypers;
    this.species = [...species].sort((a, b) => a - b);
    this.speciesIndex = new Map(this.species.map((z, i) => [z, i]));
    const { maxRadial: nmax, maxAngular: lmax } = hypers.basis;
    this.nmax = nmax;
    this.lmax = lmax;
    this.nChannels = this.species.length * nmax;
    this.size = (lmax + 1) * (lmax + 1) * this.nChannels;
    this.basis = gtoBasis(nmax, lmax, hypers.cutoff.radius, hypers.density.width);
    this.integrals = new GtoRadialIntegrals(this.basis);
    this.spline =
      hypers.basis.radialIntegral === "spline"
        ? new RadialSpline(this.integrals, hypers.cutoff.radius, hypers.basis.splineAccuracy)
        : null;
    this.ylm = new RealYlm(lmax);
    this.rad = new Float64Array(nmax * (lmax + 1));
    this.radPrim = new Float64Array(nmax * (lmax + 1));
    this.y = new Float64Array((lmax + 1) * (lmax + 1));
    this.tmp = new Float64Array(nmax);
    this.centerRadial = new Float64Array(nmax * (lmax + 1));
    this.orthRadial(0, this.centerRadial);
  }

  /** Orthonormal radial integrals R_nl(r) in [l][n] order (analytic or splined). */
  orthRadial(r: number, out: Float64Array): void {
    if (this.spline) {
      this.spline.evaluate(r, out);
      return;
    }
    const { nmax, lmax } = this;
    const W = this.basis.lowdin;
    this.integrals.evaluate(r, this.radPrim);
    for (let l = 0; l <= lmax; l++)
      for (let n = 0; n < nmax; n++) {
        let s = 0;
        for (let k = 0; k < nmax; k++) s += W[n * nmax + k]! * this.radPrim[k * (lmax + 1) + l]!;
        out[l * nmax + n] = s;
      }
  }

  /** Primitive (non-orthonormal) radial integrals in [l][n] order, for the analytic path. */
  private primRadial(r: number, out: Float64Array): void {
    const { nmax, lmax } = this;
    this.integrals.evaluate(r, this.radPrim);
    for (let l = 0; l <= lmax; l++)
      for (let n = 0; n < nmax; n++) out[l * nmax + n] = this.radPrim[n * (lmax + 1) + l]!;
  }

  channelOf(z: number, where: string): number {
    const a = this.speciesIndex.get(z);
    if (a === undefined) {
      throw new EngineError(
        "InvalidParameter",
        `${where}: species Z=${z} is not among the descriptor's species channels [${this.species.join(", ")}]`,
        { field: "species" },
      );
    }
    return a;
  }

  /**
   * Expansion coefficients of the given centres of one structure into out (zeroed here), centre c at
   * out[c*size ..]. The structure is not modified.
   */
  compute(structure: Structure, centers: readonly number[], out: Float64Array, outOffset = 0): void {
    const { nmax, lmax, size } = this;
    const K = this.nChannels;
    const L = lmax + 1;
    const rc = this.hypers.cutoff.radius;
    const sm = this.hypers.cutoff.smoothing;
    const w = sm.type === "ShiftedCosine" ? sm.width : 0;
    const r0 = rc - w;
    const nl = neighborList(structure, rc, { centers });
    const numbers = structure.numbers;
    const analytic = this.spline === null;
    const rad = this.rad;
    const y = this.y;
    const cw = this.hypers.centerWeight;
    // species channel of every atom, validated once per structure
    const chanOf = new Int32Array(structure.length);
    for (let j = 0; j < structure.length; j++) chanOf[j] = this.channelOf(numbers[j]!, `atom ${j}`);
    for (let ci = 0; ci < centers.length; ci++) {
      const i = centers[ci]!;
      const base = outOffset + ci * size;
      out.fill(0, base, base + size);
      for (let k = nl.offsets[i]!; k < nl.offsets[i + 1]!; k++) {
        const r = nl.distances[k]!;
        const a = chanOf[nl.neighbors[k]!]!;
        let fc = 1;
        if (w > 0 && r > r0) fc = 0.5 * (1 + Math.cos((Math.PI * (r - r0)) / w));
        if (analytic) this.primRadial(r, rad);
        else this.orthRadial(r, rad);
        if (r > 0) {
          const inv = 1 / r;
          this.ylm.compute(
            nl.vectors[3 * k]! * inv,
            nl.vectors[3 * k + 1]! * inv,
            nl.vectors[3 * k + 2]! * inv,
            y,
          );
        } else {
          y.fill(0);
          y[0] = 0.5 / Math.sqrt(Math.PI);
        }
        const chan = base + a * nmax;
        for (let l = 0; l < L; l++) {
          const ro = l * nmax;
          for (let lm = l * l; lm < (l + 1) * (l + 1); lm++) {
            const yv = fc * y[lm]!;
            const o = chan + lm * K;
            let n = 0;
            for (; n + 3 < nmax; n += 4) {
              out[o + n]! += yv * rad[ro + n]!;
              out[o + n + 1]! += yv * rad[ro + n + 1]!;
              out[o + n + 2]! += yv * rad[ro + n + 2]!;
              out[o + n + 3]! += yv * rad[ro + n + 3]!;
            }
            for (; n < nmax; n++) out[o + n]! += yv * rad[ro + n]!;
          }
        }
      }
      if (analytic) {
        // Löwdin orthonormalisation once per centre: c_n = Σ_n' W[n,n'] c_n'
        const W = this.basis.lowdin;
        const t = this.tmp;
        for (let lm = 0; lm < L * L; lm++) {
          for (let a = 0; a < this.species.length; a++) {
            const o = base + lm * K + a * nmax;
            for (let n = 0; n < nmax; n++) {
              let s = 0;
              for (let q = 0; q < nmax; q++) s += W[n * nmax + q]! * out[o + q]!;
              t[n] = s;
            }
            for (let n = 0; n < nmax; n++) out[o + n] = t[n]!;
          }
        }
      }
      if (cw !== 0) {
        const a = chanOf[i]!;
        const y00 = 0.5 / Math.sqrt(Math.PI);
        const o = base + a * nmax;
        for (let n = 0; n < nmax; n++) out[o + n]! += cw * y00 * this.centerRadial[n]!;
      }
    }
  }
}
