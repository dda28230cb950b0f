/**
 * Presentation of benchmark results: the ours-vs-paper table (plain text for stdout, ReportTable for the HTML
 * report), compact JSON, and the report sections (parity plots and distributions as Harper Fig. 3, ω_Q parity
 * as Fig. 4, learning curves as Fig. 5).
 */
import type { FigureSpec, ReportSection, ReportTable } from "../report/types.js";
import type { SpectraComparison } from "./spectraCompare.js";
import type { EfgBenchResult } from "./efgBench.js";
import { HARPER_LI, OURS_LABEL, PAPER_LABEL, type PaperNumbers } from "./paper.js";

type Num = number | string | null;

export interface TableRow {
  quantity: string;
  tensorial: Num;
  scalar: Num;
  paperTensorial: Num;
  paperScalar: Num;
}

/** The metric rows of one species (paper columns filled for Li only: the main text reports ⁷Li). */
export function metricRows(r: EfgBenchResult, withPaper: boolean): TableRow[] {
  const t = r.tensorial;
  const s = r.scalar;
  const pt: PaperNumbers | null = withPaper && r.element === "Li" ? HARPER_LI.tensorial : null;
  const ps: PaperNumbers | null = withPaper && r.element === "Li" ? HARPER_LI.scalar : null;
  const row = (quantity: string, a: Num, b: Num, c: Num | undefined, d: Num | undefined): TableRow => ({
    quantity,
    tensorial: a,
    scalar: b,
    paperTensorial: c ?? null,
    paperScalar: d ?? null,
  });
  return [
    row("C̃Q MAE", t.cqTilde.mae, s.cqTilde.mae, pt?.cqTildeMae, ps?.cqTildeMae),
    row("C̃Q Pearson r", t.cqTilde.r, s.cqTilde.r, pt?.cqTildeR, ps?.cqTildeR),
    row("η̃ MAE", t.etaTilde.mae, s.etaTilde.mae, pt?.etaTildeMae, ps?.etaTildeMae),
    row("η̃ Pearson r", t.etaTilde.r, s.etaTilde.r, pt?.etaTildeR, ps?.etaTildeR),
    row("θ MAE / °", t.efg.theta.mae, s.theta.mae, pt?.thetaMae, ps?.thetaMae),
    row("θ MAE / ° (corrected)", t.efg.thetaCorrected.mae, null, pt?.thetaMaeCorrected, null),
    row("θ Pearson r", t.efg.theta.r, s.theta.r, pt?.thetaR, ps?.thetaR),
    row("φ MAE / °", t.efg.phi.mae, s.phi.mae, pt?.phiMae, ps?.phiMae),
    row("φ MAE / ° (corrected)", t.efg.phiCorrected.mae, null, pt?.phiMaeCorrected, null),
    row("φ Pearson r", t.efg.phi.r, s.phi.r, pt?.phiR, ps?.phiR),
    row("ω_Q MAE / kHz", t.efg.omegaQ?.mae ?? null, s.omegaQ?.mae ?? null, pt?.wqMae, ps?.wqMae),
    row("ω_Q MAE / kHz, scalar via eq. 5", null, s.omegaQFromScalars?.mae ?? null, null, ps ? "> 10" : null),
    row("q̃ mean", t.efg.q.mean, null, null, null),
    row("q̃ 10th percentile", t.efg.q.p10, null, null, null),
    row("MAE(V_ij) / a.u.", t.efg.maeVij, null, null, null),
  ];
}

function fmt(v: Num, digits = 3): string {
  if (v === null) return "—";
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  const d = a >= 100 ? 1 : a >= 10 ? 2 : digits;
  return v.toFixed(d);
}

const g = (x: number) => Number(x.toPrecision(3));

/** One line stating the hyperparameters of both models. */
export function hyperText(r: EfgBenchResult): string {
  const a = r.soap;
  const b = r.scalarSoap;
  return (
    `λ=2: rc ${g(a.cutoff.radius)} Å σ ${g(a.density.width)} Å ζ ${r.tensorialSettings.zeta} reg ${r.tensorialSettings.reg.toExponential(1)}` +
    (r.uncertainty.noise === "ml" ? ` → ${r.uncertainty.reg.toExponential(1)} (maximum likelihood)` : "") +
    "; " +
    `λ=0: rc ${g(b.cutoff.radius)} Å σ ${g(b.density.width)} Å ζ ${r.scalarSettings.zeta} reg ${r.scalarSettings.reg.toExponential(1)}; ` +
    `nmax ${a.basis.maxRadial} lmax ${a.basis.maxAngular}`
  );
}

/** Plain-text table of all species (stdout). Paper columns for ⁷Li when `withPaper`. */
export function formatTable(
  results: readonly EfgBenchResult[],
  title: string,
  withPaper = true,
  oursLabel = OURS_LABEL,
): string {
  const lines: string[] = [title];
  for (const r of results) {
    lines.push("");
    lines.push(
      `${r.isotope ?? r.element}: ${r.nTrainEnv} training / ${r.nTestEnv} test environments ` +
        `(${r.nTrainStructures}/${r.nTestStructures} structures); ${hyperText(r)}`,
    );
    const head = ["quantity", "tensorial", "scalar"];
    const hasPaper = withPaper && r.element === "Li";
    if (hasPaper) head.push("tensorial", "scalar");
    const w0 = 44;
    const w = 11;
    const top = hasPaper
      ? `${"".padEnd(w0)}${oursLabel.padStart(2 * w)}${PAPER_LABEL.padStart(2 * w + 2)}`
      : `${"".padEnd(w0)}${oursLabel.padStart(2 * w)}`;
    lines.push(top);
    lines.push(
      `${head[0]!.padEnd(w0)}${head
        .slice(1)
        .map((h, i) => (i === 2 ? "  " : "") + h.padStart(w))
        .join("")}`,
    );
    for (const row of metricRows(r, withPaper)) {
      const cells = [row.tensorial, row.scalar].map((v) => fmt(v).padStart(w));
      if (hasPaper) cells.push(`  ${fmt(row.paperTensorial).padStart(w)}`, fmt(row.paperScalar).padStart(w));
      lines.push(`${row.quantity.padEnd(w0)}${cells.join("")}`);
    }
    lines.push(uncertaintyText(r));
  }
  return lines.join("\n");
}

/** ReportTable of one species with the paper columns muted. */
export function reportTable(r: EfgBenchResult, withPaper = true, oursLabel = OURS_LABEL): ReportTable {
  const hasPaper = withPaper && r.element === "Li";
  const columns = hasPaper
    ? ["quantity", `λ=2 ${oursLabel}`, `λ=0 ${oursLabel}`, `λ=2 ${PAPER_LABEL}`, `λ=0 ${PAPER_LABEL}`]
    : ["quantity", `λ=2 ${oursLabel}`, `λ=0 ${oursLabel}`];
  return {
    title: `${r.isotope ?? r.element}: scalar vs tensorial learning`,
    caption:
      `${r.nTrainEnv} training / ${r.nTestEnv} test environments. λ=2: one tensorial model; λ=0: separate scalar ` +
      "models (ω_Q learnt directly; 'via eq. 5': from the scalar C̃Q, η̃, θ, φ). θ, φ errors read the (θ, φ) pair " +
      "as an axis; 'corrected': eigenvalue-ambiguity correction (principal axes matched by signed eigenvalue rank, " +
      "tensorial only). C̃Q, η̃ with Vzz taken positive, as in the paper.",
    columns,
    rows: metricRows(r, withPaper).map((row) =>
      hasPaper
        ? [row.quantity, row.tensorial, row.scalar, row.paperTensorial, row.paperScalar]
        : [row.quantity, row.tensorial, row.scalar],
    ),
    digits: 3,
    ...(hasPaper ? { referenceColumns: [3, 4] } : {}),
  };
}

/** Compact JSON summary (no per-environment arrays). */
export function summaryJson(r: EfgBenchResult): Record<string, unknown> {
  return {
    element: r.element,
    isotope: r.isotope,
    nTrainEnv: r.nTrainEnv,
    nTestEnv: r.nTestEnv,
    nTrainStructures: r.nTrainStructures,
    nTestStructures: r.nTestStructures,
    soap: r.soap,
    tensorialSettings: r.tensorialSettings,
    scalarSettings: r.scalarSettings,
    featureCount: r.featureCount,
    table: metricRows(r, true),
    tensorial: r.tensorial,
    scalar: r.scalar,
    learningCurve: r.curve,
    uncertainty: {
      noise: r.uncertainty.noise,
      reg: r.uncertainty.reg,
      coverage2sigma: r.uncertainty.coverage2sigma,
      calibration: r.uncertainty.calibration,
      cqCoverage2sigma: r.uncertainty.cqCoverage2sigma,
      cqSigmaMeanMHz: r.uncertainty.cqSigmaMean,
    },
    timings: r.timings,
  };
}

/** What C̃Q and η̃ are, printed on the page beside the tables and plots that use them. */
const TILDE_DEFINITIONS =
  "C̃Q and η̃ (Harper et al. 2025) are dimensionless: C̃Q = (|Vzz| − μ)/s, a z-score of |Vzz| with μ and s the mean " +
  "and standard deviation of |Vzz| over the test set's reference tensors; η̃ = η·|Vzz|/μ = |Vxx − Vyy|/μ, the " +
  "asymmetry scaled by the mean |Vzz| instead of the site's own, so it exceeds 1 (up to ~2) at sites with a " +
  "large |Vzz|, where η itself stays ≤ 1.";

/** The table's MAE of each parity quantity (the same metric objects as metricRows), per model. */
function tableMae(r: EfgBenchResult): Record<"scalar" | "tensorial", Record<QuantityKey, number>> {
  const t = r.tensorial;
  const s = r.scalar;
  return {
    tensorial: {
      cqTilde: t.cqTilde.mae,
      etaTilde: t.etaTilde.mae,
      theta: t.efg.theta.mae,
      phi: t.efg.phi.mae,
    },
    scalar: { cqTilde: s.cqTilde.mae, etaTilde: s.etaTilde.mae, theta: s.theta.mae, phi: s.phi.mae },
  };
}

/** `{ mae }` of a metric that may be absent (no quadrupolar isotope). */
const maeOf = (m: { mae: number } | null | undefined) => (m ? { mae: m.mae } : {});

type QuantityKey = "cqTilde" | "etaTilde" | "theta" | "phi";

const QUANTITIES: { key: "cqTilde" | "etaTilde" | "theta" | "phi"; label: string }[] = [
  { key: "cqTilde", label: "C̃Q" },
  { key: "etaTilde", label: "η̃" },
  { key: "theta", label: "θ / °" },
  { key: "phi", label: "φ / °" },
];

/** Report sections of one species: table, Fig. 3 parity/distributions, Fig. 4 ω_Q, Fig. 5 learning curves. */
// long: the sections of one species in the paper's figure order (table, Figs. 3, 4, 5), each a short literal
export function speciesSections(
  r: EfgBenchResult,
  withPaper = true,
  oursLabel = OURS_LABEL,
): ReportSection[] {
  const iso = r.isotope ?? r.element;
  const ref = r.parity.reference;
  const fig3: FigureSpec[] = [];
  const mae = tableMae(r);
  for (const model of ["scalar", "tensorial"] as const) {
    for (const q of QUANTITIES) {
      fig3.push({
        kind: "parity",
        title: `${iso} ${q.label.split(" ")[0]} — ${model === "scalar" ? "scalar λ=0" : "tensorial λ=2"}`,
        label: q.label,
        series: [
          {
            name: model === "scalar" ? "scalar λ=0" : "tensorial λ=2",
            reference: ref[q.key],
            predicted: r.parity[model][q.key],
            mae: mae[model][q.key],
          },
        ],
        distribution: true,
      });
    }
  }
  const sections: ReportSection[] = [
    {
      title: `${iso}: metrics`,
      tables: [reportTable(r, withPaper, oursLabel)],
      text: [
        TILDE_DEFINITIONS,
        `Hyperparameters: ${hyperText(r)}.`,
        `Timings (s): ${Object.entries(r.timings)
          .map(([k, v]) => `${k} ${v.toFixed(1)}`)
          .join(", ")}. Features: F0 = ${r.featureCount.f0} (λ=0), F2 = ${r.featureCount.f2} (λ=2).`,
      ],
    },
    {
      title: `${iso}: scalar vs tensorial predictions (cf. Harper Fig. 3)`,
      text: [
        "Upper panels: distribution of reference values (grey) and ML predictions (colour); lower panels: parity. " +
          "Top row: four separately trained scalar λ=0 models; bottom row: all four derived from one tensorial λ=2 model.",
      ],
      figures: fig3,
      columns: 4,
    },
  ];
  if (r.tensorial.efg.omegaQ) {
    const band = { halfWidth: 10, label: "±10 kHz, the SAE-NMR error range" };
    sections.push({
      title: `${iso}: ω_Q (cf. Harper Fig. 4)`,
      text: [
        "(a) scalar λ=0 model of ω_Q; (b) ω_Q from the scalar C̃Q, η̃, θ, φ models by eq. 5; (c) from the tensorial model. " +
          "The band marks ±10 kHz, roughly the error range of SAE-NMR experiments.",
      ],
      figures: [
        {
          kind: "parity",
          title: `${iso} ω_Q — (a) scalar, direct`,
          label: "ω_Q / kHz",
          series: [
            {
              name: "scalar ω_Q",
              reference: ref.wq,
              predicted: r.parity.scalar.wq,
              ...maeOf(r.scalar.omegaQ),
            },
          ],
          band,
          distribution: true,
        },
        {
          kind: "parity",
          title: `${iso} ω_Q — (b) from scalar models`,
          label: "ω_Q / kHz",
          series: [
            {
              name: "scalar-derived",
              reference: ref.wq,
              predicted: r.parity.scalarDerivedWq,
              ...maeOf(r.scalar.omegaQFromScalars),
            },
          ],
          band,
          distribution: true,
        },
        {
          kind: "parity",
          title: `${iso} ω_Q — (c) tensorial`,
          label: "ω_Q / kHz",
          series: [
            {
              name: "tensorial λ=2",
              reference: ref.wq,
              predicted: r.parity.tensorial.wq,
              ...maeOf(r.tensorial.efg.omegaQ),
            },
          ],
          band,
          distribution: true,
        },
      ],
      columns: 3,
    });
  }
  sections.push(uncertaintySection(r, iso));
  if (r.spectra) sections.push(spectraSection(r.spectra, iso));
  if (r.curve.length > 0) {
    const n = r.curve.map((c) => c.n);
    const series = [];
    for (const [group, key] of [
      ["scalar λ=0", "scalar"],
      ["tensorial λ=2", "tensorial"],
    ] as const) {
      series.push(
        { name: "C̃Q", group, n, value: r.curve.map((c) => c[key].cqTilde) },
        { name: "η̃", group, n, value: r.curve.map((c) => c[key].etaTilde) },
        { name: "θ / °", group, n, value: r.curve.map((c) => c[key].theta) },
        { name: "φ / °", group, n, value: r.curve.map((c) => c[key].phi) },
      );
    }
    series.push({
      name: "V_ij / a.u.",
      group: "tensorial λ=2",
      n,
      value: r.curve.map((c) => c.tensorial.vij),
    });
    sections.push({
      title: `${iso}: learning curves (cf. Harper Fig. 5)`,
      figures: [
        {
          kind: "learningCurve",
          title: `${iso}: test MAE vs training environments`,
          series,
          yLabel: "MAE (C̃Q, η̃ dimensionless; θ, φ in degrees)",
        },
      ],
      columns: 1,
    });
  }
  return sections;
}

const pct = (x: number | null) => (x === null ? "—" : `${(100 * x).toFixed(1)} %`);

/** One line on the tensorial model's predictive uncertainty (noise, ±2σ coverage of T2 and of CQ). */
function uncertaintyText(r: EfgBenchResult): string {
  const u = r.uncertainty;
  return (
    `tensorial λ=2 uncertainty: noise ${u.noise === "ml" ? "by maximum marginal likelihood" : "fixed"} (reg ` +
    `${u.reg.toExponential(2)}); ±2σ coverage of the T2 components ${pct(u.coverage2sigma)} (nominal 95.4 %)` +
    (u.cqCoverage2sigma !== null
      ? `; CQ ± 2σ_CQ (linearised) ${pct(u.cqCoverage2sigma)}, mean σ_CQ ${fmt(u.cqSigmaMean)} MHz`
      : "")
  );
}

/** Calibration of the tensorial model's predictive intervals and its error against the predicted σ. */
function uncertaintySection(r: EfgBenchResult, iso: string): ReportSection {
  const u = r.uncertainty;
  return {
    title: `${iso}: predictive uncertainty of the tensorial model`,
    text: [
      `${uncertaintyText(r)}.`,
      "Left: observed coverage of μ ± zσ over the test T2 components against the coverage a calibrated Gaussian " +
        "gives (erf(z/√2), z = 0.25 … 3); points on the diagonal are calibrated, below it over-confident. Its 'MAE' " +
        "is the mean calibration error in percentage points. Right: per test site, the RMS error of the five T2 " +
        "components against the RMS predicted σ (a.u.); the diagonal is |error| = σ.",
    ],
    figures: [
      {
        kind: "parity",
        title: `${iso} calibration (T2 components)`,
        label: "coverage / %",
        axisTitles: ["nominal coverage / %", "observed coverage / %"],
        series: [
          {
            name: "tensorial λ=2",
            reference: u.calibration.map((p) => 100 * p.nominal),
            predicted: u.calibration.map((p) => 100 * p.observed),
          },
        ],
      },
      {
        kind: "parity",
        title: `${iso} error vs predicted σ`,
        label: "EFG / a.u.",
        axisTitles: ["predicted σ (RMS over T2) / a.u.", "|error| (RMS over T2) / a.u."],
        series: [{ name: "tensorial λ=2", reference: u.sigma, predicted: u.absError }],
      },
    ],
    columns: 2,
  };
}

/** The spectrum a user compares with experiment: ML over the reference, MAS central transition of the test sites. */
function spectraSection(sp: SpectraComparison, iso: string): ReportSection {
  return {
    title: `${iso}: MAS central-transition spectrum of the test sites, ML over the reference`,
    text: [
      `Second-order quadrupolar central transition under infinitely fast MAS at ${sp.fieldT} T, ${sp.sites} test sites, ` +
        `equal weights, Gaussian broadening ${sp.broadeningPpm} ppm FWHM, from the EFG alone (δ_iso = 0 for both). ` +
        `Overlap 1 − ½∫|I_ML − I_ref| dδ = ${sp.overlap.toFixed(4)} (1 = identical line shapes).`,
    ],
    figures: [
      {
        kind: "spectrum",
        title: `${sp.isotope} MAS CT, ${sp.fieldT} T — overlap ${sp.overlap.toFixed(3)}`,
        label: `δ(${sp.isotope}) − δ_iso / ppm`,
        series: [
          {
            name: "reference tensors (DFT or point-charge, as the data)",
            ppm: sp.ppm,
            intensity: sp.reference,
          },
          { name: "tensorial λ=2 model", ppm: sp.ppm, intensity: sp.predicted },
        ],
      },
    ],
    columns: 1,
  };
}
