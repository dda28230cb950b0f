import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPeakRegions } from "../../src/analysis/peaks.js";
import { Rng } from "../../src/core/rng.js";
import {
  figureToVegaLite,
  histogram,
  peakHistogramFigure,
  renderFigureSvg,
} from "../../src/report/charts.js";
import {
  comparisonTable,
  OURS_LABEL,
  PAPER_LABEL,
  prepareInlineSvg,
  renderReport,
  renderTable,
} from "../../src/report/html.js";
import { formatNumber, maeAndPearson } from "../../src/report/stats.js";
import type { FigureSpec, ReportData } from "../../src/report/types.js";

/** Elements of the SVG group whose class ends with `<name>_marks` (vega: one <path>/<line> per datum). */
function marksIn(svg: string, name: string, tag = "path"): number {
  const start = svg.indexOf(`${name}_marks"`);
  if (start < 0) return 0;
  // The group ends at the first "</g>" after its children (mark items are leaf elements).
  const end = svg.indexOf("</g>", start);
  return (svg.slice(start, end).match(new RegExp(`<${tag}[ >]`, "g")) ?? []).length;
}

const rng = new Rng(9);
const N = 137;
const ref = Array.from({ length: N }, () => rng.normal());
const pred = ref.map((v) => v + 0.1 * rng.normal());
const peaksInput = [
  ...Array.from({ length: 800 }, () => -30 + 4 * rng.normal()),
  ...Array.from({ length: 900 }, () => 25 + 5 * rng.normal()),
];
const pk = findPeakRegions(peaksInput, { binWidth: 2 });

const parity: FigureSpec = {
  kind: "parity",
  title: "C̃Q parity",
  label: "C̃Q",
  distribution: true,
  series: [{ name: "7Li", reference: Float64Array.from(ref), predicted: pred }],
};
const parity2: FigureSpec = {
  kind: "parity",
  title: "ω_Q parity",
  label: "ω_Q / kHz",
  band: { halfWidth: 10, label: "SAE-NMR error range" },
  series: [
    { name: "a", reference: ref.slice(0, 50), predicted: pred.slice(0, 50) },
    { name: "b", reference: ref.slice(50, 80), predicted: pred.slice(50, 80) },
  ],
};
const lcN = [10, 20, 40, 80, 160];
const learning: FigureSpec = {
  kind: "learningCurve",
  title: "learning curves",
  series: [
    { name: "C̃Q", group: "scalar λ=0", n: lcN, value: [0.5, 0.4, 0.35, 0.3, 0.28] },
    { name: "C̃Q", group: "tensorial λ=2", n: lcN, value: [0.3, 0.2, 0.12, 0.08, 0.05] },
    // A zero cannot be drawn on a log axis: 4 markers, not 5.
    { name: "θ", group: "tensorial λ=2", n: lcN, value: [9, 6, 4, 0, 2] },
  ],
};
const dist: FigureSpec = {
  kind: "distribution",
  title: "θ distribution",
  label: "θ / °",
  reference: { name: "reference", values: ref },
  predicted: [{ name: "ML", values: pred }],
  bins: 25,
};
const peakFig: FigureSpec = peakHistogramFigure(pk, "ω_Q histogram");

const data: ReportData = {
  title: "Test report <with> & markup",
  subtitle: "synthetic",
  meta: { seed: 9, "time / s": 1.25 },
  notes: ["A note <b>not bold</b>."],
  sections: [
    {
      title: "Table",
      tables: [
        comparisonTable([
          { species: "7Li", model: "tensorial λ=2", quantity: "C̃Q MAE", ours: 0.0712, paper: 0.06 },
          { species: "7Li", model: "scalar λ=0", quantity: "θ MAE / °", ours: 26.54, paper: null },
        ]),
      ],
    },
    { title: "Parity", figures: [parity, parity2, dist] },
    { title: "Curves and peaks", figures: [learning, peakFig], columns: 1 },
  ],
};

let dir = "";
let html = "";
let files: { html: string; json: string };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "soapgpr-report-"));
  files = await renderReport(data, path.join(dir, "out"));
  html = await readFile(files.html, "utf8");
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("renderReport", () => {
  it("writes a self-contained page and the JSON it was made from, atomically", async () => {
    expect(path.basename(files.html)).toBe("report.html");
    expect((await readdir(path.dirname(files.html))).sort()).toEqual(["report.html", "report.json"]);
    // No external resources of any kind: no scripts, no src/href to other documents, no url(), no imports.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\ssrc=/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/url\((?!#)/i);
    expect(html).not.toMatch(/https?:/i);
    for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]!.startsWith("#")).toBe(true);
    const json = JSON.parse(await readFile(files.json, "utf8"));
    expect(json.title).toBe(data.title);
    // Typed arrays are written as plain arrays with the same numbers.
    expect(json.sections[1].figures[0].series[0].reference).toEqual(ref);
    expect(json.sections[2].figures[1].counts).toEqual(pk.counts);
  });

  it("has one inline <svg> per figure, with unique ids", () => {
    expect((html.match(/<svg[\s>]/g) ?? []).length).toBe(5);
    expect((html.match(/<figure /g) ?? []).length).toBe(5);
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("escapes user text and labels ours vs the paper", () => {
    expect(html).toContain("Test report &lt;with&gt; &amp; markup");
    expect(html).toContain("A note &lt;b&gt;not bold&lt;/b&gt;.");
    expect(html).toContain(OURS_LABEL);
    expect(html).toContain(PAPER_LABEL);
    expect(OURS_LABEL).toBe("ours: point-charge");
    expect(PAPER_LABEL).toBe("paper: DFT LTO-EFG");
    expect(html).toContain('<td class="num">0.0712</td>');
    expect(html).toContain('<span class="na">—</span>');
  });
});

describe("issue 17 item 4: one metric for plot and table, clean subtitles, aligned bounds, learning-curve ticks", () => {
  it("a series' own MAE (the table's metric) is the one in the plot title", async () => {
    const svg = await renderFigureSvg({
      ...parity,
      distribution: false,
      series: [{ ...parity.series[0]!, mae: 7.98 }],
    });
    expect(svg).toContain(`MAE ${formatNumber(7.98, 2)} ·`);
    expect(svg).not.toContain(`MAE ${formatNumber(maeAndPearson(ref, pred).mae, 2)} ·`);
  });

  it("the band subtitle is its label, once: no nested '±10 (±10 kHz (…))'", async () => {
    const svg = await renderFigureSvg({
      ...parity2,
      band: { halfWidth: 10, label: "±10 kHz, the SAE-NMR error range" },
    });
    expect(svg).toContain("shaded: ±10 kHz, the SAE-NMR error range");
    expect(svg).not.toMatch(/±10 \(/);
  });

  it("a bound such as '> 10' is right-aligned like the numbers; words stay left", () => {
    const t = renderTable({
      columns: ["q", "v"],
      rows: [
        ["ω_Q MAE", "> 10"],
        ["note", "n/a"],
      ],
    });
    expect(t).toContain('<td class="num">&gt; 10</td>');
    expect(t).toContain("<td>n/a</td>");
  });

  it("learning curves: a tick at every training size, the end sizes included", () => {
    const spec = JSON.stringify(figureToVegaLite(learning));
    expect(spec).toContain(`"values":[${lcN.join(",")}]`);
  });
});

describe("figure SVGs", () => {
  it("parity plot: one point mark per pair, histogram bars per bin, MAE and r in the title", async () => {
    const svg = await renderFigureSvg(parity);
    expect(marksIn(svg, "points")).toBe(N);
    // Distribution panel: one reference bar per bin (default 40 bins).
    expect(marksIn(svg, "bars")).toBe(40);
    const s = maeAndPearson(ref, pred);
    expect(svg).toContain(`MAE ${formatNumber(s.mae, 2)} · r ${s.r.toFixed(2)} · n ${N}`);
    // Above maxPoints a seeded subsample is drawn, and the title still reports statistics over all pairs.
    const svgSub = await renderFigureSvg({ ...parity, distribution: false, maxPoints: 60 });
    expect(marksIn(svgSub, "points")).toBe(60);
    expect(svgSub).toContain(`n ${N}`);
    expect(svgSub).toContain(`60 of ${N} points drawn`);
    const svg2 = await renderFigureSvg(parity2);
    expect(marksIn(svg2, "points")).toBe(80);
    expect(svg2).toContain("SAE-NMR error range");
  });

  it("learning curves: one marker per positive point", async () => {
    const svg = await renderFigureSvg(learning);
    // Faceted: a markers group per panel; count them all.
    let total = 0;
    let from = 0;
    for (;;) {
      const i = svg.indexOf('markers_marks"', from);
      if (i < 0) break;
      total += marksIn(svg.slice(i - 40), "markers");
      from = i + 1;
    }
    expect(total).toBe(5 + 5 + 4);
  });

  it("peak histogram: one bar per non-empty bin, one label per region", async () => {
    const svg = await renderFigureSvg(peakFig);
    expect(marksIn(svg, "bars")).toBe(pk.counts.filter((c) => c > 0).length);
    expect(pk.regions.length).toBe(2);
    for (const r of pk.regions) expect(svg).toContain(`(n ${r.members})`);
  });

  it("distribution: reference bars match an independent histogram count", async () => {
    const svg = await renderFigureSvg(dist);
    expect(marksIn(svg, "bars")).toBe(25);
    const lo = Math.min(...ref, ...pred);
    const hi = Math.max(...ref, ...pred);
    const c = histogram(ref, lo, hi, 25);
    expect(c.reduce((a, b) => a + b, 0)).toBe(N);
    // Direct count per bin by filtering (the last bin is closed on the right).
    const w = (hi - lo) / 25;
    for (const b of [0, 7, 24]) {
      const direct = ref.filter((v) => v >= lo + b * w && (b === 24 ? v <= hi : v < lo + (b + 1) * w)).length;
      expect(c[b]).toBe(direct);
    }
  });
});

describe("helpers", () => {
  it("maeAndPearson matches hand-computed values", () => {
    // ref 1,2,3 / pred 1,3,2: MAE = 2/3; r = cov/(sd sd) = 0.5/1 = 0.5.
    const s = maeAndPearson([1, 2, 3], [1, 3, 2]);
    expect(s.mae).toBeCloseTo(2 / 3, 15);
    expect(s.r).toBeCloseTo(0.5, 15);
    expect(Number.isNaN(maeAndPearson([1, 1], [1, 2]).r)).toBe(true);
    expect(() => maeAndPearson([1], [1, 2])).toThrow(/predicted 2/);
  });

  it("formats numbers with significant digits and a true minus sign", () => {
    expect(formatNumber(0.06)).toBe("0.0600");
    expect(formatNumber(26.54)).toBe("26.5");
    expect(formatNumber(-4.7, 2)).toBe("−4.7");
    expect(formatNumber(1.2e-5, 2)).toBe("1.2e−5");
    expect(formatNumber(Number.NaN)).toBe("—");
  });

  it("rejects ragged tables and prefixes SVG ids", () => {
    expect(() => renderTable({ columns: ["a", "b"], rows: [[1]] })).toThrow(/1 cells for 2 columns/);
    const s = prepareInlineSvg(
      '<svg xmlns="http://www.w3.org/2000/svg"><clipPath id="clip1"/><g clip-path="url(#clip1)"/></svg>',
      "f3",
    );
    expect(s).toBe('<svg role="img"><clipPath id="f3-clip1"/><g clip-path="url(#f3-clip1)"/></svg>');
  });
});
