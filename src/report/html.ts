/**
 * Self-contained HTML report: inline CSS, inline SVG figures (rendered by vega-lite + vega), tables; no
 * scripts, fonts or images fetched from anywhere. `renderReport` writes `report.html` and the `report.json`
 * it was made from into a directory, each atomically (temp file + rename).
 */
import { jsonText } from "../core/json.js";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { EngineError } from "../core/errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import { renderFigureSvg } from "./charts.js";
import { formatNumber } from "./stats.js";
import type { Cell, FigureSpec, ReportData, ReportSection, ReportTable } from "./types.js";

/** Column labels that distinguish our numbers from the paper's (Harper et al. use DFT, we use point charges). */
export const PAPER_LABEL = "paper: DFT LTO-EFG";
export const OURS_LABEL = "ours: point-charge";

/** One row of an ours-vs-paper comparison. */
export interface ComparisonRow {
  /** E.g. "7Li". */
  readonly species?: string;
  /** E.g. "tensorial λ=2" or "scalar λ=0". */
  readonly model: string;
  /** E.g. "C̃Q MAE", "θ MAE / °". */
  readonly quantity: string;
  readonly ours: number | null;
  readonly paper: number | null;
}

/** Build a table with "ours" and "paper" columns (paper column in the muted reference style). */
export function comparisonTable(
  rows: readonly ComparisonRow[],
  options: {
    title?: string;
    caption?: string;
    digits?: number;
    oursLabel?: string;
    paperLabel?: string;
  } = {},
): ReportTable {
  const withSpecies = rows.some((r) => r.species !== undefined);
  const columns = [
    ...(withSpecies ? ["species"] : []),
    "model",
    "quantity",
    options.oursLabel ?? OURS_LABEL,
    options.paperLabel ?? PAPER_LABEL,
  ];
  return {
    ...(options.title !== undefined ? { title: options.title } : {}),
    ...(options.caption !== undefined ? { caption: options.caption } : {}),
    ...(options.digits !== undefined ? { digits: options.digits } : {}),
    columns,
    rows: rows.map((r) => [...(withSpecies ? [r.species ?? ""] : []), r.model, r.quantity, r.ours, r.paper]),
    referenceColumns: [columns.length - 1],
  };
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function slug(s: string): string {
  const t = s
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return t.length > 0 ? t : "section";
}

/**
 * Make an inline SVG safe to place next to others: drop the namespace attributes (not needed inline in HTML5)
 * and prefix every id and its references, since vega numbers clip paths and gradients per view.
 */
export function prepareInlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, "")
    .replace(/\sid="([^"]+)"/g, (_m, id: string) => ` id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`)
    .replace(
      /(xlink:)?href="#([^"]+)"/g,
      (_m, x: string | undefined, id: string) => `${x ?? ""}href="#${prefix}-${id}"`,
    )
    .replace(/^<svg(?=[\s>])/, '<svg role="img"');
}

/** Text cells that read as a number: an optional comparison sign, then a number (with an optional unit). */
const NUMERIC_TEXT = /^\s*(?:[<>≤≥≈~]=?\s*)?[−+-]?\d[\d.,]*(?:e[−+-]?\d+)?\s*%?\s*$/i;

function renderCell(c: Cell, digits: number): { html: string; numeric: boolean } {
  if (c === null || (typeof c === "number" && Number.isNaN(c)))
    return { html: '<span class="na">—</span>', numeric: true };
  if (typeof c === "number") return { html: escapeHtml(formatNumber(c, digits)), numeric: true };
  // a bound or an approximate number ("> 10", "≈ 0.3", "< 1e-3") sits right-aligned with the numbers
  return { html: escapeHtml(c), numeric: NUMERIC_TEXT.test(c) };
}

export function renderTable(t: ReportTable): string {
  const digits = t.digits ?? 3;
  const ref = new Set(t.referenceColumns ?? []);
  const head = t.columns
    .map((c, i) => `<th class="${ref.has(i) ? "ref" : ""}">${escapeHtml(c)}</th>`)
    .join("");
  const body = t.rows
    .map((r, ri) => {
      if (r.length !== t.columns.length) {
        throw new EngineError(
          "ShapeMismatch",
          `table '${t.title ?? ""}', row ${ri}: ${r.length} cells for ${t.columns.length} columns`,
          { field: `rows[${ri}]` },
        );
      }
      const cells = r
        .map((c, i) => {
          const { html, numeric } = renderCell(c, digits);
          const cls = [numeric ? "num" : "", ref.has(i) ? "ref" : ""].filter((s) => s).join(" ");
          return `<td${cls ? ` class="${cls}"` : ""}>${html}</td>`;
        })
        .join("");
      return `<tr>${cells}</tr>`;
    })
    .join("\n");
  return [
    '<div class="table-wrap">',
    t.title ? `<h3>${escapeHtml(t.title)}</h3>` : "",
    `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`,
    t.caption ? `<p class="caption">${escapeHtml(t.caption)}</p>` : "",
    "</div>",
  ].join("\n");
}

const CSS = `
:root { --ink:#1d2127; --muted:#5b626c; --line:#e3e6eb; --bg:#f6f7f9; --card:#fff; --accent:#4e79a7; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 28px 28px 60px; }
header.top { border-bottom: 3px solid var(--accent); padding-bottom: 14px; margin-bottom: 18px; }
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
.subtitle { color: var(--muted); margin: 0 0 12px; font-size: 16px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; font-size: 13px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
nav.toc { font-size: 13px; margin: 10px 0 0; }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 14px; }
.notes p { margin: 6px 0; max-width: 95ch; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 18px 22px 22px;
  margin: 20px 0; box-shadow: 0 1px 2px rgba(0,0,0,.04); }
section > h2 { font-size: 19px; margin: 0 0 10px; }
section > p { max-width: 100ch; margin: 6px 0; }
h3 { font-size: 15px; margin: 14px 0 6px; }
.table-wrap { overflow-x: auto; margin: 10px 0 16px; }
table { border-collapse: collapse; font-size: 13.5px; min-width: 50%; }
th, td { padding: 5px 12px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
thead th { background: #eef1f5; font-weight: 600; border-bottom: 2px solid #cfd5dd; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th.ref, td.ref { color: var(--muted); font-style: italic; background-image: linear-gradient(#0000, #0000); }
thead th.ref { background: #f3f0e8; }
.na { color: #a0a6ae; }
p.caption, figcaption { color: var(--muted); font-size: 13px; margin: 6px 0 0; max-width: 100ch; }
.figures { display: grid; gap: 18px; align-items: start; }
figure { margin: 0; padding: 8px; border: 1px solid var(--line); border-radius: 8px; background: #fff; overflow-x: auto; }
figure svg { display: block; max-width: 100%; height: auto; }
footer { color: var(--muted); font-size: 12px; margin-top: 30px; }
`;

/** Render the whole page (figures rendered to inline SVG). Returns the HTML text. */
export async function renderReportHtml(data: ReportData): Promise<string> {
  if (typeof data.title !== "string" || !Array.isArray(data.sections)) {
    throw new EngineError("InvalidParameter", "report data needs a title and a sections array", {
      field: "sections",
    });
  }
  const usedIds = new Set<string>();
  const sectionIds = data.sections.map((s) => {
    let id = s.id ?? slug(s.title);
    let k = 2;
    while (usedIds.has(id)) id = `${s.id ?? slug(s.title)}-${k++}`;
    usedIds.add(id);
    return id;
  });
  let figureNo = 0;
  const renderFigure = async (f: FigureSpec): Promise<string> => {
    figureNo++;
    const svg = prepareInlineSvg(await renderFigureSvg(f), `f${figureNo}`);
    const cap = f.caption ? `<figcaption>${escapeHtml(f.caption)}</figcaption>` : "";
    return `<figure id="figure-${figureNo}" data-kind="${f.kind}">\n${svg}\n${cap}</figure>`;
  };
  const renderSection = async (s: ReportSection, id: string): Promise<string> => {
    const parts: string[] = [`<section id="${escapeHtml(id)}">`, `<h2>${escapeHtml(s.title)}</h2>`];
    for (const p of s.text ?? []) parts.push(`<p>${escapeHtml(p)}</p>`);
    for (const t of s.tables ?? []) parts.push(renderTable(t));
    if (s.figures && s.figures.length > 0) {
      const cols = Math.max(1, Math.floor(s.columns ?? 2));
      const figs: string[] = [];
      for (const f of s.figures) figs.push(await renderFigure(f));
      parts.push(
        `<div class="figures" style="grid-template-columns: repeat(${cols}, minmax(0, 1fr))">\n${figs.join("\n")}\n</div>`,
      );
    }
    parts.push("</section>");
    return parts.join("\n");
  };
  const sections: string[] = [];
  for (let i = 0; i < data.sections.length; i++)
    sections.push(await renderSection(data.sections[i]!, sectionIds[i]!));
  const meta = data.meta
    ? `<dl class="meta">${Object.entries(data.meta)
        .map(
          ([k, v]) =>
            `<dt>${escapeHtml(data.metaLabels?.[k] ?? k)}</dt><dd>${escapeHtml(typeof v === "number" ? (Number.isInteger(v) ? String(v) : formatNumber(v, 4)) : v)}</dd>`,
        )
        .join("")}</dl>`
    : "";
  const toc = `<nav class="toc">${data.sections
    .map((s, i) => `<a href="#${escapeHtml(sectionIds[i]!)}">${escapeHtml(s.title)}</a>`)
    .join("")}</nav>`;
  const notes = data.notes?.length
    ? `<div class="notes">${data.notes.map((p) => `<p>${escapeHtml(p)}</p>`).join("")}</div>`
    : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header class="top">
<h1>${escapeHtml(data.title)}</h1>
${data.subtitle ? `<p class="subtitle">${escapeHtml(data.subtitle)}</p>` : ""}
${meta}
${toc}
</header>
${notes}
${sections.join("\n")}
<footer>Generated by soapgpr. Figures rendered with Vega-Lite; the numbers behind this page are in report.json beside it.</footer>
</main>
</body>
</html>
`;
}

/** JSON text of the report data (docs/json.md: typed arrays written as plain arrays, non-finite numbers as null). */
export function reportJson(data: ReportData): string {
  return jsonText(data, 1);
}

/**
 * Render the report into `dir` (created if missing): `report.html` (self-contained) and `report.json` (the
 * data it was made from). Returns both paths.
 */
export async function renderReport(data: ReportData, dir: string): Promise<{ html: string; json: string }> {
  const html = await renderReportHtml(data);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new EngineError(
      "IOError",
      `cannot create report directory: ${(e as Error).message}`,
      { file: dir },
      { cause: e },
    );
  }
  const htmlPath = path.join(dir, "report.html");
  const jsonPath = path.join(dir, "report.json");
  writeFileAtomic(jsonPath, reportJson(data));
  writeFileAtomic(htmlPath, html);
  return { html: htmlPath, json: jsonPath };
}
