/**
 * ω_Q histogram peaks and regions, as in Harper et al. 2025, Fig. 6: "the colored regions … are selected by
 * first identifying the 5 most prominent peaks in the histogram, and selecting the surrounding regions down to a
 * minimum threshold of 10 counts per bin, and enforced that no two regions could overlap."
 *
 * Definitions used here (the paper does not spell them out):
 * - Histogram: bins of width `binWidth` aligned to multiples of the width, with one empty bin of margin on
 *   each side, so that a peak at the end of the data is still a local maximum.
 * - Peaks: local maxima of the counts (a flat top counts once, at its middle bin, as scipy.signal.find_peaks);
 *   prominence as scipy.signal.peak_prominences (height above the higher of the two lowest points reached
 *   before climbing above the peak on either side). Only peaks with count ≥ `minCount` can start a region;
 *   the `nPeaks` most prominent are kept (ties: higher, then lower ω_Q first).
 * - Regions: from the peak bin outwards while bins hold ≥ `minCount` counts. Between two kept peaks the
 *   regions are cut at the lowest bin of the valley separating them (the valley bin goes to the left peak),
 *   so regions never overlap. Bins outside every region are "unclassified" (label 0, grey in Fig. 6).
 */
import { EngineError } from "../core/errors.js";

export interface PeakOptions {
  /** Bin width (same unit as the values, e.g. kHz). Default: Freedman–Diaconis 2·IQR·n^(−1/3). */
  readonly binWidth?: number;
  /** Number of peaks to keep (default 5, as in the paper). */
  readonly nPeaks?: number;
  /** Minimum count per bin inside a region (default 10, as in the paper). */
  readonly minCount?: number;
}

export interface PeakRegion {
  /** Label 1..n, in order of increasing value (the region's colour index). */
  readonly label: number;
  /** Rank by prominence, 1 = most prominent. */
  readonly rank: number;
  /** Centre of the peak bin. */
  readonly center: number;
  /** Index of the peak bin. */
  readonly bin: number;
  /** Count in the peak bin. */
  readonly count: number;
  readonly prominence: number;
  /** Value range [lo, hi) covered by the region (bin edges). */
  readonly lo: number;
  readonly hi: number;
  /** First and last bin (inclusive). */
  readonly firstBin: number;
  readonly lastBin: number;
  /** Number of values in the region. */
  readonly members: number;
}

export interface PeakAnalysis {
  readonly binWidth: number;
  readonly minCount: number;
  /** Bin edges (nBins + 1). */
  readonly edges: number[];
  /** Counts per bin. */
  readonly counts: number[];
  /** Region label per bin (0 = unclassified). */
  readonly binLabels: number[];
  /** Kept peaks with their regions, ordered by label (increasing value). */
  readonly regions: PeakRegion[];
  /** Region label per input value (0 = unclassified), same order as the input. */
  readonly labels: Int32Array;
  /** All local maxima found (bin index and prominence), before selection — for diagnostics. */
  readonly candidates: { bin: number; count: number; prominence: number }[];
}

/** Local maxima (flat tops at their middle) of a sequence, as scipy.signal.find_peaks without conditions. */
export function localMaxima(x: ArrayLike<number>): number[] {
  const peaks: number[] = [];
  const n = x.length;
  let i = 1;
  while (i < n - 1) {
    if (x[i - 1]! < x[i]!) {
      let ahead = i + 1;
      while (ahead < n - 1 && x[ahead]! === x[i]!) ahead++;
      if (x[ahead]! < x[i]!) {
        peaks.push(Math.floor((i + ahead - 1) / 2));
        i = ahead;
      }
    }
    i++;
  }
  return peaks;
}

/** Topographic prominence of peak i (scipy.signal.peak_prominences with no window). */
export function prominence(x: ArrayLike<number>, i: number): number {
  const h = x[i]!;
  let leftMin = h;
  for (let j = i; j >= 0 && x[j]! <= h; j--) if (x[j]! < leftMin) leftMin = x[j]!;
  let rightMin = h;
  for (let j = i; j < x.length && x[j]! <= h; j++) if (x[j]! < rightMin) rightMin = x[j]!;
  return h - Math.max(leftMin, rightMin);
}

function freedmanDiaconis(sorted: Float64Array): number {
  const q = (p: number) => {
    const pos = p * (sorted.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
  };
  const iqr = q(0.75) - q(0.25);
  const w = (2 * iqr) / Math.cbrt(sorted.length);
  if (w > 0) return w;
  const range = sorted[sorted.length - 1]! - sorted[0]!;
  return range > 0 ? range / 10 : 1;
}

/** Histogram the values, find the most prominent peaks and their non-overlapping regions. */
export function findPeakRegions(values: ArrayLike<number>, options: PeakOptions = {}): PeakAnalysis {
  const n = values.length;
  if (n === 0) throw new EngineError("InvalidParameter", "no values to histogram", { field: "values" });
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new EngineError("InvalidParameter", `value ${i} is not finite (${values[i]})`, {
        field: `values[${i}]`,
      });
    }
  }
  const nPeaks = options.nPeaks ?? 5;
  const minCount = options.minCount ?? 10;
  if (!Number.isInteger(nPeaks) || nPeaks < 1) {
    throw new EngineError("InvalidParameter", `nPeaks must be a positive integer, got ${nPeaks}`, {
      field: "nPeaks",
    });
  }
  if (!(minCount >= 1)) {
    throw new EngineError("InvalidParameter", `minCount must be ≥ 1, got ${minCount}`, { field: "minCount" });
  }
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const binWidth = options.binWidth ?? freedmanDiaconis(sorted);
  if (!(binWidth > 0) || !Number.isFinite(binWidth)) {
    throw new EngineError("InvalidParameter", `binWidth must be a positive number, got ${binWidth}`, {
      field: "binWidth",
    });
  }
  const first = Math.floor(sorted[0]! / binWidth) - 1;
  const last = Math.floor(sorted[n - 1]! / binWidth) + 1;
  const nBins = last - first + 1;
  if (nBins > 10_000_000) {
    throw new EngineError(
      "InvalidParameter",
      `binWidth ${binWidth} gives ${nBins} bins; choose a wider bin`,
      {
        field: "binWidth",
      },
    );
  }
  const binOf = (v: number) => Math.min(nBins - 2, Math.max(1, Math.floor(v / binWidth) - first));
  const counts = new Array<number>(nBins).fill(0);
  for (let i = 0; i < n; i++) counts[binOf(values[i]!)]!++;
  const edges = Array.from({ length: nBins + 1 }, (_, b) => (first + b) * binWidth);

  const candidates = localMaxima(counts).map((bin) => ({
    bin,
    count: counts[bin]!,
    prominence: prominence(counts, bin),
  }));
  const kept = candidates
    .filter((c) => c.count >= minCount)
    .sort((a, b) => b.prominence - a.prominence || b.count - a.count || a.bin - b.bin)
    .slice(0, nPeaks);
  const rankOf = new Map(kept.map((c, i) => [c.bin, i + 1]));
  const byPos = kept.slice().sort((a, b) => a.bin - b.bin);

  const binLabels = new Array<number>(nBins).fill(0);
  const regions: PeakRegion[] = [];
  byPos.forEach((p, idx) => {
    // Limits set by the neighbouring kept peaks: cut at the valley minimum between them.
    let leftLimit = 0;
    if (idx > 0) leftLimit = valley(counts, byPos[idx - 1]!.bin, p.bin) + 1;
    let rightLimit = nBins - 1;
    if (idx < byPos.length - 1) rightLimit = valley(counts, p.bin, byPos[idx + 1]!.bin);
    let lo = p.bin;
    while (lo - 1 >= leftLimit && counts[lo - 1]! >= minCount) lo--;
    let hi = p.bin;
    while (hi + 1 <= rightLimit && counts[hi + 1]! >= minCount) hi++;
    let members = 0;
    for (let b = lo; b <= hi; b++) {
      binLabels[b] = idx + 1;
      members += counts[b]!;
    }
    regions.push({
      label: idx + 1,
      rank: rankOf.get(p.bin)!,
      center: 0.5 * (edges[p.bin]! + edges[p.bin + 1]!),
      bin: p.bin,
      count: p.count,
      prominence: p.prominence,
      lo: edges[lo]!,
      hi: edges[hi + 1]!,
      firstBin: lo,
      lastBin: hi,
      members,
    });
  });
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = binLabels[binOf(values[i]!)]!;
  return { binWidth, minCount, edges, counts, binLabels, regions, labels, candidates };
}

/** Index of the lowest bin strictly between two peaks (leftmost of equal minima). */
function valley(counts: readonly number[], a: number, b: number): number {
  let best = a + 1;
  for (let i = a + 1; i < b; i++) if (counts[i]! < counts[best]!) best = i;
  return Math.min(best, b - 1);
}
