/**
 * Vega-Lite specifications for the report's figures, and their rendering to standalone SVG strings with
 * vega's headless renderer (`new vega.View(vega.parse(spec), {renderer: 'none'}).toSVG()`).
 *
 * Histograms are binned here (not by vega) so that bin edges are exact and shared between reference and
 * predicted values. Point marks of parity plots are named "points" (SVG class `points_marks`), learning-curve
 * markers "markers", histogram bars "bars", so tests and tools can find them.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { PeakAnalysis } from "../analysis/peaks.js";
import { EngineError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import { spectrumSpec } from "./spectrumChart.js";
import { formatNumber, maeAndPearson } from "./stats.js";
import type {
  DistributionFigure,
  FigureSpec,
  LearningCurveFigure,
  ParityFigure,
  ParitySeries,
  PeakHistogramFigure,
  Values,
} from "./types.js";

/** Series colours (colour-blind-friendly, after Tableau 10). */
export const PALETTE = [
  "#4e79a7",
  "#e15759",
  "#59a14f",
  "#f28e2b",
  "#b07aa1",
  "#76b7b2",
  "#edc948",
  "#9c755f",
];
/** Reference (DFT / point-charge) values: grey, as in Harper Fig. 3. */
export const REFERENCE_COLOR = "#9aa0a6";
/** Fig. 6 region colours (labels 1..8) and the unclassified grey. */
export const REGION_COLORS = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#b07aa1",
  "#76b7b2",
  "#edc948",
  "#9c755f",
];
export const UNCLASSIFIED_COLOR = "#cfd3d8";

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

const CONFIG = {
  font: FONT,
  background: "white",
  view: { stroke: "#c9ced6" },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 500,
    gridColor: "#eceff3",
    domainColor: "#8a9099",
    tickColor: "#8a9099",
    labelColor: "#3c4249",
    titleColor: "#22272e",
  },
  legend: { labelFontSize: 11, titleFontSize: 11, symbolSize: 70, labelLimit: 320 },
  title: {
    fontSize: 14,
    fontWeight: 600,
    anchor: "start",
    color: "#1d2127",
    subtitleColor: "#59606a",
    subtitleFontSize: 11,
  },
  header: { labelFontSize: 12, labelFontWeight: 600, labelColor: "#22272e" },
} as const;

function toArray(v: Values): number[] {
  return Array.from(v as ArrayLike<number>);
}

function extent(arrays: readonly Values[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(lo <= hi)) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  const pad = 0.04 * (hi - lo);
  return [lo - pad, hi + pad];
}

/** Mix a #rrggbb colour with white (f = 0: unchanged, 1: white); opaque tints keep legends at full opacity. */
function tint(hex: string, f: number): string {
  const c = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return `#${c
    .map((v) =>
      Math.round(v + (255 - v) * f)
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

/** Counts of values in `bins` equal bins over [lo, hi]. */
export function histogram(values: Values, lo: number, hi: number, bins: number): number[] {
  const c = new Array<number>(bins).fill(0);
  const w = (hi - lo) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / w)));
    c[b]!++;
  }
  return c;
}

/** "MAE · r · n" of a series: its own `mae` (the metric the tables use) when given, else mean |pred − ref|. */
function statsText(s: ParitySeries): string {
  const m = maeAndPearson(s.reference, s.predicted);
  const mae = s.mae ?? m.mae;
  return `MAE ${formatNumber(mae, 2)} · r ${Number.isNaN(m.r) ? "—" : m.r.toFixed(2)} · n ${m.n}`;
}

function checkPairs(fig: ParityFigure): void {
  if (fig.series.length === 0)
    throw new EngineError("InvalidParameter", `figure '${fig.title}' has no series`);
  for (const s of fig.series) {
    if (s.reference.length !== s.predicted.length) {
      throw new EngineError(
        "ShapeMismatch",
        `figure '${fig.title}', series '${s.name}': ${s.reference.length} reference vs ${s.predicted.length} predicted values`,
        { field: s.name },
      );
    }
  }
}

/** Upper panel of Harper Figs. 3/4: reference histogram (grey bars) and predicted (coloured steps). */
function distributionLayers(
  reference: Values,
  predicted: readonly { name: string; values: Values }[],
  domain: [number, number],
  bins: number,
  colorScale: { domain: string[]; range: string[] },
  label: string,
  showXAxis: boolean,
  height: number,
  width: number,
  legendOff: boolean,
): Record<string, unknown> {
  const [lo, hi] = domain;
  const w = (hi - lo) / bins;
  const refCounts = histogram(reference, lo, hi, bins);
  const bars = refCounts.map((c, b) => ({ x0: lo + b * w, x1: lo + (b + 1) * w, count: c }));
  const steps: { set: string; x: number; count: number }[] = [];
  for (const p of predicted) {
    const c = histogram(p.values, lo, hi, bins);
    c.forEach((v, b) => {
      steps.push({ set: p.name, x: lo + b * w, count: v });
    });
    steps.push({ set: p.name, x: hi, count: c[bins - 1]! });
  }
  const x = {
    field: "x0",
    type: "quantitative",
    scale: { domain, nice: false, zero: false },
    axis: showXAxis
      ? { title: label }
      : { title: null, labels: false, ticks: false, domain: false, grid: false },
  };
  return {
    width,
    height,
    layer: [
      {
        name: "bars",
        data: { values: bars },
        mark: { type: "rect", color: REFERENCE_COLOR, opacity: 0.55 },
        encoding: {
          x,
          x2: { field: "x1" },
          y: { field: "count", type: "quantitative", axis: { title: "count", tickCount: 3, grid: false } },
          y2: { datum: 0 },
        },
      },
      {
        data: { values: steps },
        mark: { type: "line", interpolate: "step-after", strokeWidth: 1.6 },
        encoding: {
          x: { ...x, field: "x" },
          y: { field: "count", type: "quantitative" },
          color: { field: "set", type: "nominal", scale: colorScale, ...(legendOff ? { legend: null } : {}) },
        },
      },
    ],
  };
}

// long: a declarative Vega-Lite spec literal
function paritySpec(fig: ParityFigure): TopLevelSpec {
  checkPairs(fig);
  const names = fig.series.map((s) => (fig.series.length > 1 ? `${s.name} (${statsText(s)})` : s.name));
  const colors = fig.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]!);
  const colorScale = { domain: names, range: colors };
  const domain = extent(fig.series.flatMap((s) => [s.reference, s.predicted]));
  const [lo, hi] = domain;
  const points: { s: string; x: number; y: number }[] = [];
  const nAll = fig.series.reduce((a, s) => a + s.reference.length, 0);
  const maxPoints = fig.maxPoints ?? 5000;
  // Statistics always use every pair; only the drawn points are subsampled (seeded) when there are too many.
  const keep = nAll > maxPoints ? maxPoints / nAll : 1;
  const rng = new Rng(fig.sampleSeed ?? 0);
  fig.series.forEach((s, i) => {
    const n = s.reference.length;
    let idx = Array.from({ length: n }, (_, j) => j);
    if (keep < 1)
      idx = rng
        .shuffle(idx)
        .slice(0, Math.round(keep * n))
        .sort((a, b) => a - b);
    for (const j of idx) points.push({ s: names[i]!, x: s.reference[j]!, y: s.predicted[j]! });
  });
  const nTotal = points.length;
  const size = nTotal > 3000 ? 6 : nTotal > 800 ? 10 : 18;
  const opacity = nTotal > 3000 ? 0.35 : 0.55;
  const scale = { domain, nice: false, zero: false };
  const side = 270;
  const layers: Record<string, unknown>[] = [];
  if (fig.band) {
    const h = fig.band.halfWidth;
    layers.push({
      data: {
        values: [
          { x: lo, y: lo - h, y2: lo + h, b: fig.band.label },
          { x: hi, y: hi - h, y2: hi + h, b: fig.band.label },
        ],
      },
      mark: { type: "area", color: "#e15759", opacity: 0.16, clip: true },
      encoding: {
        x: { field: "x", type: "quantitative", scale },
        y: { field: "y", type: "quantitative", scale },
        y2: { field: "y2" },
      },
    });
  }
  layers.push({
    data: {
      values: [
        { x: lo, y: lo },
        { x: hi, y: hi },
      ],
    },
    mark: { type: "line", color: "#6b7280", strokeDash: [4, 3], strokeWidth: 1 },
    encoding: {
      x: { field: "x", type: "quantitative", scale },
      y: { field: "y", type: "quantitative", scale },
    },
  });
  layers.push({
    name: "points",
    data: { values: points },
    mark: { type: "point", filled: true, size, opacity, strokeWidth: 0 },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        scale,
        axis: { title: fig.axisTitles?.[0] ?? `reference ${fig.label}` },
      },
      y: {
        field: "y",
        type: "quantitative",
        scale,
        axis: { title: fig.axisTitles?.[1] ?? `predicted ${fig.label}` },
      },
      color: {
        field: "s",
        type: "nominal",
        scale: colorScale,
        legend:
          fig.series.length > 1
            ? { title: null, orient: "bottom", direction: "vertical", symbolOpacity: 1 }
            : null,
      },
    },
  });
  const subtitle = fig.series.length === 1 ? statsText(fig.series[0]!) : undefined;
  const bandNote = fig.band ? `shaded: ${fig.band.label}` : undefined;
  const sampleNote = nTotal < nAll ? `${nTotal} of ${nAll} points drawn (seeded subsample)` : undefined;
  const sub = [subtitle, bandNote, sampleNote].filter((s) => s !== undefined);
  const title = { text: fig.title, ...(sub.length > 0 ? { subtitle: sub } : {}) };
  const parity = { width: side, height: side, layer: layers };
  if (!fig.distribution) {
    return { title, config: CONFIG, ...parity } as unknown as TopLevelSpec;
  }
  const dist = distributionLayers(
    fig.series.flatMap((s) => toArray(s.reference)),
    fig.series.map((s, i) => ({ name: names[i]!, values: s.predicted })),
    domain,
    fig.bins ?? 40,
    colorScale,
    fig.label,
    false,
    70,
    side,
    fig.series.length === 1,
  );
  return {
    title,
    config: CONFIG,
    spacing: 4,
    vconcat: [dist, parity],
    resolve: { scale: { color: "shared" } },
  } as unknown as TopLevelSpec;
}

function distributionSpec(fig: DistributionFigure): TopLevelSpec {
  const names = fig.predicted.map((p) => p.name);
  const colors = fig.predicted.map((p, i) => p.color ?? PALETTE[i % PALETTE.length]!);
  const domain = extent([fig.reference.values, ...fig.predicted.map((p) => p.values)]);
  const body = distributionLayers(
    fig.reference.values,
    fig.predicted,
    domain,
    fig.bins ?? 40,
    { domain: names, range: colors },
    fig.label,
    true,
    170,
    300,
    true,
  );
  // Legend: a swatch per series, including the grey reference.
  const legendLayer = {
    data: { values: [{ set: `${fig.reference.name} (grey bars)` }, ...names.map((n) => ({ set: n }))] },
    mark: { type: "square", filled: true, opacity: 0 },
    encoding: {
      color: {
        field: "set",
        type: "nominal",
        scale: {
          domain: [`${fig.reference.name} (grey bars)`, ...names],
          range: [REFERENCE_COLOR, ...colors],
        },
        legend: { title: null, orient: "top", symbolType: "square", symbolOpacity: 0.9 },
      },
    },
  };
  const layers = [...(body["layer"] as unknown[]), legendLayer];
  return {
    title: { text: fig.title },
    config: CONFIG,
    width: body["width"],
    height: body["height"],
    layer: layers,
    resolve: { scale: { color: "independent" } },
  } as unknown as TopLevelSpec;
}

function learningCurveSpec(fig: LearningCurveFigure): TopLevelSpec {
  const rows: { group: string; name: string; n: number; value: number }[] = [];
  const names: string[] = [];
  const colors: string[] = [];
  for (const s of fig.series) {
    if (s.n.length !== s.value.length) {
      throw new EngineError(
        "ShapeMismatch",
        `learning curve '${s.name}' (${s.group}): n and value differ in length`,
        {
          field: s.name,
        },
      );
    }
    if (!names.includes(s.name)) {
      names.push(s.name);
      colors.push(s.color ?? PALETTE[(names.length - 1) % PALETTE.length]!);
    }
    for (let i = 0; i < s.n.length; i++) {
      // Log–log axes: only positive finite values can be drawn.
      if (s.n[i]! > 0 && s.value[i]! > 0 && Number.isFinite(s.value[i]!)) {
        rows.push({ group: s.group, name: s.name, n: s.n[i]!, value: s.value[i]! });
      }
    }
  }
  const groups = [...new Set(fig.series.map((s) => s.group))];
  // a tick at every training size (the ends included); the y axis spans whole decades, so both ends are ticks
  const sizes = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const encoding = {
    x: {
      field: "n",
      type: "quantitative",
      scale: { type: "log", nice: false, padding: 12 },
      axis: { title: fig.xLabel ?? "training environments", values: sizes, format: "~s" },
    },
    y: {
      field: "value",
      type: "quantitative",
      scale: { type: "log", nice: true },
      axis: { title: fig.yLabel ?? "MAE", format: "~g" },
    },
    color: {
      field: "name",
      type: "nominal",
      scale: { domain: names, range: colors },
      legend: { title: null, orient: "right" },
    },
  };
  return {
    title: { text: fig.title },
    config: CONFIG,
    data: { values: rows },
    facet: { column: { field: "group", type: "nominal", sort: groups, header: { title: null } } },
    spacing: 16,
    spec: {
      width: fig.width ?? 330,
      height: fig.height ?? 240,
      layer: [
        { mark: { type: "line", strokeWidth: 1.8 }, encoding },
        { name: "markers", mark: { type: "point", filled: true, size: 36 }, encoding },
      ],
    },
    resolve: { scale: { y: "shared" } },
  } as unknown as TopLevelSpec;
}
// long: a declarative Vega-Lite spec literal

function peakHistogramSpec(fig: PeakHistogramFigure): TopLevelSpec {
  const nb = fig.counts.length;
  if (fig.edges.length !== nb + 1 || fig.binLabels.length !== nb) {
    throw new EngineError("ShapeMismatch", `figure '${fig.title}': need edges = counts + 1 = binLabels + 1`);
  }
  const regionsByLabel = fig.regions.slice().sort((a, b) => a.label - b.label);
  const nameOf = new Map<number, string>();
  // Region bounds are bin edges: print them with the decimals the bin width needs.
  const bw = nb > 0 ? Math.abs(fig.edges[1]! - fig.edges[0]!) : 1;
  const decimals = Math.min(6, Math.max(0, -Math.floor(Math.log10(bw > 0 ? bw : 1) + 1e-9)));
  const fmt = (v: number) => v.toFixed(decimals).replace(/-/g, "−");
  for (const r of regionsByLabel) {
    const n = r.members !== undefined ? ` (n ${r.members})` : "";
    nameOf.set(r.label, `${r.label}: ${fmt(r.lo)} to ${fmt(r.hi)}${n}`);
  }
  const regionName = (l: number) => (l > 0 ? (nameOf.get(l) ?? `region ${l}`) : "unclassified");
  const domain = ["unclassified", ...regionsByLabel.map((r) => regionName(r.label))];
  const range = [
    UNCLASSIFIED_COLOR,
    ...regionsByLabel.map((r) => REGION_COLORS[(r.label - 1) % REGION_COLORS.length]!),
  ];
  const bars: { x0: number; x1: number; count: number; region: string }[] = [];
  for (let b = 0; b < nb; b++) {
    if (fig.counts[b]! === 0) continue;
    const l = fig.binLabels[b]!;
    bars.push({ x0: fig.edges[b]!, x1: fig.edges[b + 1]!, count: fig.counts[b]!, region: regionName(l) });
  }
  const maxCount = Math.max(1, ...toArray(fig.counts));
  const xScale = { domain: [fig.edges[0]!, fig.edges[nb]!], nice: false, zero: false };
  const yScale = { domain: [0, maxCount * 1.12], nice: false };
  const label = fig.label ?? "ω_Q / kHz";
  const regionRows = fig.regions.map((r) => ({
    lo: r.lo,
    hi: r.hi,
    center: r.center,
    count: r.count,
    region: regionName(r.label),
    fill: REGION_COLORS[(r.label - 1) % REGION_COLORS.length]!,
    shade: tint(REGION_COLORS[(r.label - 1) % REGION_COLORS.length]!, 0.88),
    text: String(r.label),
  }));
  const layers: Record<string, unknown>[] = [
    {
      data: { values: regionRows },
      mark: { type: "rect" },
      encoding: {
        x: { field: "lo", type: "quantitative", scale: xScale },
        x2: { field: "hi" },
        y: { datum: 0, type: "quantitative", scale: yScale },
        y2: { datum: maxCount * 1.12 },
        // Literal colours (scale null): the legend comes from the bars layer only, at full opacity.
        color: { field: "shade", type: "nominal", scale: null },
      },
    },
    {
      name: "bars",
      data: { values: bars },
      mark: { type: "rect", stroke: "white", strokeWidth: 0.3 },
      encoding: {
        x: { field: "x0", type: "quantitative", scale: xScale, axis: { title: label } },
        x2: { field: "x1" },
        y: { field: "count", type: "quantitative", scale: yScale, axis: { title: "count per bin" } },
        y2: { datum: 0 },
        color: {
          field: "region",
          type: "nominal",
          scale: { domain, range },
          legend: {
            title: `regions (${fig.label ?? "ω_Q / kHz"})`,
            orient: "right",
            symbolType: "square",
            symbolOpacity: 1,
          },
        },
      },
    },
    {
      data: { values: regionRows },
      mark: { type: "text", dy: -8, fontSize: 12, fontWeight: 700 },
      encoding: {
        x: { field: "center", type: "quantitative", scale: xScale },
        y: { field: "count", type: "quantitative", scale: yScale },
        text: { field: "text" },
        color: { field: "fill", type: "nominal", scale: null },
      },
    },
  ];
  if (fig.minCount !== undefined) {
    layers.push({
      data: { values: [{ y: fig.minCount }] },
      mark: { type: "rule", color: "#6b7280", strokeDash: [4, 3], strokeWidth: 1 },
      encoding: { y: { field: "y", type: "quantitative", scale: yScale } },
    });
  }
  const subtitle =
    fig.minCount !== undefined ? [`regions extend down to ${fig.minCount} counts per bin (dashed)`] : [];
  return {
    title: { text: fig.title, ...(subtitle.length > 0 ? { subtitle } : {}) },
    config: CONFIG,
    width: fig.width ?? 900,
    height: fig.height ?? 300,
    layer: layers,
  } as unknown as TopLevelSpec;
}

/** Figure of Harper Fig. 6a from the output of `findPeakRegions` (only the fields the plot needs). */
export function peakHistogramFigure(
  a: PeakAnalysis,
  title: string,
  options: { label?: string; caption?: string; width?: number; height?: number } = {},
): PeakHistogramFigure {
  return {
    kind: "peakHistogram",
    title,
    edges: a.edges,
    counts: a.counts,
    binLabels: a.binLabels,
    regions: a.regions.map((r) => ({
      label: r.label,
      lo: r.lo,
      hi: r.hi,
      center: r.center,
      count: r.count,
      members: r.members,
    })),
    minCount: a.minCount,
    ...options,
  };
}

/** The Vega-Lite specification of a figure. */
export function figureToVegaLite(fig: FigureSpec): TopLevelSpec {
  switch (fig.kind) {
    case "parity":
      return paritySpec(fig);
    case "distribution":
      return distributionSpec(fig);
    case "learningCurve":
      return learningCurveSpec(fig);
    case "peakHistogram":
      return peakHistogramSpec(fig);
    case "spectrum":
      return spectrumSpec(fig);
    default:
      throw new EngineError("InvalidParameter", `unknown figure kind '${(fig as { kind: string }).kind}'`, {
        field: "kind",
      });
  }
}

/** Render a Vega-Lite specification to an SVG string (headless, no DOM). */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const vg = compile(spec).spec;
  const view = new vega.View(vega.parse(vg), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Render one figure to SVG. */
export async function renderFigureSvg(fig: FigureSpec): Promise<string> {
  return vegaLiteToSvg(figureToVegaLite(fig));
}
