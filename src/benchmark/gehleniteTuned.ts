/**
 * `soapgpr bench gehlenite` (default protocol): does a model whose hypers were chosen by cross-validation alone
 * beat TENSOAP's defaults on real DFT EFGs? Gehlenite Ca2Al2SiO7 (288-atom CASTEP cells, shared/data/magres/
 * gehlenite), split by cell (seeded 4:1). Per species, on the training cells only: a Box–Behnken search of rc, σ
 * and reg (log) with ζ ∈ {1, 2, 3} by k-fold CV by cell (src/search/hyperSearch.ts), then a refit on every training
 * environment (no cap) and predictions for every test environment. Beside it, on the same split and the same test
 * atoms: TENSOAP's defaults (its parity preset: hard cutoff, rc 4 Å, σ 0.3 Å, nmax 8, lmax 6, ζ 2, reg 1e-6).
 *
 * Species with many environments per cell (¹⁷O: 168 per cell, 5,376 training environments, a dense λ=2 system of
 * n = 26,880) use sparse GPR: the descriptor hypers are searched densely on a seeded subset of the training cells,
 * then M is chosen by CV on all training cells (the smallest M whose CV T2 %RMSE is within `mTolerance` of the
 * best, as the usual one-standard-error rule); TENSOAP's defaults are fitted sparse with the same M (TENSOAP's
 * SA-GPR sparsifies environments the same way).
 *
 * Reported on the test cells for both models: T2 %RMSE, C̃Q and η̃ MAE, CQ MAE (MHz), θ/φ MAE (°), mean q̃ and the
 * ±2σ coverage (src/gpr/evaluate.ts, the metrics `soapgpr evaluate` prints).
 */
import { Dataset } from "../core/dataset.js";
import { atomicNumber, symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import type { MemoryBudget } from "../core/memory.js";
import type { Structure } from "../core/structure.js";
import { loadMagresDataset } from "../datasets/magres.js";
import { evaluatePrediction } from "../gpr/evaluate.js";
import { GprModel } from "../gpr/gpr.js";
import type { EfgSpeciesMetrics } from "../metrics/efg.js";
import { runHyperSearch } from "../search/hyperSearch.js";
import { kFold } from "../search/kfold.js";
import { TENSOAP_PRESET } from "../soap/hypers.js";
import { Rng } from "../core/rng.js";
import type { ReportData } from "../report/types.js";
import { splitStructures } from "./lto.js";

export interface TunedSpeciesConfig {
  readonly symbol: string;
  /** Candidate M (environments) for sparse GPR, chosen by CV; null = full GPR. */
  readonly sparseM: readonly number[] | null;
  /** Training cells the dense hyper search of a sparse species runs on (a seeded subset; all for full GPR). */
  readonly searchCells?: number;
}

export interface TunedConfig {
  readonly name: string;
  readonly species: readonly TunedSpeciesConfig[];
  readonly nmax: number;
  readonly lmax: number;
  readonly rcut: readonly [number, number];
  readonly sigma: readonly [number, number];
  readonly reg: readonly [number, number];
  readonly zetas: readonly number[];
  readonly folds: number;
  readonly rounds: 1 | 2;
  /** Relative tolerance of the M choice (CV T2 %RMSE within (1 + tol) × the best). */
  readonly mTolerance: number;
  /** Cells used in all (a seeded subset; null = every cell of the data). */
  readonly cells: number | null;
}

/** Full size: every environment of the training cells, nmax 8, lmax 6 (TENSOAP's basis). */
export const GEHLENITE_TUNED: TunedConfig = {
  name: "default",
  species: [
    { symbol: "Al", sparseM: null },
    { symbol: "O", sparseM: [500, 1000, 2000], searchCells: 6 },
  ],
  nmax: 8,
  lmax: 6,
  rcut: [3.5, 6],
  sigma: [0.25, 0.6],
  reg: [1e-9, 1e-4],
  zetas: [1, 2, 3],
  folds: 3,
  rounds: 1,
  mTolerance: 0.02,
  cells: null,
};

/** A minute-sized check of the protocol (tests, CI): 10 cells, small basis, ζ 2 only. */
export const GEHLENITE_TUNED_QUICK: TunedConfig = {
  ...GEHLENITE_TUNED,
  name: "quick",
  species: [
    { symbol: "Al", sparseM: null },
    { symbol: "O", sparseM: [40, 120], searchCells: 4 },
  ],
  nmax: 4,
  lmax: 3,
  zetas: [2],
  folds: 2,
  cells: 10,
};

/** TENSOAP's defaults (its sagpr defaults; ANCHORS.md), fitted by our engine with the parity preset. */
export const TENSOAP_DEFAULTS = { rcut: 4, sigma: 0.3, nmax: 8, lmax: 6, zeta: 2, reg: 1e-6 } as const;

export interface TunedSettings {
  rcut: number;
  sigma: number;
  reg: number;
  zeta: number;
  nmax: number;
  lmax: number;
  /** "default" (our smooth-cutoff λ-SOAP) or "tensoap" (TENSOAP parity preset) */
  preset: "default" | "tensoap";
  sparseM: number | null;
}

/** Test-set metrics of one model (units in the names). */
export interface TunedMetrics {
  n: number;
  t2PercentRmse: number;
  cqTildeMae: number;
  etaTildeMae: number;
  cqMaeMHz: number | null;
  thetaMaeDeg: number;
  phiMaeDeg: number;
  qMean: number;
  coverage2sigma: number | null;
}

export interface TunedModelResult {
  settings: TunedSettings;
  metrics: TunedMetrics;
  fitSeconds: number;
  predictSeconds: number;
}

export interface TunedSpeciesResult {
  element: string;
  nTrainStructures: number;
  nTestStructures: number;
  nTrainEnv: number;
  nTestEnv: number;
  searched: TunedModelResult & {
    /** CV objective at the optimum (mean of C̃Q MAE, η̃ MAE, 1 − q̃) */
    cvScore: number;
    /** CV T2 %RMSE per candidate M (sparse species only) */
    mCurve: { m: number; cvT2PercentRmse: number }[] | null;
  };
  tensoap: TunedModelResult;
  search: { evaluations: number; kernelSets: number; seconds: number; cells: number };
  /** searched model better than TENSOAP's defaults on the test cells */
  beats: { t2: boolean; cq: boolean | null };
}

export interface TunedResult {
  config: TunedConfig;
  seed: number;
  cells: number;
  species: TunedSpeciesResult[];
  seconds: number;
}

function metricsOf(h: EfgSpeciesMetrics, coverage: number | null): TunedMetrics {
  return {
    n: h.n,
    t2PercentRmse: h.t2.percentRmse,
    cqTildeMae: h.cqTilde.mae,
    etaTildeMae: h.etaTilde.mae,
    cqMaeMHz: h.cq ? h.cq.mae : null,
    thetaMaeDeg: h.theta.mae,
    phiMaeDeg: h.phi.mae,
    qMean: h.q.mean,
    coverage2sigma: coverage,
  };
}

function modelOf(z: number, s: TunedSettings, channels: readonly number[], seed: number): GprModel {
  const basis = { maxRadial: s.nmax, maxAngular: s.lmax };
  const hypers =
    s.preset === "tensoap"
      ? {
          ...TENSOAP_PRESET,
          cutoff: { ...TENSOAP_PRESET.cutoff, radius: s.rcut },
          density: { ...TENSOAP_PRESET.density, width: s.sigma },
          basis: { ...TENSOAP_PRESET.basis, ...basis },
          species: [...channels],
        }
      : { cutoff: { radius: s.rcut }, density: { width: s.sigma }, basis, species: [...channels] };
  return new GprModel({
    species: z,
    lambda: 2,
    target: "efg",
    zeta: s.zeta,
    reg: s.reg,
    // the reg of each arm as chosen (by CV, or TENSOAP's default), not re-estimated by maximum likelihood
    noise: "fixed",
    descriptor: { kind: "lambda-soap", hypers },
    ...(s.sparseM !== null ? { sparse: { m: s.sparseM, seed } } : {}),
  });
}

/** Fit on `train`, predict `test` with variances, the EFG metrics of the test atoms. */
async function fitAndScore(
  z: number,
  s: TunedSettings,
  channels: readonly number[],
  train: readonly Structure[],
  test: readonly Structure[],
  seed: number,
  log: (line: string) => void,
): Promise<TunedModelResult & { nTrain: number }> {
  const t0 = performance.now();
  const model = modelOf(z, s, channels, seed);
  const rep = await model.fit(Dataset.fromArrays(train, ["efg"]), { log });
  const t1 = performance.now();
  const pred = await model.predict(test, { variance: true });
  const t2 = performance.now();
  const ev = evaluatePrediction(Dataset.fromArrays(test, ["efg"]), pred, "efg");
  if (!ev.harper)
    throw new EngineError("InvalidParameter", `${symbolOf(z)}: no EFG metrics of the test atoms`);
  return {
    settings: s,
    metrics: metricsOf(ev.harper as EfgSpeciesMetrics, ev.coverage2sigma),
    fitSeconds: (t1 - t0) / 1000,
    predictSeconds: (t2 - t1) / 1000,
    nTrain: rep.nTrain,
  };
}

/** Mean over folds (by cell, the search's folds) of the T2 %RMSE of sparse models with M environments. */
async function chooseM(
  z: number,
  base: TunedSettings,
  candidates: readonly number[],
  cfg: TunedConfig,
  channels: readonly number[],
  train: readonly Structure[],
  seed: number,
  log: (line: string) => void,
): Promise<{ m: number; curve: { m: number; cvT2PercentRmse: number }[] }> {
  const folds = kFold(train.length, cfg.folds, seed);
  const curve: { m: number; cvT2PercentRmse: number }[] = [];
  for (const m of candidates) {
    let total = 0;
    for (const f of folds) {
      const tr = f.trainGroups.map((i) => train[i]!);
      const te = f.testGroups.map((i) => train[i]!);
      const model = modelOf(z, { ...base, sparseM: m }, channels, seed);
      await model.fit(Dataset.fromArrays(tr, ["efg"]));
      const pred = await model.predict(te, { variance: false });
      const ev = evaluatePrediction(Dataset.fromArrays(te, ["efg"]), pred, "efg");
      total += (ev.harper as EfgSpeciesMetrics).t2.percentRmse;
    }
    // the mean over folds of each fold's T2 %RMSE
    const pct = total / folds.length;
    curve.push({ m, cvT2PercentRmse: pct });
    log(`${symbolOf(z)}: sparse M = ${m}: CV T2 %RMSE ${pct.toFixed(3)}`);
  }
  const best = Math.min(...curve.map((c) => c.cvT2PercentRmse));
  const m = curve.find((c) => c.cvT2PercentRmse <= best * (1 + cfg.mTolerance))!.m;
  return { m, curve };
}

/** Run the searched-vs-TENSOAP-defaults protocol. */
// long: the protocol read top to bottom per species (search, M by CV for sparse species, refit, TENSOAP side by side)
export async function runGehleniteTuned(o: {
  data: string | readonly string[];
  config: TunedConfig;
  seed: number;
  only?: readonly string[];
  memory?: MemoryBudget;
  log?: (line: string) => void;
}): Promise<TunedResult> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const cfg = o.config;
  const all = loadMagresDataset(o.data, { target: "efg" }).structures;
  const cells =
    cfg.cells === null || cfg.cells >= all.length
      ? all
      : new Rng(o.seed)
          .shuffle([...all.keys()])
          .slice(0, cfg.cells)
          .sort((a, b) => a - b)
          .map((i) => all[i]!);
  if (cells.length < 5) {
    throw new EngineError("InvalidParameter", `need at least 5 cells, found ${cells.length}`, {
      field: "data",
    });
  }
  const split = splitStructures(cells.length, cells.length, 0.8, o.seed);
  const train = split.train.map((i) => cells[i]!);
  const test = split.test.map((i) => cells[i]!);
  const channels = [...new Set(cells.flatMap((s) => [...s.numbers]))].sort((a, b) => a - b);
  log(`${cells.length} cells: ${train.length} training, ${test.length} test (seed ${o.seed}), split by cell`);
  const out: TunedSpeciesResult[] = [];
  for (const sp of cfg.species.filter((s) => !o.only || o.only.includes(s.symbol))) {
    const z = atomicNumber(sp.symbol);
    const searchSet =
      sp.sparseM && sp.searchCells && sp.searchCells < train.length
        ? new Rng(o.seed).shuffle([...train]).slice(0, sp.searchCells)
        : train;
    log(
      `${sp.symbol}: Box–Behnken search (rc, σ, reg; ζ ∈ {${cfg.zetas.join(", ")}}), ${cfg.folds}-fold CV on ${searchSet.length} training cells`,
    );
    const ts = performance.now();
    const r = await runHyperSearch({
      structures: searchSet,
      species: z,
      lambda: 2,
      target: "efg",
      rcut: cfg.rcut,
      sigma: cfg.sigma,
      reg: cfg.reg,
      zetas: cfg.zetas,
      nmax: cfg.nmax,
      lmax: cfg.lmax,
      folds: cfg.folds,
      seed: o.seed,
      rounds: cfg.rounds,
      ...(o.memory ? { memory: o.memory } : {}),
      log,
    });
    const b = r.best;
    let settings: TunedSettings = {
      rcut: b.rcut,
      sigma: b.sigma,
      reg: b.reg,
      zeta: b.zeta,
      nmax: cfg.nmax,
      lmax: cfg.lmax,
      preset: "default",
      sparseM: null,
    };
    let mCurve: TunedSpeciesResult["searched"]["mCurve"] = null;
    if (sp.sparseM) {
      const c = await chooseM(z, settings, sp.sparseM, cfg, channels, train, o.seed, log);
      settings = { ...settings, sparseM: c.m };
      mCurve = c.curve;
    }
    const searchSeconds = (performance.now() - ts) / 1000;
    log(
      `${sp.symbol}: optimum rc ${b.rcut.toPrecision(3)} Å, σ ${b.sigma.toPrecision(3)} Å, reg ${b.reg.toExponential(2)}, ζ ${b.zeta}${settings.sparseM ? `, M ${settings.sparseM}` : ""}; refit on every training environment`,
    );
    const searched = await fitAndScore(z, settings, channels, train, test, o.seed, log);
    log(`${sp.symbol}: TENSOAP defaults on the same split`);
    const tensoap = await fitAndScore(
      z,
      // TENSOAP's basis is nmax 8, lmax 6 (the default config's); a reduced config reduces both arms alike
      { ...TENSOAP_DEFAULTS, nmax: cfg.nmax, lmax: cfg.lmax, preset: "tensoap", sparseM: settings.sparseM },
      channels,
      train,
      test,
      o.seed,
      log,
    );
    const sm = searched.metrics;
    const tm = tensoap.metrics;
    out.push({
      element: sp.symbol,
      nTrainStructures: train.length,
      nTestStructures: test.length,
      nTrainEnv: searched.nTrain,
      nTestEnv: sm.n,
      searched: {
        settings: searched.settings,
        metrics: sm,
        fitSeconds: searched.fitSeconds,
        predictSeconds: searched.predictSeconds,
        cvScore: b.score,
        mCurve,
      },
      tensoap: {
        settings: tensoap.settings,
        metrics: tm,
        fitSeconds: tensoap.fitSeconds,
        predictSeconds: tensoap.predictSeconds,
      },
      search: {
        evaluations: r.search.evaluations.length,
        kernelSets: r.kernelSets,
        seconds: searchSeconds,
        cells: searchSet.length,
      },
      beats: {
        t2: sm.t2PercentRmse < tm.t2PercentRmse,
        cq: sm.cqMaeMHz !== null && tm.cqMaeMHz !== null ? sm.cqMaeMHz < tm.cqMaeMHz : null,
      },
    });
  }
  return {
    config: cfg,
    seed: o.seed,
    cells: cells.length,
    species: out,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The comparison as a plain-text table (units in the header). */
export function tunedText(res: TunedResult): string {
  const head =
    "species model            settings                                        T2 %RMSE  C̃Q MAE  η̃ MAE   CQ MAE/MHz  θ MAE/°  φ MAE/°  q̃ mean   ±2σ cov  fit/s";
  const lines = [
    `soapgpr bench gehlenite (${res.config.name}, seed ${res.seed}): searched by CV on the training cells vs TENSOAP's defaults, ${res.cells} CASTEP cells split by cell`,
    head,
  ];
  const f = (x: number | null, d: number) => (x === null ? "—" : x.toFixed(d));
  for (const s of res.species) {
    for (const [label, m] of [
      ["searched (CV)", s.searched],
      ["TENSOAP defaults", s.tensoap],
    ] as const) {
      const st = m.settings;
      const set = `rc ${st.rcut.toPrecision(3)} σ ${st.sigma.toPrecision(3)} ζ ${st.zeta} reg ${st.reg.toExponential(1)}${st.sparseM ? ` M ${st.sparseM}` : ""}`;
      const x = m.metrics;
      lines.push(
        `${s.element.padEnd(7)} ${label.padEnd(16)} ${set.padEnd(47)} ${f(x.t2PercentRmse, 3).padStart(8)}  ${f(x.cqTildeMae, 4).padStart(6)}  ${f(x.etaTildeMae, 4).padStart(6)}  ${f(x.cqMaeMHz, 4).padStart(10)}  ${f(x.thetaMaeDeg, 2).padStart(7)}  ${f(x.phiMaeDeg, 2).padStart(7)}  ${f(x.qMean, 5).padStart(7)}  ${x.coverage2sigma === null ? "—" : `${(100 * x.coverage2sigma).toFixed(1)} %`.padStart(7)}  ${m.fitSeconds.toFixed(1).padStart(5)}`,
      );
    }
    lines.push(
      `        ${s.nTrainEnv} training / ${s.nTestEnv} test environments; search ${s.search.evaluations} evaluations on ${s.search.cells} cells, ${s.search.seconds.toFixed(0)} s; ` +
        `searched beats TENSOAP defaults: T2 %RMSE ${s.beats.t2 ? "yes" : "no"}, CQ MAE ${s.beats.cq === null ? "—" : s.beats.cq ? "yes" : "no"}` +
        (s.searched.mCurve
          ? `; M by CV: ${s.searched.mCurve.map((c) => `${c.m} → ${c.cvT2PercentRmse.toFixed(3)}`).join(", ")}`
          : ""),
    );
  }
  lines.push(
    `total ${res.seconds.toFixed(1)} s. Anchor (ANCHORS.md, TENSOAP on 27Al, 1920 train / 432 test): T2 %RMSE ≈ 0.42, CQ MAE ≈ 0.015 MHz.`,
  );
  return lines.join("\n");
}

/** The comparison as an HTML report (one table per species; units in the column names). */
export function tunedReport(res: TunedResult, meta: { source: string; command: string }): ReportData {
  const columns = [
    "model",
    "rc / Å",
    "σ / Å",
    "ζ",
    "reg",
    "M",
    "T2 %RMSE",
    "C̃Q MAE",
    "η̃ MAE",
    "CQ MAE / MHz",
    "θ MAE / °",
    "φ MAE / °",
    "q̃ mean",
    "±2σ coverage / %",
    "fit / s",
  ];
  const row = (label: string, m: TunedModelResult) => {
    const s = m.settings;
    const x = m.metrics;
    return [
      label,
      s.rcut,
      s.sigma,
      s.zeta,
      s.reg,
      s.sparseM,
      x.t2PercentRmse,
      x.cqTildeMae,
      x.etaTildeMae,
      x.cqMaeMHz,
      x.thetaMaeDeg,
      x.phiMaeDeg,
      x.qMean,
      x.coverage2sigma === null ? null : 100 * x.coverage2sigma,
      m.fitSeconds,
    ];
  };
  return {
    title: "Hypers by cross-validation vs TENSOAP's defaults — gehlenite (CASTEP DFT EFGs)",
    subtitle: `${res.cells} cells split by cell (seed ${res.seed}); search on the training cells only`,
    meta: { data: meta.source, command: meta.command, totalSeconds: Number(res.seconds.toFixed(1)) },
    metaLabels: { totalSeconds: "total time / s" },
    notes: [
      "TENSOAP's defaults (hard cutoff, rc 4 Å, σ 0.3 Å, nmax 8, lmax 6, ζ 2, reg 1e-6) are fitted by this engine with " +
        "its TENSOAP parity preset, on the same training cells and scored on the same test atoms.",
    ],
    sections: res.species.map((s) => ({
      title: `${s.element}: searched vs TENSOAP defaults`,
      text: [
        `${s.nTrainEnv} training and ${s.nTestEnv} test environments; search: ${s.search.evaluations} evaluations on ` +
          `${s.search.cells} training cells in ${s.search.seconds.toFixed(0)} s (CV objective ${s.searched.cvScore.toPrecision(3)}).` +
          (s.searched.mCurve
            ? ` M by CV (mean fold T2 %RMSE): ${s.searched.mCurve.map((c) => `${c.m}: ${c.cvT2PercentRmse.toPrecision(3)}`).join(", ")}.`
            : ""),
      ],
      tables: [
        {
          columns,
          rows: [row("searched (CV)", s.searched), row("TENSOAP defaults", s.tensoap)],
          digits: 4,
        },
      ],
    })),
  };
}
