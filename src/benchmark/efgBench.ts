/**
 * Scalar-vs-tensorial EFG benchmark of one species (Harper et al. 2025, §3.4–3.5, Figs. 3–5), shared by
 * `soapgpr bench lto` and `soapgpr bench gehlenite`:
 * - tensorial: one λ=2 GPR model of the T2 components of the EFG; C̃Q, η̃, θ, φ, q̃ and ω_Q are derived from
 *   the predicted tensors (src/metrics efgMetrics, with and without the eigenvalue-ambiguity correction);
 * - scalar: λ=0 GPR models learnt directly, one per quantity: Vzz (→ C̃Q), Vxx − Vyy (→ η̃), θ, φ and ω_Q
 *   (Fig. 4a); ω_Q is also derived from the four scalar predictions by eq. 5 (Fig. 4b). The five scalar models
 *   share one kernel (same ζ, reg), so they are one Cholesky solve with five right-hand sides.
 * Both sides use the same structures, split, features and test set. Learning curves refit both on nested
 * subsets of the training structures (Fig. 5).
 *
 * Angle errors of the scalar models use the same axis-aware reading as the tensorial ones (src/metrics/angles:
 * the smaller of the two readings of the (θ, φ) pair across the φ = ±90° edge); the ambiguity correction needs
 * eigenvectors and so exists for the tensorial model only.
 */
import type { ComputeBackend } from "../backend/types.js";
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import type { Structure } from "../core/structure.js";
import { axisAngleErrors } from "../metrics/angles.js";
import { type EfgSpeciesMetrics, efgMetrics } from "../metrics/efg.js";
import { type ErrorStats, errorStats, mean, std } from "../metrics/stats.js";
import { absVzzAndEta, efgParams } from "../nmr/efg.js";
import { t2ToCartesian } from "../nmr/spherical.js";
import { type SpectraComparison, compareCtSpectra } from "./spectraCompare.js";
import { fitPredictRaw, fitPredictRawWithVariance, type RawPrediction } from "../gpr/rawFit.js";
import type { Isotope } from "../nmr/isotopes.js";
import { GPR_DEFAULTS, type NoiseMode } from "../gpr/params.js";
import { type CalibrationPoint, calibrationCurve, coverageAt } from "../metrics/calibration.js";
import { efgScalarStd } from "../model/efgUncertainty.js";
import {
  type EnvFeatures,
  kernelDiagBlocks,
  rawKernels,
  scalarPart,
  subsetFeatures,
  withBackend,
} from "../soap/envKernel.js";
import { type SoapSettings, speciesFeatures } from "../soap/speciesFeatures.js";
import { environmentTargets, N_SCALARS, omegaQFromScalars } from "./targets.js";

export interface ModelSettings {
  readonly zeta: number;
  readonly reg: number;
}

export interface EfgBenchOptions {
  readonly structures: readonly Structure[];
  /** Indices of training and test structures. */
  readonly train: readonly number[];
  readonly test: readonly number[];
  /** Centre species (atomic number). */
  readonly species: number;
  readonly soap: SoapSettings;
  /** λ-SOAP settings of the scalar models when they differ from `soap` (e.g. after separate searches). */
  readonly scalarSoap?: SoapSettings;
  readonly tensorial: ModelSettings;
  readonly scalar: ModelSettings;
  /** Per-atom EFG array name (default "efg"). */
  readonly target?: string;
  /** Learning-curve sizes as fractions of the training structures (default 1/16 … 1; [] = none). */
  readonly curveFractions?: readonly number[];
  readonly isotopes?: Readonly<Record<string, string>>;
  /** Cap on training / test environments: a seeded random subset (kept in structure order) when exceeded. */
  readonly maxTrainEnv?: number;
  readonly maxTestEnv?: number;
  /** Seed of that subsampling (default 0). */
  readonly seed?: number;
  readonly log?: (line: string) => void;
  /** Kernel-assembly backend (default: float64 CPU). */
  readonly backend?: ComputeBackend;
  /** Noise of the tensorial model: GprModel's setting (default GPR_DEFAULTS.noise, maximum likelihood). */
  readonly noise?: NoiseMode;
}

/** Predictive uncertainty of the tensorial model on the test set (issue 13 item 5, issue 17 item 5). */
export interface TensorialUncertainty {
  /** reg of the solve (the maximum-likelihood one with noise "ml"). */
  reg: number;
  noise: NoiseMode;
  /** Fraction of T2 components with |ref − μ| ≤ 2σ (nominal 0.954). */
  coverage2sigma: number;
  /** Observed vs nominal coverage of μ ± zσ over the T2 components. */
  calibration: CalibrationPoint[];
  /** Per test environment: RMS over the 5 T2 components of the predicted σ and of the error (a.u.). */
  sigma: number[];
  absError: number[];
  /** CQ ± σ propagated from the T2 covariance (linearisation): fraction with |CQ_ref − CQ| ≤ 2σ_CQ; null without CQ. */
  cqCoverage2sigma: number | null;
  /** Mean predicted σ_CQ (MHz) over the test set; null without CQ. */
  cqSigmaMean: number | null;
}

/** A seeded random subset of `k` items of `list`, in the original order (all of it when k ≥ length). */
function capped(list: number[], k: number | undefined, rng: Rng): number[] {
  if (k === undefined || list.length <= k) return list;
  const pick = rng
    .shuffle([...list.keys()])
    .slice(0, k)
    .sort((a, b) => a - b);
  return pick.map((i) => list[i]!);
}

export interface AngleErrors {
  /** degrees */
  mae: number;
  r: number;
}

export interface ScalarMetrics {
  cqTilde: ErrorStats;
  etaTilde: ErrorStats;
  theta: AngleErrors;
  phi: AngleErrors;
  /** ω_Q learnt directly (kHz); null without a quadrupolar isotope. */
  omegaQ: ErrorStats | null;
  /** ω_Q from the scalar C̃Q, η̃, θ, φ predictions by eq. 5 (kHz). */
  omegaQFromScalars: ErrorStats | null;
}

/** Values for parity plots and distributions (test set). */
export interface ParityValues {
  cqTilde: number[];
  etaTilde: number[];
  theta: number[];
  phi: number[];
  wq: number[];
}

/** Tensorial-model metrics: C̃Q, η̃ in the paper's positive-Vzz convention, the rest from src/metrics. */
export interface TensorialMetrics {
  cqTilde: ErrorStats;
  etaTilde: ErrorStats;
  /** efgMetrics of the predicted tensors (same positive-Vzz convention for C̃Q, η̃; see src/metrics/efg.ts). */
  efg: EfgSpeciesMetrics;
}

export interface CurvePoint {
  /** training environments */
  n: number;
  structures: number;
  /** MAE of C̃Q, η̃ (dimensionless), θ, φ (degrees, as the tables; Harper's Fig. 5 uses radians), ω_Q (kHz) */
  tensorial: { cqTilde: number; etaTilde: number; theta: number; phi: number; wq: number; vij: number };
  scalar: { cqTilde: number; etaTilde: number; theta: number; phi: number; wq: number };
}

export interface EfgBenchResult {
  element: string;
  isotope: string | null;
  nTrainStructures: number;
  nTestStructures: number;
  nTrainEnv: number;
  nTestEnv: number;
  soap: SoapSettings;
  scalarSoap: SoapSettings;
  tensorialSettings: ModelSettings;
  scalarSettings: ModelSettings;
  featureCount: { f0: number; f2: number };
  tensorial: TensorialMetrics;
  scalar: ScalarMetrics;
  parity: {
    reference: ParityValues;
    tensorial: ParityValues;
    scalar: ParityValues;
    /** ω_Q derived from the scalar models' C̃Q, η̃, θ, φ (Fig. 4b) */
    scalarDerivedWq: number[];
  };
  curve: CurvePoint[];
  /** MAS central-transition spectra of the test sites, DFT vs tensorial model (null without a central transition) */
  spectra: SpectraComparison | null;
  /** Predictive uncertainty of the tensorial model (full training set) on the test set. */
  uncertainty: TensorialUncertainty;
  /** seconds per stage */
  timings: Record<string, number>;
  /**
   * The tensorial model's test-set prediction, for maps (e.g. chemiscope): (structure index in the options'
   * `structures`, atom) per test environment, the predicted Cartesian tensors (n × 9, a.u.) and the λ=0 features
   * (n × f0) of the environments.
   */
  test: {
    samples: Int32Array;
    t2: Float64Array;
    cartesian: Float64Array;
    /** The reference tensors of the test environments (n × 9, a.u.). */
    reference: Float64Array;
    features0: Float64Array;
    f0: number;
  };
}

const g3 = (x: number): number => Number(x.toPrecision(3));

function angleErrors(
  refT: ArrayLike<number>,
  refP: ArrayLike<number>,
  prT: ArrayLike<number>,
  prP: ArrayLike<number>,
): { theta: AngleErrors; phi: AngleErrors } {
  const n = refT.length;
  let st = 0;
  let sp = 0;
  for (let i = 0; i < n; i++) {
    const [dt, dp] = axisAngleErrors(refT[i]!, refP[i]!, prT[i]!, prP[i]!);
    st += dt;
    sp += dp;
  }
  return {
    theta: { mae: st / n, r: errorStats(refT, prT).r },
    phi: { mae: sp / n, r: errorStats(refP, prP).r },
  };
}

/** Values of scalar rows (n × N_SCALARS, SCALAR_TARGETS order) in metric form. */
function scalarParity(s: Float64Array, n: number, mu: number, sigma: number): ParityValues {
  const out: ParityValues = { cqTilde: [], etaTilde: [], theta: [], phi: [], wq: [] };
  for (let i = 0; i < n; i++) {
    const o = N_SCALARS * i;
    out.cqTilde.push((s[o]! - mu) / sigma);
    out.etaTilde.push(s[o + 1]! / mu);
    out.theta.push(s[o + 2]!);
    out.phi.push(s[o + 3]!);
    out.wq.push(s[o + 4]!);
  }
  return out;
}

/** Rows `rows` of a row-major matrix with `f` columns, packed. */
function rowsOf(x: Float64Array, f: number, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length * f);
  rows.forEach((r, i) => {
    out.set(x.subarray(r * f, (r + 1) * f), i * f);
  });
  return out;
}

function indexBy<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

/** Run the scalar-vs-tensorial benchmark for one species. */
// long: the benchmark protocol read top to bottom (split, references, full fits, parity values, learning curves); its steps share the fitted kernels
export async function runEfgBenchmark(o: EfgBenchOptions): Promise<EfgBenchResult> {
  const log = o.log ?? (() => {});
  const el = symbolOf(o.species);
  const timings: Record<string, number> = {};
  const now = () => performance.now() / 1000;
  let t0 = now();
  const used = [...o.train, ...o.test];
  const subset = used.map((i) => o.structures[i]!);
  log(
    `${el}: λ-SOAP features of ${subset.length} structures (rc ${g3(o.soap.cutoff.radius)} Å, σ ${g3(o.soap.density.width)} Å, nmax ${o.soap.basis.maxRadial}, lmax ${o.soap.basis.maxAngular})`,
  );
  const sf = speciesFeatures(subset, o.species, o.soap, 2);
  timings.features = now() - t0;
  const nTrainStruct = o.train.length;
  let trainEnv: number[] = [];
  let testEnv: number[] = [];
  const envStruct: number[] = [];
  for (let k = 0; k < sf.feats.n; k++) {
    const s = sf.samples[2 * k]!;
    envStruct.push(s);
    (s < nTrainStruct ? trainEnv : testEnv).push(k);
  }
  const rng = new Rng(o.seed ?? 0);
  trainEnv = capped(trainEnv, o.maxTrainEnv, rng);
  testEnv = capped(testEnv, o.maxTestEnv, rng);
  if (trainEnv.length === 0 || testEnv.length === 0) {
    throw new EngineError(
      "InvalidParameter",
      `${el}: no ${trainEnv.length === 0 ? "training" : "test"} environments`,
      {
        field: "species",
      },
    );
  }
  const targets = environmentTargets(subset, sf.samples, o.target ?? "efg", o.isotopes);
  const nTr = trainEnv.length;
  const nTe = testEnv.length;
  t0 = now();
  log(
    `${el}: raw kernels K0, K2 of ${nTr} training × (${nTr} + ${nTe}) environments (F0 ${sf.feats.f0}, F2 ${sf.feats.f})`,
  );
  /** Raw kernels train × train and test × train of one feature set (computed once, folded per ζ and subset). */
  const trainAndCross = (feats: EnvFeatures) =>
    withBackend(o.backend, async (be) => {
      const tr = subsetFeatures(feats, trainEnv);
      return [
        await rawKernels(be, tr, tr),
        await rawKernels(be, subsetFeatures(feats, testEnv), tr),
      ] as const;
    });
  const [kTrain, kCross] = await trainAndCross(sf.feats);
  const ss = o.scalarSoap;
  const sameSoap =
    !ss ||
    (ss.cutoff.radius === o.soap.cutoff.radius &&
      ss.density.width === o.soap.density.width &&
      ss.basis.maxRadial === o.soap.basis.maxRadial &&
      ss.basis.maxAngular === o.soap.basis.maxAngular);
  let kTrainS = scalarPart(kTrain);
  let kCrossS = scalarPart(kCross);
  if (!sameSoap) {
    log(
      `${el}: λ=0 features and kernels for the scalar models (rc ${g3(ss.cutoff.radius)} Å, σ ${g3(ss.density.width)} Å)`,
    );
    [kTrainS, kCrossS] = await trainAndCross(speciesFeatures(subset, o.species, ss, 0).feats);
  }
  timings.kernels = now() - t0;
  const trainIdx = indexBy(nTr, (i) => i);
  const testIdx = indexBy(nTe, (i) => i);
  // test references
  const refTensor = new Float64Array(nTe * 9);
  const S = N_SCALARS;
  const refScalars = new Float64Array(nTe * S);
  testEnv.forEach((e, k) => {
    refTensor.set(targets.tensor.subarray(9 * e, 9 * e + 9), 9 * k);
    refScalars.set(targets.scalars.subarray(S * e, S * e + S), S * k);
  });
  const species = new Int32Array(nTe).fill(o.species);
  const isoOpt = o.isotopes ? { isotopes: o.isotopes } : {};
  const refVzz = indexBy(nTe, (i) => refScalars[S * i]!); // |Vzz|
  const mu = mean(refVzz);
  const sigma = std(refVzz);
  const referenceParity = scalarParity(refScalars, nTe, mu, sigma);

  const noise = o.noise ?? GPR_DEFAULTS.noise;
  const kssTest = kernelDiagBlocks(subsetFeatures(sf.feats, testEnv), o.tensorial.zeta);
  const refT2 = new Float64Array(nTe * 5);
  for (const [k, e] of testEnv.entries()) refT2.set(targets.t2.subarray(5 * e, 5 * e + 5), 5 * k);

  /** Fit both models on training environments `rows` (indices into trainEnv); metrics on the test set. */
  const fitBoth = async (rows: number[]) => {
    const yT = new Float64Array(rows.length * 5);
    const yS = new Float64Array(rows.length * S);
    rows.forEach((r, k) => {
      const e = trainEnv[r]!;
      yT.set(targets.t2.subarray(5 * e, 5 * e + 5), 5 * k);
      yS.set(targets.scalars.subarray(S * e, S * e + S), S * k);
    });
    const ta = now();
    const raw = await fitPredictRawWithVariance({
      zeta: o.tensorial.zeta,
      reg: o.tensorial.reg,
      noise,
      kTrain,
      trainRows: rows,
      kCross,
      testRows: testIdx,
      y: yT,
      kss: kssTest,
      context: `${el} λ=2: `,
    });
    const t2 = raw.mean;
    const tTensor = now() - ta;
    const tb = now();
    const sc = await fitPredictRaw({
      zeta: o.scalar.zeta,
      reg: o.scalar.reg,
      kTrain: kTrainS,
      trainRows: rows,
      kCross: kCrossS,
      testRows: testIdx,
      y: yS,
      r: S,
      context: `${el} λ=0: `,
    });
    const tScalar = now() - tb;
    const cart = new Float64Array(nTe * 9);
    for (let i = 0; i < nTe; i++) t2ToCartesian(t2, 5 * i, cart, 9 * i);
    const efg = efgMetrics(refTensor, cart, species, isoOpt)[el]!;
    const pc: number[] = [];
    const pe: number[] = [];
    for (let i = 0; i < nTe; i++) {
      const [v, ev] = absVzzAndEta(cart, 9 * i);
      pc.push((v - mu) / sigma);
      pe.push(ev / mu);
    }
    const tm: TensorialMetrics = {
      cqTilde: errorStats(referenceParity.cqTilde, pc),
      etaTilde: errorStats(referenceParity.etaTilde, pe),
      efg,
    };
    const sp = scalarParity(sc, nTe, mu, sigma);
    const ang = angleErrors(referenceParity.theta, referenceParity.phi, sp.theta, sp.phi);
    const derived = indexBy(nTe, (i) =>
      omegaQFromScalars(targets.isotope, sc[S * i + 5]!, sc[S * i + 1]!, sc[S * i + 2]!, sc[S * i + 3]!),
    );
    const hasWq = targets.isotope !== null && targets.isotope.spin > 0.5 && targets.isotope.qMb !== 0;
    const sm: ScalarMetrics = {
      cqTilde: errorStats(referenceParity.cqTilde, sp.cqTilde),
      etaTilde: errorStats(referenceParity.etaTilde, sp.etaTilde),
      theta: ang.theta,
      phi: ang.phi,
      omegaQ: hasWq ? errorStats(referenceParity.wq, sp.wq) : null,
      omegaQFromScalars: hasWq ? errorStats(referenceParity.wq, derived) : null,
    };
    return { t2, raw, cart, sc, tm, sp, sm, derived, tTensor, tScalar };
  };

  log(
    `${el}: tensorial λ=2 (ζ ${o.tensorial.zeta}, reg ${g3(o.tensorial.reg)}) and scalar λ=0 (ζ ${o.scalar.zeta}, reg ${g3(o.scalar.reg)}) models on ${nTr} environments`,
  );
  const full = await fitBoth(trainIdx);
  timings.tensorialFit = full.tTensor;
  timings.scalarFit = full.tScalar;

  // tensorial parity values
  const tPar: ParityValues = { cqTilde: [], etaTilde: [], theta: [], phi: [], wq: [] };
  for (let i = 0; i < nTe; i++) {
    const p = efgParams(full.cart, 9 * i, targets.isotope);
    tPar.cqTilde.push((Math.abs(p.vzz) - mu) / sigma);
    tPar.etaTilde.push((p.eta * Math.abs(p.vzz)) / mu);
    tPar.theta.push(p.theta);
    tPar.phi.push(p.phi);
    tPar.wq.push(p.omegaQ);
  }

  t0 = now();
  const spectra = compareCtSpectra(refTensor, full.cart, nTe, targets.isotope);
  timings.spectra = now() - t0;
  if (spectra)
    log(
      `${el}: ${spectra.isotope} MAS central-transition spectra at ${spectra.fieldT} T: overlap ML vs reference ${spectra.overlap.toFixed(4)}`,
    );

  // learning curves on nested subsets of the training structures
  t0 = now();
  const fractions = o.curveFractions ?? [1 / 16, 1 / 8, 1 / 4, 1 / 2, 1];
  const curve: CurvePoint[] = [];
  for (const fr of fractions) {
    const ns = Math.max(1, Math.round(fr * nTrainStruct));
    const rows = trainIdx.filter((r) => envStruct[trainEnv[r]!]! < ns);
    if (rows.length < 2) continue;
    const res = fr === 1 ? full : await fitBoth(rows);
    curve.push({
      n: rows.length,
      structures: ns,
      tensorial: {
        cqTilde: res.tm.cqTilde.mae,
        etaTilde: res.tm.etaTilde.mae,
        theta: res.tm.efg.theta.mae,
        phi: res.tm.efg.phi.mae,
        wq: res.tm.efg.omegaQ?.mae ?? Number.NaN,
        vij: res.tm.efg.maeVij,
      },
      scalar: {
        cqTilde: res.sm.cqTilde.mae,
        etaTilde: res.sm.etaTilde.mae,
        theta: res.sm.theta.mae,
        phi: res.sm.phi.mae,
        wq: res.sm.omegaQ?.mae ?? Number.NaN,
      },
    });
    log(
      `${el}: learning curve n=${rows.length}: C̃Q MAE tensorial ${res.tm.cqTilde.mae.toFixed(3)} vs scalar ${res.sm.cqTilde.mae.toFixed(3)}`,
    );
  }
  timings.learningCurve = now() - t0;

  return {
    element: el,
    isotope: targets.isotope?.name ?? null,
    nTrainStructures: nTrainStruct,
    nTestStructures: o.test.length,
    nTrainEnv: nTr,
    nTestEnv: nTe,
    soap: o.soap,
    scalarSoap: ss ?? o.soap,
    tensorialSettings: o.tensorial,
    scalarSettings: o.scalar,
    featureCount: { f0: sf.feats.f0, f2: sf.feats.f },
    tensorial: full.tm,
    scalar: full.sm,
    parity: {
      reference: referenceParity,
      tensorial: tPar,
      scalar: full.sp,
      scalarDerivedWq: full.derived,
    },
    curve,
    spectra,
    test: {
      samples: Int32Array.from(testEnv.flatMap((k) => [used[sf.samples[2 * k]!]!, sf.samples[2 * k + 1]!])),
      t2: full.t2,
      cartesian: full.cart,
      reference: Float64Array.from(refTensor),
      features0: rowsOf(sf.feats.values0, sf.feats.f0, testEnv),
      f0: sf.feats.f0,
    },
    uncertainty: tensorialUncertainty(full.raw, refT2, refTensor, full.cart, nTe, noise, targets.isotope),
    timings,
  };
}

/** Coverage, calibration, error vs σ and CQ ± σ of the tensorial model's test predictions. */
function tensorialUncertainty(
  raw: RawPrediction,
  refT2: Float64Array,
  refCart: Float64Array,
  cart: Float64Array,
  n: number,
  noise: NoiseMode,
  iso: Isotope | null,
): TensorialUncertainty {
  const sigma: number[] = [];
  const absError: number[] = [];
  for (let i = 0; i < n; i++) {
    let v = 0;
    let e = 0;
    for (let m = 0; m < 5; m++) {
      v += raw.variance[5 * i + m]!;
      e += (refT2[5 * i + m]! - raw.mean[5 * i + m]!) ** 2;
    }
    sigma.push(Math.sqrt(v / 5));
    absError.push(Math.sqrt(e / 5));
  }
  const hasCq = iso !== null && iso.qMb !== 0;
  let cqInside = 0;
  let cqSigma = 0;
  if (hasCq) {
    for (let i = 0; i < n; i++) {
      const sd = efgScalarStd(raw.mean, 5 * i, raw.covariance, 25 * i, iso, { method: "linear" });
      const cq = efgParams(cart, 9 * i, iso).cq;
      const cqRef = efgParams(refCart, 9 * i, iso).cq;
      if (Math.abs(cqRef - cq) <= 2 * sd.cq) cqInside++;
      cqSigma += sd.cq;
    }
  }
  return {
    reg: raw.reg,
    noise,
    coverage2sigma: coverageAt(refT2, raw.mean, raw.variance, 2),
    calibration: calibrationCurve(refT2, raw.mean, raw.variance),
    sigma,
    absError,
    cqCoverage2sigma: hasCq ? cqInside / n : null,
    cqSigmaMean: hasCq ? cqSigma / n : null,
  };
}
