/**
 * Turning a Prediction into per-atom records, NMR observables and output files (extxyz, CSV, JSON, magres).
 * The CLI's `predict` command is a thin layer over `writePredictions`.
 */
import { jsonText } from "../core/json.js";
import * as path from "node:path";
import { symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import type { AtomArray, Structure } from "../core/structure.js";
import { writeFileAtomic } from "../io/atomic.js";
import { writeExtxyz } from "../io/extxyz.js";
import { writeMagres } from "../io/magres.js";
import { isotopeFor } from "../nmr/isotopes.js";
import { nmrSites } from "../nmr/sites.js";
import type { ShiftReference } from "../nmr/shifts.js";
import type { Prediction } from "./types.js";
import {
  CONVENTIONS_DOC,
  EULER_CONVENTION,
  inputArrayUnit,
  observableUnit,
  TENSOR_LAYOUT,
  targetUnits,
} from "./units.js";
import {
  MS_OBSERVABLES,
  MS_SCALARS,
  type MsObservable,
  type MsScalar,
  msOrientation,
  msScalarStd,
  msScalars,
} from "./msObservables.js";
import { EFG_STD_OBSERVABLES, type EfgStdObservable, efgScalarStd } from "./efgUncertainty.js";
import type { Propagation } from "./propagation.js";

/** EFG observables (EFG models); MS_OBSERVABLES (msObservables.ts) are those of shielding tensor models. */
export const OBSERVABLES = ["cq", "eta", "wq", "theta", "phi", "euler", "quat"] as const;
export type Observable = (typeof OBSERVABLES)[number] | MsObservable;
const KNOWN = new Set<string>([...OBSERVABLES, ...MS_OBSERVABLES]);

export function parseObservables(spec: string | undefined): Observable[] {
  if (!spec) return [];
  const out: Observable[] = [];
  for (const raw of spec.split(",")) {
    const o = raw.trim() as Observable;
    if (o === ("" as Observable)) continue;
    if (!KNOWN.has(o)) {
      throw new EngineError(
        "InvalidParameter",
        `unknown observable '${o}' (EFG: ${OBSERVABLES.join(", ")}; MS: ${MS_OBSERVABLES.join(", ")})`,
        { field: "observables" },
      );
    }
    out.push(o);
  }
  return out;
}

export interface AtomPrediction {
  structure: number;
  atom: number;
  element: string;
  /** learned representation (spherical components for λ>0) */
  mean: number[];
  /** predictive standard deviation per component */
  std: number[] | null;
  /** Cartesian tensor (row-major 9) for tensor targets */
  cartesian: number[] | null;
  observables: Partial<Record<Observable, number | number[] | null>>;
  /**
   * Predictive standard deviations of scalar observables propagated from the predictive covariance: MS scalars of
   * shielding tensor models, CQ / η_Q / ω_Q of λ=2 EFG models (src/model/propagation.ts).
   */
  observableStd?: Partial<Record<MsScalar | EfgStdObservable, number>>;
}

export interface RecordOptions {
  observables?: readonly Observable[];
  /** The model's target ("efg", "ms", "efg:cq", ...): EFG observables of a shielding model are refused. */
  target?: string;
  /** Chemical-shift reference for the `shift` observable (δ_iso = a − b·σ_iso). */
  reference?: ShiftReference | null;
  /** How observable uncertainties (MS scalars, CQ, η_Q, ω_Q) are propagated (default linearisation). */
  propagation?: Propagation;
  isotopes?: Readonly<Record<string, string>>;
}

/** One record per predicted atom, with the requested EFG observables computed from the Cartesian prediction. */
export function predictionRecords(
  structures: readonly Structure[],
  pred: Prediction,
  options: RecordOptions = {},
): AtomPrediction[] {
  const c = pred.components;
  const obs = options.observables ?? [];
  checkObservablesFit(obs, options.target, pred, options.reference ?? null);
  if (options.target === "ms" && obs.length > 0) return msRecords(pred, obs, options);
  if (obs.length > 0 && !pred.cartesian) {
    throw new EngineError("InvalidParameter", "observables need a tensor (λ=2 efg) model", {
      field: "observables",
    });
  }
  const n = pred.atoms.length / 2;
  const records: AtomPrediction[] = [];
  // observables per structure through src/nmr (same code as `soapgpr nmr`)
  const sitesBy = new Map<number, Map<number, ReturnType<typeof nmrSites>[number]>>();
  if (obs.length > 0) {
    const perStruct = new Map<number, number[]>();
    for (let k = 0; k < n; k++) {
      const s = pred.atoms[2 * k]!;
      if (!perStruct.has(s)) perStruct.set(s, []);
      perStruct.get(s)!.push(k);
    }
    for (const [s, ks] of perStruct) {
      const st = structures[s]!;
      const efg = new Float64Array(st.length * 9);
      for (const k of ks) efg.set(pred.cartesian!.subarray(9 * k, 9 * k + 9), 9 * pred.atoms[2 * k + 1]!);
      const sites = nmrSites(st.with({ arrays: { efg: { ncols: 9, data: efg } } }), {
        species: [symbolOf(pred.species)],
        ...(options.isotopes ? { isotopes: options.isotopes } : {}),
      });
      sitesBy.set(s, new Map(sites.map((x) => [x.index, x])));
    }
  }
  const efgStd = obs.filter((o): o is EfgStdObservable =>
    (EFG_STD_OBSERVABLES as readonly string[]).includes(o),
  );
  const withEfgStd = efgStd.length > 0 && pred.covariance !== undefined && c === 5;
  const iso = withEfgStd ? isotopeFor(symbolOf(pred.species), options.isotopes) : null;
  const prop = options.propagation ?? { method: "linear" };
  for (let k = 0; k < n; k++) {
    const s = pred.atoms[2 * k]!;
    const a = pred.atoms[2 * k + 1]!;
    const observables: AtomPrediction["observables"] = {};
    const e = sitesBy.get(s)?.get(a)?.efg;
    let observableStd: AtomPrediction["observableStd"];
    if (withEfgStd) {
      const sd = efgScalarStd(pred.mean, k * 5, pred.covariance!, k * 25, iso, prop);
      observableStd = Object.fromEntries(efgStd.map((o) => [o, sd[o]]));
    }
    for (const o of obs) {
      if (!e) observables[o] = null;
      else if (o === "cq") observables.cq = e.cq;
      else if (o === "eta") observables.eta = e.eta;
      else if (o === "wq") observables.wq = e.omegaQ;
      else if (o === "theta") observables.theta = e.theta;
      else if (o === "phi") observables.phi = e.phi;
      else if (o === "euler") observables.euler = [...e.eulerActive];
      else if (o === "quat") observables.quat = [...e.quaternion];
    }
    records.push({
      structure: s,
      atom: a,
      element: symbolOf(pred.species),
      mean: Array.from(pred.mean.subarray(k * c, (k + 1) * c)),
      std: pred.variance ? Array.from(pred.variance.subarray(k * c, (k + 1) * c), Math.sqrt) : null,
      cartesian: pred.cartesian ? Array.from(pred.cartesian.subarray(9 * k, 9 * k + 9)) : null,
      observables,
      ...(observableStd ? { observableStd } : {}),
    });
  }
  return records;
}

export const OUTPUT_FORMATS = ["extxyz", "xyz", "csv", "json", "magres", "chemiscope"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The file-name ending of a format: `.chemiscope.json` for chemiscope (a JSON file), else `.<format>`. */
const formatExtension = (f: OutputFormat) => (f === "chemiscope" ? ".chemiscope.json" : `.${f}`);

/**
 * The output format of `file`: `format` when given (required for `-`, standard output), else the file's
 * extension (a trailing `.gz` is ignored: the file is then gzip-compressed). `.chemiscope.json` is chemiscope's
 * input format (written by src/analysis/chemiscope.ts), any other `.json` ours.
 */
export function outputFormat(file: string, format?: string): OutputFormat {
  const name = format ?? (file === "-" ? "" : file.toLowerCase().replace(/\.gz$/, ""));
  const byEnding = [...OUTPUT_FORMATS].sort((a, b) => formatExtension(b).length - formatExtension(a).length);
  const found =
    format !== undefined
      ? OUTPUT_FORMATS.find((f) => name === f)
      : byEnding.find((f) => name.endsWith(formatExtension(f)));
  if (found) return found;
  throw new EngineError(
    "InvalidParameter",
    format !== undefined
      ? `unknown output format '${format}' (use ${OUTPUT_FORMATS.join(", ")})`
      : file === "-"
        ? `standard output needs an output format (${OUTPUT_FORMATS.join(", ")})`
        : `unknown output type (use ${OUTPUT_FORMATS.map(formatExtension).join(", ")}, or give the format)`,
    { file, field: format !== undefined || file === "-" ? "format" : "out" },
  );
}

/**
 * EFG observables (CQ, η_Q, ω_Q, θ, φ, the NQR-ordered frame) are quadrupolar: computed from a shielding
 * tensor they are meaningless numbers (a "CQ" of −308 MHz), so a model of `ms` refuses them.
 */
function checkObservablesFit(
  obs: readonly Observable[],
  target: string | undefined,
  pred: Prediction,
  reference: ShiftReference | null,
): void {
  if (obs.length === 0 || target === undefined) return;
  const isMs = target.split(":")[0] === "ms";
  const foreign = obs.filter((o) => !(isMs ? MS_SET : EFG_SET).has(o));
  if (foreign.length > 0) {
    throw new EngineError(
      "InvalidParameter",
      isMs
        ? `observables ${foreign.join(",")} are EFG (quadrupolar) observables, but this is a magnetic-shielding (ms) ` +
            `model (target '${target}'): they need an EFG model`
        : `observables ${foreign.join(",")} are magnetic-shielding observables, but this is an EFG model ` +
            `(target '${target}'): they need a shielding (ms) model`,
      { field: "observables" },
    );
  }
  if (isMs && (target !== "ms" || !pred.blocks))
    throw new EngineError(
      "InvalidParameter",
      `MS observables need the full shielding tensor: a tensor model of all the blocks of ms (fit without λ), not '${target}' λ=${pred.lambda}`,
      { field: "observables" },
    );
  if (obs.includes("shift") && !reference)
    throw new EngineError(
      "InvalidParameter",
      "the 'shift' observable needs a shift reference (σ_ref, or a fit of σ_iso against measured shifts)",
      { field: "reference" },
    );
}

const MS_SET = new Set<string>(MS_OBSERVABLES);
const EFG_SET = new Set<string>(OBSERVABLES);

/** Records of a shielding tensor model with its MS observables (and their standard deviations). */
function msRecords(pred: Prediction, obs: readonly Observable[], options: RecordOptions): AtomPrediction[] {
  const lambdas = pred.blocks!;
  const C = pred.components;
  const cart = pred.cartesian!;
  const reference = options.reference ?? null;
  const prop = options.propagation ?? { method: "linear" };
  return Array.from({ length: pred.atoms.length / 2 }, (_, k) => {
    const scalars = msScalars(cart, 9 * k, reference);
    const orient = obs.includes("euler") || obs.includes("quat") ? msOrientation(cart, 9 * k) : null;
    const sd = pred.covariance
      ? msScalarStd(lambdas, pred.mean, k * C, pred.covariance, k * C * C, reference, prop)
      : null;
    const observables: AtomPrediction["observables"] = {};
    const observableStd: Partial<Record<MsScalar, number>> = {};
    for (const o of obs) {
      if (o === "euler" || o === "quat") observables[o] = orient![o];
      else {
        observables[o] = scalars[o as MsScalar];
        if (sd) observableStd[o as MsScalar] = sd[o as MsScalar];
      }
    }
    return {
      structure: pred.atoms[2 * k]!,
      atom: pred.atoms[2 * k + 1]!,
      element: symbolOf(pred.species),
      mean: Array.from(pred.mean.subarray(k * C, (k + 1) * C)),
      std: pred.variance ? Array.from(pred.variance.subarray(k * C, (k + 1) * C), Math.sqrt) : null,
      cartesian: Array.from(cart.subarray(9 * k, 9 * k + 9)),
      observables,
      ...(sd ? { observableStd } : {}),
    };
  });
}

/**
 * Stem of the prediction columns: the target ("efg", "efg_cq"); for one block of a tensor target without the
 * full tensor, the block too ("ms_iso" for λ=0, "ms_T2" for λ=2), so a traceless T2 is never named `ms`.
 */
export function predictionStem(target: string, pred: Prediction): string {
  const safe = target.replace(/[^A-Za-z0-9_]/g, "_");
  if (pred.cartesian || (target !== "ms" && target !== "efg")) return safe;
  return pred.lambda === 0 ? `${safe}_iso` : `${safe}_T${pred.lambda}`;
}

export interface WriteOptions extends RecordOptions {
  /** Output format (default: from the file name's extension, see `outputFormat`). */
  format?: OutputFormat;
  /** Target name (used for column names: `<target>_pred`, `<target>_std`; see `predictionStem`). */
  target: string;
  /** Provenance lines for file headers (model kind, species, units, conventions). */
  header: Readonly<Record<string, string | number>>;
  /** The file each structure came from (readStructures' `sources`), named in the outputs. */
  sources?: readonly string[];
}

const STD_OBSERVABLES = new Set<string>([...MS_SCALARS, ...EFG_STD_OBSERVABLES]);

/** Whether observable `o` gets a `<o>_std` column (MS scalars, CQ, η_Q, ω_Q of records with uncertainties). */
const hasStd = (o: Observable, withStd: boolean) => withStd && STD_OBSERVABLES.has(o);

/** Column names of one record type. */
function obsColumns(obs: readonly Observable[], withStd = false): string[] {
  const cols: string[] = [];
  for (const o of obs) {
    if (o === "euler") cols.push("euler_alpha", "euler_beta", "euler_gamma");
    else if (o === "quat") cols.push("quat_w", "quat_x", "quat_y", "quat_z");
    else cols.push(o, ...(hasStd(o, withStd) ? [`${o}_std`] : []));
  }
  return cols;
}

function obsValues(r: AtomPrediction, obs: readonly Observable[], withStd = false): number[] {
  const v: number[] = [];
  for (const o of obs) {
    const x = r.observables[o];
    const width = o === "euler" ? 3 : o === "quat" ? 4 : 1;
    if (x === null || x === undefined) for (let i = 0; i < width; i++) v.push(Number.NaN);
    else if (Array.isArray(x)) v.push(...x);
    else v.push(x as number);
    if (hasStd(o, withStd)) v.push(r.observableStd?.[o as MsScalar | EfgStdObservable] ?? Number.NaN);
  }
  return v;
}

/**
 * The input structures with the prediction attached as per-atom arrays (what the extxyz output holds):
 * `<stem>_pred` (Cartesian 9 for tensor targets, else the components; stem: see `predictionStem`), `<stem>_std`
 * (with variances), one column per observable (and `<o>_std` of MS scalars with uncertainties); NaN for atoms not
 * predicted; every input column passes through (R, I, L and S).
 */
export function predictionStructures(
  structures: readonly Structure[],
  pred: Prediction,
  target: string,
  obs: readonly Observable[] = [],
  records: readonly AtomPrediction[] = predictionRecords(structures, pred, { observables: obs }),
): Structure[] {
  const safe = predictionStem(target, pred);
  const withStd = records.some((r) => r.observableStd !== undefined);
  const c = pred.components;
  const byStruct = new Map<number, AtomPrediction[]>();
  for (const r of records) {
    if (!byStruct.has(r.structure)) byStruct.set(r.structure, []);
    byStruct.get(r.structure)!.push(r);
  }
  const predCols = pred.cartesian ? 9 : c;
  const oc = obsColumns(obs, withStd);
  return structures.map((st, si) => {
    const p = new Float64Array(st.length * predCols).fill(Number.NaN);
    const sd = new Float64Array(st.length * c).fill(Number.NaN);
    const ov = new Float64Array(st.length * Math.max(oc.length, 1)).fill(Number.NaN);
    for (const r of byStruct.get(si) ?? []) {
      p.set(r.cartesian ?? r.mean, r.atom * predCols);
      if (r.std) sd.set(r.std, r.atom * c);
      if (oc.length) ov.set(obsValues(r, obs, withStd), r.atom * oc.length);
    }
    const arrays: Record<string, AtomArray> = Object.fromEntries(st.arrays);
    arrays[`${safe}_pred`] = { ncols: predCols, data: p };
    if (pred.variance) arrays[`${safe}_std`] = { ncols: c, data: sd };
    oc.forEach((name, j) => {
      const col = new Float64Array(st.length);
      for (let i = 0; i < st.length; i++) col[i] = ov[i * oc.length + j]!;
      arrays[name] = { ncols: 1, data: col };
    });
    return st.with({ arrays });
  });
}

/** The observable a column belongs to: euler_alpha → euler, quat_w → quat, cq_std → cq. */
const columnObservable = (col: string) => col.replace(/^(euler|quat)_\w+$/, "$1").replace(/_std$/, "");

/**
 * The unit of every column of `columns` (ASCII unit names; "-" for indices and labels): the prediction's
 * (`<stem>_pred`, `_std`, `mean_k`, `std_k`, `<stem>_xx`…) in the target's unit, observables in theirs, input arrays
 * passed through by name (Å positions, EFG a.u., MS ppm).
 */
function columnUnits(
  columns: readonly { name: string; numeric: boolean }[],
  stem: string,
  target: string,
  obsCols: readonly string[],
): Record<string, string> {
  const t = targetUnits(target);
  const out: Record<string, string> = {};
  for (const { name, numeric } of columns) {
    if (obsCols.includes(name)) out[name] = observableUnit(columnObservable(name));
    else if (name === `${stem}_pred` || name === `${stem}_std` || /^(mean|std)_\d+$/.test(name))
      out[name] = t;
    else if (name.startsWith(`${stem}_`) && /_(x|y|z){2}$/.test(name)) out[name] = t;
    else if (name === "structure" || name === "atom" || name === "element" || name === "source")
      out[name] = "-";
    else out[name] = inputArrayUnit(name, numeric);
  }
  return out;
}

/** Which input file each structure came from, as runs: "0-119: a.extxyz; 120: b.magres" (structure indices). */
function sourceRuns(sources: readonly string[]): string {
  const runs: string[] = [];
  let start = 0;
  const file = (k: number) => sources[k]!.replace(/#\d+$/, "");
  for (let k = 1; k <= sources.length; k++) {
    if (k < sources.length && file(k) === file(start)) continue;
    runs.push(`${k - 1 > start ? `${start}-${k - 1}` : start}: ${file(start)}`);
    start = k;
  }
  return runs.join("; ");
}

/** "name: unit; …" of a column-unit map, for text headers. */
const unitsText = (u: Readonly<Record<string, string>>) =>
  Object.entries(u)
    .map(([k, v]) => `${k}: ${v}`)
    .join("; ");

/**
 * The header every output carries besides the caller's: the tensor layout, the isotope of CQ / ω_Q, the Euler
 * convention, the input files, and where the conventions are documented.
 */
function describedHeader(
  structures: readonly Structure[],
  pred: Prediction,
  options: WriteOptions,
): Record<string, string | number> {
  const obs = options.observables ?? [];
  const el = symbolOf(pred.species);
  const isMs = options.target.split(":")[0] === "ms";
  const iso = !isMs && (obs.includes("cq") || obs.includes("wq")) ? isotopeFor(el, options.isotopes) : null;

  return {
    ...options.header,
    ...(pred.cartesian ? { layout: TENSOR_LAYOUT } : {}),
    ...(iso ? { isotope: `${el}=${iso.name}` } : {}),
    ...(obs.includes("euler") || obs.includes("quat")
      ? {
          euler: `${EULER_CONVENTION}; frame: ${isMs ? "Haeberlen order of the symmetric part" : "NQR order |Vxx| <= |Vyy| <= |Vzz|"}`,
        }
      : {}),
    structures: structures.length,
    ...(options.sources && options.sources.length > 0 ? { sources: sourceRuns(options.sources) } : {}),
    conventions: CONVENTIONS_DOC,
  };
}

/**
 * Write predictions to `file` by extension: .extxyz/.xyz (structures with per-atom arrays `<target>_pred`
 * [Cartesian 9 for tensor targets, else the components], `<target>_std`, observables; NaN for atoms not
 * predicted), .csv (one row per predicted atom), .json, .magres (one file per structure; several structures
 * get `_<k>` before the extension). Returns the files written. All writes are atomic.
 */
export function writePredictions(
  file: string,
  structures: readonly Structure[],
  pred: Prediction,
  options: WriteOptions,
): string[] {
  const obs = options.observables ?? [];
  const records = predictionRecords(structures, pred, options);
  const withStd = records.some((r) => r.observableStd !== undefined);
  const format = options.format ?? outputFormat(file);
  const safe = predictionStem(options.target, pred);
  const c = pred.components;
  const header = describedHeader(structures, pred, options);
  const head = Object.entries(header).map(([k, v]) => `${k}=${v}`);
  const oc = obsColumns(obs, withStd);
  if (format === "csv") {
    const compCols = Array.from({ length: c }, (_, m) => `mean_${m}`);
    const stdCols = pred.variance ? Array.from({ length: c }, (_, m) => `std_${m}`) : [];
    const cartCols = pred.cartesian
      ? ["xx", "xy", "xz", "yx", "yy", "yz", "zx", "zy", "zz"].map((x) => `${safe}_${x}`)
      : [];
    const names = ["structure", "atom", "element", ...compCols, ...stdCols, ...cartCols, ...oc];
    const units = columnUnits(
      names.map((name) => ({ name, numeric: true })),
      safe,
      options.target,
      oc,
    );
    const lines = [...head.map((h) => `# ${h}`), `# column_units=${unitsText(units)}`, names.join(",")];
    for (const r of records) {
      lines.push(
        [
          r.structure,
          r.atom,
          r.element,
          ...r.mean,
          ...(r.std ?? []),
          ...(r.cartesian ?? []),
          ...obsValues(r, obs, withStd),
        ]
          .map((x) => (typeof x === "number" && !Number.isFinite(x) ? "nan" : String(x)))
          .join(","),
      );
    }
    writeFileAtomic(file, `${lines.join("\n")}\n`);
    return [file];
  }
  if (format === "json") {
    const t = targetUnits(options.target);
    const units = {
      mean: t,
      ...(pred.variance ? { std: t } : {}),
      ...(pred.cartesian ? { cartesian: `${t}; ${TENSOR_LAYOUT}` } : {}),
      ...Object.fromEntries(obs.map((o) => [`observables.${o}`, observableUnit(o)])),
      ...(withStd ? Object.fromEntries(obs.map((o) => [`observableStd.${o}`, observableUnit(o)])) : {}),
    };
    // docs/json.md: each record's element is written as `species`, non-finite numbers as null
    writeFileAtomic(
      file,
      jsonText(
        {
          header,
          units,
          ...(options.sources ? { sources: options.sources } : {}),
          notes: pred.notes,
          predictions: records,
        },
        1,
      ),
    );
    return [file];
  }
  if (format === "magres") return writeMagresPredictions(file, structures, pred, records, options, head);
  if (format === "extxyz" || format === "xyz") {
    const outStructs = predictionStructures(structures, pred, options.target, obs, records);
    const columns = new Map<string, boolean>([
      ["species", false],
      ["pos", true],
    ]);
    for (const st of outStructs) for (const [name, a] of st.arrays) columns.set(name, !Array.isArray(a.data));
    const units = columnUnits(
      [...columns].map(([name, numeric]) => ({ name, numeric })),
      safe,
      options.target,
      oc,
    );
    writeExtxyz(file, outStructs, {
      allowNonFinite: true,
      header: { soapgpr: head.join(";"), units: unitsText(units) },
    });
    return [file];
  }
  throw new EngineError(
    "InvalidParameter",
    format === "chemiscope"
      ? "chemiscope files are written by writeChemiscope (src/analysis/chemiscope.ts), which needs the structures' features"
      : "unknown output type (use .extxyz, .xyz, .csv, .json or .magres)",
    { file, field: "out" },
  );
}

/**
 * .magres output: one file per structure (`_<k>` before the extension for several, k = the structure's
 * position in the input, from 0), as CASTEP writes them: every atom in [atoms] and a tensor for every atom, so that
 * ASE's magres reader (and Soprano, MagresView through it) accept the file. Atoms the model does not predict (other
 * species) carry a zero tensor, which the file's comments say.
 */
function writeMagresPredictions(
  file: string,
  structures: readonly Structure[],
  pred: Prediction,
  records: readonly AtomPrediction[],
  options: WriteOptions,
  head: readonly string[],
): string[] {
  if (!pred.cartesian)
    throw new EngineError(
      "InvalidParameter",
      ".magres output needs a full tensor: a λ=2 efg model, or a tensor model of ms (fit without λ)",
      { file },
    );
  if (file === "-" && structures.length > 1)
    throw new EngineError(
      "InvalidParameter",
      `magres holds one structure per file; ${structures.length} structures cannot go to standard output`,
      { file },
    );
  const byStruct = new Map<number, AtomPrediction[]>();
  for (const r of records) {
    if (!byStruct.has(r.structure)) byStruct.set(r.structure, []);
    byStruct.get(r.structure)!.push(r);
  }
  const name = options.target.startsWith("ms") ? "ms" : "efg";
  const el = symbolOf(pred.species);
  const written: string[] = [];
  structures.forEach((st, si) => {
    const mine = byStruct.get(si) ?? [];
    const t = new Float64Array(st.length * 9);
    for (const r of mine) t.set(r.cartesian!, r.atom * 9);
    const out = structures.length === 1 ? file : insertSuffix(file, `_${si}`);
    // Keep the input's own atom numbering (QE-GIPAW numbers globally, CASTEP per species).
    const idx = st.arrays.get("magres_index");
    const arrays = { [name]: { ncols: 9, data: t }, ...(idx ? { magres_index: idx } : {}) };
    const source = options.sources?.[si];
    writeMagres(out, st.with({ arrays }), [name], {
      comments: [
        `predicted by soapgpr (${options.header["model"] ?? "model"})`,
        `structure ${si} of ${structures.length}${source !== undefined ? ` (${source})` : ""}`,
        `${name}: predicted for the ${mine.length} ${el} atoms of ${st.length}; the other atoms carry a zero tensor ` +
          "(not predicted), so that every atom has one as in CASTEP files",
        ...head,
      ],
    });
    written.push(out);
  });
  return written;
}

function insertSuffix(file: string, suffix: string): string {
  const gz = /\.gz$/i.exec(file)?.[0] ?? "";
  const stem = file.slice(0, file.length - gz.length);
  const ext = path.extname(stem);
  return `${stem.slice(0, stem.length - ext.length)}${suffix}${ext}${gz}`;
}
