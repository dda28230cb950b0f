/**
 * ReportData: everything the HTML report is rendered from. It is plain JSON (numbers, strings, arrays; typed
 * arrays are accepted and written as arrays), and `renderReport` writes it beside the page as `report.json`,
 * so the page can be regenerated or the numbers re-plotted elsewhere.
 *
 * Layout: a title block (title, subtitle, key facts), free-text notes, then sections; each section has
 * paragraphs, tables and a grid of figures. Figure kinds follow Harper et al. 2025:
 * - "parity": reference vs predicted per series (e.g. species or model), y = x line, MAE and Pearson r in the
 *   legend/title, optional ± band (Fig. 4's red stripe, the ~10 kHz SAE-NMR error range) and an optional value
 *   distribution panel above (reference in grey vs ML in colour, as the upper panels of Figs. 3 and 4);
 * - "distribution": overlaid histograms of reference and predicted values (Fig. 3 upper panels, standalone);
 * - "learningCurve": log–log MAE vs training-set size, one panel per group (scalar vs tensorial, Fig. 5);
 * - "peakHistogram": the ω_Q histogram with the coloured peak regions and their labels (Fig. 6a); it takes the
 *   output of `findPeakRegions` (src/analysis/peaks.ts) as is.
 */

/** A value array: plain numbers or a Float64Array. */
export type Values = readonly number[] | Float64Array;

export interface ParitySeries {
  /** Legend name, e.g. "7Li" or "tensorial λ=2". */
  readonly name: string;
  readonly reference: Values;
  readonly predicted: Values;
  /** CSS colour; default from the report palette. */
  readonly color?: string;
  /**
   * The series' MAE as the tables report it (e.g. axis-aware angle errors, src/metrics/angles.ts), shown in the
   * title instead of mean |pred − ref| of the drawn values: one metric function feeds plot and table.
   */
  readonly mae?: number;
}

export interface ParityFigure {
  readonly kind: "parity";
  readonly title: string;
  /** Axis label of the quantity, with unit, e.g. "C̃Q" or "ω_Q / kHz". */
  readonly label: string;
  readonly series: readonly ParitySeries[];
  /**
   * Shaded band |pred − ref| ≤ halfWidth around y = x (e.g. 10 kHz for ω_Q); `label` is the whole subtitle text
   * after "shaded: " (with the width and its unit, e.g. "±10 kHz, the SAE-NMR error range").
   */
  readonly band?: { readonly halfWidth: number; readonly label: string };
  /** Axis titles [x, y] instead of "reference <label>", "predicted <label>" (e.g. nominal vs observed coverage). */
  readonly axisTitles?: readonly [string, string];
  /** Draw the value-distribution panel (reference grey vs predicted colour) above the parity panel. */
  readonly distribution?: boolean;
  /** Number of histogram bins for the distribution panel (default 40). */
  readonly bins?: number;
  /** At most this many points are drawn (seeded subsample, default 5000); MAE and r always use all pairs. */
  readonly maxPoints?: number;
  /** Seed of that subsample (default 0). */
  readonly sampleSeed?: number;
  readonly caption?: string;
}

export interface DistributionFigure {
  readonly kind: "distribution";
  readonly title: string;
  readonly label: string;
  /** Reference values (drawn grey, filled). */
  readonly reference: { readonly name: string; readonly values: Values };
  /** Predicted value sets (drawn as coloured step outlines). */
  readonly predicted: readonly { readonly name: string; readonly values: Values; readonly color?: string }[];
  readonly bins?: number;
  readonly caption?: string;
}

export interface LearningCurveSeries {
  /** Quantity, e.g. "C̃Q" (colour). */
  readonly name: string;
  /** Panel, e.g. "scalar λ=0" or "tensorial λ=2". */
  readonly group: string;
  /** Training-set sizes (environments). */
  readonly n: Values;
  /** Error at each size (MAE, same length as n). */
  readonly value: Values;
  readonly color?: string;
}

export interface LearningCurveFigure {
  readonly kind: "learningCurve";
  readonly title: string;
  readonly series: readonly LearningCurveSeries[];
  /** Default "training environments". */
  readonly xLabel?: string;
  /** Default "MAE". */
  readonly yLabel?: string;
  /** Panel size in px (default 330 × 240). */
  readonly width?: number;
  readonly height?: number;
  readonly caption?: string;
}

export interface PeakHistogramFigure {
  readonly kind: "peakHistogram";
  readonly title: string;
  /** Default "ω_Q / kHz". */
  readonly label?: string;
  /** Bin edges (counts.length + 1). */
  readonly edges: Values;
  readonly counts: Values;
  /** Region label per bin, 0 = unclassified. */
  readonly binLabels: Values;
  readonly regions: readonly {
    readonly label: number;
    readonly lo: number;
    readonly hi: number;
    readonly center: number;
    readonly count: number;
    readonly members?: number;
  }[];
  /** Count threshold drawn as a dashed line (the paper's 10 counts per bin). */
  readonly minCount?: number;
  /** Plot size in px (default 900 × 300). */
  readonly width?: number;
  readonly height?: number;
  readonly caption?: string;
}

/** NMR spectra on one ppm axis (drawn high δ on the left), e.g. ML beside DFT, with optional bands. */
export interface SpectrumFigure {
  readonly kind: "spectrum";
  readonly title: string;
  /** x-axis label, e.g. "δ(27Al) / ppm" */
  readonly label: string;
  readonly series: readonly {
    readonly name: string;
    readonly ppm: Values;
    readonly intensity: Values;
    /** pointwise band (e.g. 95 % from predictive variances), drawn shaded */
    readonly lower?: Values;
    readonly upper?: Values;
    readonly color?: string;
  }[];
  readonly width?: number;
  readonly height?: number;
  readonly caption?: string;
}

export type FigureSpec =
  | ParityFigure
  | DistributionFigure
  | LearningCurveFigure
  | PeakHistogramFigure
  | SpectrumFigure;

/** A table cell: text, a number (formatted with the table's `digits`), or null (shown as "—"). */
export type Cell = string | number | null;

export interface ReportTable {
  readonly title?: string;
  readonly caption?: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** Significant digits for numbers (default 3). */
  readonly digits?: number;
  /** Column indices rendered in the muted "paper" style (set by `comparisonTable`). */
  readonly referenceColumns?: readonly number[];
}

export interface ReportSection {
  readonly title: string;
  /** Anchor id (default derived from the title). */
  readonly id?: string;
  /** Paragraphs of plain text (escaped). */
  readonly text?: readonly string[];
  readonly tables?: readonly ReportTable[];
  readonly figures?: readonly FigureSpec[];
  /** Figures per row (default 2). */
  readonly columns?: number;
}

export interface ReportData {
  readonly title: string;
  readonly subtitle?: string;
  /**
   * Key facts shown under the title: dataset, seed, command, timings, versions. Keys are stable camelCase names
   * (report.json is read by programs, docs/json.md); the page shows `metaLabels[key]` when given, else the key.
   */
  readonly meta?: Readonly<Record<string, string | number>>;
  /** Display labels of `meta` keys, with units, e.g. { totalSeconds: "total time / s" }. */
  readonly metaLabels?: Readonly<Record<string, string>>;
  /** Paragraphs of plain text shown before the sections (escaped). */
  readonly notes?: readonly string[];
  readonly sections: readonly ReportSection[];
}
