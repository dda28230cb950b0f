/**
 * Binning on the spectrum grid. Positions are given in grid units u = (δ − from)/step, so that point j of the
 * grid sits at u = j and owns the bin [j − ½, j + ½). Mass falling outside the grid is dropped (the caller
 * accounts for it).
 *
 * A triangle of the powder grid adds the density of a frequency interpolated linearly over it: a tent on
 * [a, c] with its apex at b (Alderman, Solum & Grant 1986), each bin receiving the exact integral of the tent.
 * Narrow tents (< 4 bins) are integrated bin by bin from their piecewise-quadratic distribution function. A wide
 * tent is the sum of three ramps s1(u − a)₊ − (s1 + s2)(u − b)₊ + s2(u − c)₊ (a step and two ramps when the
 * apex sits at an end), and the bin masses of a ramp are linear in j beyond its knot (constant for a step), so each ramp changes only three entries of the second difference of the bin
 * masses; `masses()` rebuilds them by two running sums. A tent then costs O(1) instead of O(its width), which
 * is what makes 10⁴ sites × 2·10³ orientations on 4096 points take about a second.
 */

/** Tents narrower than this many bins are binned directly. */
const NARROW = 4;
/** An apex closer to an end than this fraction of the width is taken as at the end (a step edge). */
const STEP_EDGE = 1e-6;

/** Cumulative distribution of the tent density on [a, c] with apex at b (a ≤ b ≤ c, a < c). */
function tentCdf(x: number, a: number, b: number, c: number): number {
  if (x <= a) return 0;
  if (x >= c) return 1;
  if (x <= b) return ((x - a) * (x - a)) / ((c - a) * (b - a));
  return 1 - ((c - x) * (c - x)) / ((c - a) * (c - b));
}

/** Accumulates sticks and tents on a grid of `points` bins. */
export class Binner {
  private readonly direct: Float64Array;
  private readonly d2: Float64Array;

  constructor(readonly points: number) {
    this.direct = new Float64Array(points);
    this.d2 = new Float64Array(points);
  }

  /** Put mass w into the bin holding u (dropped when u is off the grid). */
  addStick(u: number, w: number): void {
    const j = Math.round(u);
    if (j >= 0 && j < this.points) this.direct[j]! += w;
  }

  /** Tent of mass w over the triangle's vertex positions u1, u2, u3 (any order). */
  addTent(u1: number, u2: number, u3: number, w: number): void {
    let a = u1;
    let b = u2;
    let c = u3;
    if (a > b) [a, b] = [b, a];
    if (b > c) [b, c] = [c, b];
    if (a > b) [a, b] = [b, a];
    if (c < -0.5 || a >= this.points - 0.5) return; // entirely off the grid
    if (c - a < 1e-9) this.addStick(0.5 * (a + c), w);
    else if (c - a < NARROW) this.addNarrow(a, b, c, w);
    else this.addWide(a, b, c, (2 * w) / (c - a));
  }

  /**
   * Bin masses (a new array). Beyond a tent the three ramps cancel only to round-off, so values within
   * 10⁻¹² of the largest mass are set to zero (keeping empty bins empty and never negative).
   */
  masses(): Float64Array {
    const out = this.direct.slice();
    let slope = 0;
    let m = 0;
    let peak = 0;
    for (let j = 0; j < this.points; j++) {
      slope += this.d2[j]!;
      m += slope;
      out[j]! += m;
      peak = Math.max(peak, Math.abs(out[j]!));
    }
    for (let j = 0; j < this.points; j++) if (Math.abs(out[j]!) <= 1e-12 * peak) out[j] = 0;
    return out;
  }

  /** Tent of height h as ramps, or as a step and two ramps when the apex sits at an end. */
  private addWide(a: number, b: number, c: number, h: number): void {
    const slope = h / (c - a);
    if (b - a <= STEP_EDGE * (c - a)) {
      this.addStep(a, h);
      this.addRamp(a, -slope);
      this.addRamp(c, slope);
    } else if (c - b <= STEP_EDGE * (c - a)) {
      this.addRamp(a, slope);
      this.addRamp(c, -slope);
      this.addStep(c, -h);
    } else {
      const s1 = h / (b - a);
      const s2 = h / (c - b);
      this.addRamp(a, s1);
      this.addRamp(b, -(s1 + s2));
      this.addRamp(c, s2);
    }
  }

  private addNarrow(a: number, b: number, c: number, w: number): void {
    const lo = Math.max(0, Math.round(a));
    const hi = Math.min(this.points - 1, Math.round(c));
    let prev = tentCdf(lo - 0.5, a, b, c);
    for (let j = lo; j <= hi; j++) {
      const next = tentCdf(j + 0.5, a, b, c);
      this.direct[j]! += w * (next - prev);
      prev = next;
    }
  }

  /**
   * Ramp coef·(u − k)₊: its bin masses are m_j = coef·(R(j + ½ − k) − R(j − ½ − k)), R(t) = t₊²/2, i.e. with
   * j0 the first bin whose upper edge passes k and t = j0 + ½ − k ∈ (0, 1]: m_j0 = coef·t²/2 and
   * m_{j0+n} = coef·(2t + 2n − 1)/2, whose second difference is coef·(t²/2, ½ + t − t², (1 − t)²/2) at j0..j0+2.
   */
  private addRamp(k: number, coef: number): void {
    const j0 = Math.floor(k - 0.5) + 1;
    const t = j0 + 0.5 - k;
    this.addD2(j0, coef * 0.5 * t * t);
    this.addD2(j0 + 1, coef * (0.5 + t - t * t));
    this.addD2(j0 + 2, coef * 0.5 * (1 - t) * (1 - t));
  }

  /**
   * Step coef·[u > k]: m_j0 = coef·t, m_{j0+n} = coef (same j0, t as `addRamp`), second difference
   * coef·(t, 1 − 2t, t − 1) at j0..j0+2.
   */
  private addStep(k: number, coef: number): void {
    const j0 = Math.floor(k - 0.5) + 1;
    const t = j0 + 0.5 - k;
    this.addD2(j0, coef * t);
    this.addD2(j0 + 1, coef * (1 - 2 * t));
    this.addD2(j0 + 2, coef * (t - 1));
  }

  /** Second-difference entry at bin i; an entry left of the grid adds d·(j − i + 1) to bin j ≥ 0, folded here. */
  private addD2(i: number, d: number): void {
    if (i >= this.points) return;
    if (i >= 0) this.d2[i]! += d;
    else {
      this.d2[0]! += d * (1 - i);
      if (this.points > 1) this.d2[1]! += d * i;
    }
  }
}
