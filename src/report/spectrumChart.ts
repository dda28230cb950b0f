/**
 * Vega-Lite specification of a spectrum figure: one line per series over a reversed ppm axis (NMR convention,
 * high δ on the left), with the series' band shaded when given. Line marks are named "lines", band areas
 * "bands".
 */
import type { TopLevelSpec } from "vega-lite";
import { EngineError } from "../core/errors.js";
import type { SpectrumFigure } from "./types.js";

const COLORS = ["#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2"];

export function spectrumSpec(fig: SpectrumFigure): TopLevelSpec {
  const rows: { ppm: number; intensity: number; lower?: number; upper?: number; series: string }[] = [];
  for (const s of fig.series) {
    const n = s.ppm.length;
    if (s.intensity.length !== n || (s.lower && s.lower.length !== n) || (s.upper && s.upper.length !== n)) {
      throw new EngineError(
        "ShapeMismatch",
        `figure '${fig.title}', series '${s.name}': arrays differ in length`,
      );
    }
    for (let j = 0; j < n; j++) {
      rows.push({
        ppm: s.ppm[j]!,
        intensity: s.intensity[j]!,
        ...(s.lower && s.upper ? { lower: s.lower[j]!, upper: s.upper[j]! } : {}),
        series: s.name,
      });
    }
  }
  const domain = fig.series.map((s) => s.name);
  const range = fig.series.map((s, i) => s.color ?? COLORS[i % COLORS.length]!);
  const x = {
    field: "ppm",
    type: "quantitative" as const,
    title: fig.label,
    scale: { reverse: true, zero: false, nice: false },
  };
  const color = { field: "series", type: "nominal" as const, scale: { domain, range }, title: null };
  const layers: unknown[] = [];
  if (fig.series.some((s) => s.lower && s.upper)) {
    layers.push({
      name: "bands",
      transform: [{ filter: "isValid(datum.lower)" }],
      mark: { type: "area", opacity: 0.25 },
      encoding: { x, y: { field: "lower", type: "quantitative" }, y2: { field: "upper" }, color },
    });
  }
  layers.push({
    name: "lines",
    mark: { type: "line", strokeWidth: 1.5 },
    encoding: { x, y: { field: "intensity", type: "quantitative", title: "intensity / ppm⁻¹" }, color },
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: fig.title,
    width: fig.width ?? 640,
    height: fig.height ?? 320,
    data: { values: rows },
    layer: layers,
  } as TopLevelSpec;
}
