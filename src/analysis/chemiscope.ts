/**
 * chemiscope (https://chemiscope.org, lab-cosmo/chemiscope) input files of predictions: the structures, one
 * atom-centred environment per predicted atom, per-atom properties (the prediction and its NMR observables, their
 * predictive standard deviations, and errors against the reference tensors the input carries) and a 2-D PCA map of
 * the atoms' λ=0 SOAP features as the default axes. The format is chemiscope's input file reference
 * (docs/src/tutorial/input-reference.rst; `chemiscope.create_input` in its Python package): `meta`, `structures`
 * (size, names, x, y, z, cell), `environments` (structure, center, cutoff), `properties` (target "atom", one value per
 * environment, units, description) and `settings` (map axes and colour, target "atom").
 */
import { atomicNumber, symbolOf } from "../core/elements.js";
import { EngineError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import type { Structure } from "../core/structure.js";
import { writeFileAtomic } from "../io/atomic.js";
import { gemmKernel } from "../math/gemm.js";
import { jacobiEigh } from "../math/symeig.js";
import type { Prediction } from "../model/types.js";
import { targetUnits } from "../model/units.js";
import { efgParams } from "../nmr/efg.js";
import { isotopeFor } from "../nmr/isotopes.js";
import { DEFAULT_SOAP_HYPERS, parseSoapHypers, type SoapHypersInput } from "../soap/hypers.js";
import { LambdaSoap } from "../soap/lambdaSoap.js";
import { blockKey, samplePositions } from "../soap/types.js";

/** One chemiscope property (always per atom here: one value per environment). */
export interface ChemiscopeProperty {
  target: "atom" | "structure";
  values: number[] | string[];
  units?: string;
  description?: string;
}

/** A chemiscope dataset as its input file holds it. */
export interface ChemiscopeDataset {
  meta: { name: string; description?: string; authors?: string[]; references?: string[] };
  structures: { size: number; names: string[]; x: number[]; y: number[]; z: number[]; cell?: number[] }[];
  environments: { structure: number; center: number; cutoff: number }[];
  properties: Record<string, ChemiscopeProperty>;
  settings: { target: "atom"; map: Record<string, unknown>; structure: Record<string, unknown>[] };
}

export interface ChemiscopeOptions {
  /** Dataset name (chemiscope's meta.name). */
  name: string;
  /** The model's target ("efg", "ms", "efg:cq", ...): which observables the properties hold. */
  target: string;
  /** λ-SOAP hypers of the map's features (a GPR model's descriptor); default: DEFAULT_SOAP_HYPERS. */
  hypers?: SoapHypersInput;
  /** Element → isotope overrides for CQ. */
  isotopes?: Readonly<Record<string, string>>;
  /** The file each structure came from, for the description. */
  sources?: readonly string[];
  /** Lines of provenance for the description (model kind, file, notes). */
  provenance?: readonly string[];
}

/**
 * The first two principal components of the rows of x (n × f, row-major) after centring: scores n × 2 (row-major)
 * and the fraction of the variance each explains. Subspace iteration on XᵀX with a seeded start (k = min(8, n, f)
 * vectors, Rayleigh–Ritz at the end); each component's sign makes its largest-magnitude score positive.
 */
export function pca2(
  x: Float64Array,
  n: number,
  f: number,
  seed = 0,
): { scores: Float64Array; explained: number[] } {
  const xc = Float64Array.from(x.subarray(0, n * f));
  const mean = new Float64Array(f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j]! += xc[i * f + j]! / n;
  let total = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < f; j++) {
      xc[i * f + j]! -= mean[j]!;
      total += xc[i * f + j]! ** 2;
    }
  const scores = new Float64Array(2 * n);
  const k = Math.min(8, n, f);
  if (k === 0 || total === 0) return { scores, explained: [0, 0] };
  const rng = new Rng(seed);
  const v = Float64Array.from({ length: f * k }, () => rng.normal());
  const xv = new Float64Array(n * k);
  for (let it = 0; it < 300; it++) {
    orthonormalColumns(v, f, k);
    gemmKernel(false, false, n, k, f, 1, xc, 0, f, v, 0, k, 0, xv, 0, k); // X V
    gemmKernel(true, false, f, k, n, 1, xc, 0, f, xv, 0, k, 0, v, 0, k); // Xᵀ X V
  }
  orthonormalColumns(v, f, k);
  gemmKernel(false, false, n, k, f, 1, xc, 0, f, v, 0, k, 0, xv, 0, k);
  // Rayleigh–Ritz: the k × k matrix (XV)ᵀ(XV) and its eigenvectors rotate V into the principal axes
  const h = new Float64Array(k * k);
  gemmKernel(true, false, k, k, n, 1, xv, 0, k, xv, 0, k, 0, h, 0, k);
  const { values, vectors } = jacobiEigh(h, k);
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => values[b]! - values[a]!);
  const explained: number[] = [];
  for (let c = 0; c < Math.min(2, k); c++) {
    const e = order[c]!;
    let big = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let m = 0; m < k; m++) s += xv[i * k + m]! * vectors[m * k + e]!;
      scores[2 * i + c] = s;
      if (Math.abs(s) > Math.abs(big)) big = s;
    }
    if (big < 0) for (let i = 0; i < n; i++) scores[2 * i + c] = -scores[2 * i + c]!;
    explained.push(Math.max(0, values[e]!) / total);
  }
  while (explained.length < 2) explained.push(0);
  return { scores, explained };
}

/** Gram–Schmidt (twice) on the k columns of v (rows × k, row-major). */
function orthonormalColumns(v: Float64Array, rows: number, k: number): void {
  for (let j = 0; j < k; j++) {
    for (let pass = 0; pass < 2; pass++)
      for (let p = 0; p < j; p++) {
        let d = 0;
        for (let r = 0; r < rows; r++) d += v[r * k + j]! * v[r * k + p]!;
        for (let r = 0; r < rows; r++) v[r * k + j]! -= d * v[r * k + p]!;
      }
    let nrm = 0;
    for (let r = 0; r < rows; r++) nrm += v[r * k + j]! ** 2;
    nrm = Math.sqrt(nrm);
    for (let r = 0; r < rows; r++) v[r * k + j] = nrm > 1e-300 ? v[r * k + j]! / nrm : 0;
  }
}

/** λ=0 SOAP features of the predicted atoms (rows in pred.atoms order), with the map's hypers. */
function mapFeatures(
  structures: readonly Structure[],
  pred: Prediction,
  hypers: SoapHypersInput,
): { x: Float64Array; f: number; cutoff: number } {
  const h = parseSoapHypers(hypers);
  const desc = new LambdaSoap(h);
  const blocks = desc.compute(structures, { centers: [pred.species], lambdas: [0] });
  const b = blocks.get(blockKey(pred.species, 0));
  if (!b) throw new EngineError("InvalidParameter", `no ${symbolOf(pred.species)} atoms for the map`);
  const f = b.nProperties;
  const idx = samplePositions(b.samples, pred.atoms, "map features");
  const n = pred.atoms.length / 2;
  const x = new Float64Array(n * f);
  for (let i = 0; i < n; i++) x.set(b.values.subarray(idx[i]! * f, idx[i]! * f + f), i * f);
  return { x, f, cutoff: h.cutoff.radius };
}

const num = (v: ArrayLike<number>): number[] => Array.from(v, (x) => x);

/** Per-atom observables of the predicted (and, when the input carries them, reference) tensors. */
function observableProperties(
  structures: readonly Structure[],
  pred: Prediction,
  options: ChemiscopeOptions,
  reference: Float64Array | undefined,
): Record<string, ChemiscopeProperty> {
  const n = pred.atoms.length / 2;
  const props: Record<string, ChemiscopeProperty> = {};
  const array = options.target.split(":")[0]!;
  const el = symbolOf(pred.species);
  const c = pred.components;
  if (pred.variance) {
    const rms = Array.from({ length: n }, (_, k) => {
      let s = 0;
      for (let m = 0; m < c; m++) s += pred.variance![k * c + m]!;
      return Math.sqrt(s / c);
    });
    props["predictive std (RMS over components)"] = {
      target: "atom",
      values: rms,
      units: targetUnits(options.target),
      description: `root mean square of the ${c} learned components' predictive standard deviations`,
    };
  }
  if (!pred.cartesian || (array !== "efg" && array !== "ms")) {
    for (let m = 0; m < c; m++)
      props[c === 1 ? options.target : `${options.target}[${m + 1}]`] = {
        target: "atom",
        values: Array.from({ length: n }, (_, k) => pred.mean[k * c + m]!),
        units: targetUnits(options.target),
        description:
          c === 1 ? "prediction" : `predicted component ${m + 1} of ${c} (the learned representation)`,
      };
    return props;
  }
  const ref = structures.map((s) => s.numericArray(array));
  const refOf = (k: number): Float64Array | null => {
    if (reference) return reference.subarray(9 * k, 9 * k + 9);
    const a = ref[pred.atoms[2 * k]!];
    if (a?.ncols !== 9) return null;
    const row = a.data.subarray(9 * pred.atoms[2 * k + 1]!, 9 * pred.atoms[2 * k + 1]! + 9) as Float64Array;
    return row.every(Number.isFinite) ? row : null;
  };
  const haveRef = Array.from({ length: n }, (_, k) => refOf(k) !== null).every(Boolean);
  const add = (
    name: string,
    units: string,
    description: string,
    f: (t: ArrayLike<number>, o: number) => number,
  ) => {
    props[name] = {
      target: "atom",
      values: Array.from({ length: n }, (_, k) => f(pred.cartesian!, 9 * k)),
      units,
      description,
    };
    if (haveRef)
      props[`${name} error`] = {
        target: "atom",
        values: Array.from({ length: n }, (_, k) => f(pred.cartesian!, 9 * k) - f(refOf(k)!, 0)),
        units,
        description: `${description}: predicted − reference (the input's '${array}' array)`,
      };
  };
  if (array === "ms") {
    add("σ_iso", "ppm", "isotropic shielding tr(σ)/3", (t, o) => (t[o]! + t[o + 4]! + t[o + 8]!) / 3);
    return props;
  }
  const iso = isotopeFor(el, options.isotopes);
  if (iso && iso.qMb !== 0)
    add(
      "CQ",
      "MHz",
      `quadrupolar coupling constant of ${iso.name} (e·Q·Vzz/h, signed)`,
      (t, o) => efgParams(t, o, iso).cq,
    );
  add(
    "η",
    "",
    "EFG asymmetry (Vxx − Vyy)/Vzz, NQR order |Vxx| ≤ |Vyy| ≤ |Vzz|",
    (t, o) => efgParams(t, o, null).eta,
  );
  add(
    "Vzz",
    targetUnits("efg"),
    "largest-magnitude EFG principal value (1 au = 97.1736 V/Å²)",
    (t, o) => efgParams(t, o, null).vzz,
  );
  return props;
}

/** One species' prediction in a chemiscope dataset, with its map features when the caller has them. */
export interface ChemiscopePart {
  readonly pred: Prediction;
  /** λ=0 features of the predicted atoms (rows in pred.atoms order, f columns); computed when absent. */
  readonly features?: { readonly x: Float64Array; readonly f: number; readonly cutoff: number };
  /** Reference tensors of the predicted atoms (n × 9); default: the structures' array of the target. */
  readonly reference?: Float64Array;
}

/** The PCA map and observable properties of one part. */
function partProperties(
  structures: readonly Structure[],
  part: ChemiscopePart,
  options: ChemiscopeOptions,
): { props: Record<string, ChemiscopeProperty>; cutoff: number; explained: number[] } {
  const { pred } = part;
  const n = pred.atoms.length / 2;
  const { x, f, cutoff } =
    part.features ?? mapFeatures(structures, pred, options.hypers ?? DEFAULT_SOAP_HYPERS);
  const { scores, explained } = pca2(x, n, f);
  const pc = (c: number) => Array.from({ length: n }, (_, i) => scores[2 * i + c]!);
  const what = (k: number) =>
    `${k === 0 ? "first" : "second"} principal component of the λ=0 SOAP features of each species`;
  return {
    props: {
      "PCA[1]": { target: "atom", values: pc(0), units: "", description: what(0) },
      "PCA[2]": { target: "atom", values: pc(1), units: "", description: what(1) },
      element: {
        target: "atom",
        values: Array(n).fill(symbolOf(pred.species)),
        description: "centre species",
      },
      ...observableProperties(structures, pred, options, part.reference),
    },
    cutoff,
    explained,
  };
}

/**
 * The chemiscope dataset of a prediction, or of several species' predictions on the same structures (see the
 * module comment). Each species gets its own PCA; properties that not every species has are left out.
 */
export function chemiscopeDataset(
  structures: readonly Structure[],
  prediction: Prediction | readonly ChemiscopePart[],
  options: ChemiscopeOptions,
): ChemiscopeDataset {
  const parts = "atoms" in prediction ? [{ pred: prediction }] : prediction;
  if (parts.every((p) => p.pred.atoms.length === 0))
    throw new EngineError("InvalidParameter", "no predicted atoms to map");
  const done = parts.map((p) => partProperties(structures, p, options));
  const names = Object.keys(done[0]!.props).filter((k) => done.every((d) => k in d.props));
  const properties: Record<string, ChemiscopeProperty> = {};
  for (const k of names)
    properties[k] = {
      ...done[0]!.props[k]!,
      values: done.flatMap((d) => d.props[k]!.values as (number | string)[]) as number[] | string[],
    };
  const colour = names.find((k) => k === "CQ" || k === "σ_iso") ?? "PCA[1]";
  const cutoff = Math.max(...done.map((d) => d.cutoff));
  const explained = done
    .map(
      (d, k) =>
        `${symbolOf(parts[k]!.pred.species)} ${d.explained.map((e) => (100 * e).toFixed(1)).join(" / ")} %`,
    )
    .join(", ");
  const species = parts.map((p) => `${p.pred.atoms.length / 2} ${symbolOf(p.pred.species)}`).join(", ");
  return {
    meta: {
      name: options.name,
      description: [
        `soapgpr predictions for ${species} atoms of ${structures.length} structure(s); map: PCA of the λ=0 SOAP ` +
          `features per species (variance explained by PCA[1] / PCA[2]: ${explained}).`,
        ...(options.provenance ?? []),
        ...(options.sources ? [`structures from: ${[...new Set(options.sources)].join(", ")}`] : []),
      ].join("\n\n"),
    },
    structures: structures.map((s) => {
      const p = s.positions;
      return {
        size: s.length,
        names: s.symbols(),
        x: Array.from({ length: s.length }, (_, i) => p[3 * i]!),
        y: Array.from({ length: s.length }, (_, i) => p[3 * i + 1]!),
        z: Array.from({ length: s.length }, (_, i) => p[3 * i + 2]!),
        ...(s.cell ? { cell: num(s.cell) } : {}),
      };
    }),
    environments: parts.flatMap(({ pred }) =>
      Array.from({ length: pred.atoms.length / 2 }, (_, k) => ({
        structure: pred.atoms[2 * k]!,
        center: pred.atoms[2 * k + 1]!,
        cutoff,
      })),
    ),
    properties,
    settings: {
      target: "atom",
      map: { x: { property: "PCA[1]" }, y: { property: "PCA[2]" }, color: { property: colour } },
      structure: [{ environments: { activated: true, cutoff } }],
    },
  };
}

/** One species' test-set prediction of a benchmark (src/benchmark/efgBench.ts `test`), for a map. */
export interface TestSetPrediction {
  readonly element: string;
  /** (structure index, atom) per test environment. */
  readonly samples: Int32Array;
  /** Predicted T2 components (n × 5) and Cartesian tensors (n × 9), reference tensors (n × 9), a.u. */
  readonly t2: Float64Array;
  readonly cartesian: Float64Array;
  readonly reference: Float64Array;
  /** λ=0 features of the test environments (n × f0) and the SOAP cutoff radius (Å). */
  readonly features0: Float64Array;
  readonly f0: number;
  readonly cutoff: number;
}

/**
 * The chemiscope dataset of benchmark test sets: only the structures that hold test environments (renumbered in
 * input order), each species' predicted tensors with errors against its reference, PCA of its λ=0 features.
 */
export function testSetChemiscope(
  structures: readonly Structure[],
  sets: readonly TestSetPrediction[],
  options: ChemiscopeOptions,
): ChemiscopeDataset {
  const structureOf = (t: TestSetPrediction) =>
    Array.from({ length: t.samples.length / 2 }, (_, k) => t.samples[2 * k]!);
  const used = [...new Set(sets.flatMap(structureOf))].sort((a, b) => a - b);
  const renumber = new Map(used.map((s, i) => [s, i]));
  const parts: ChemiscopePart[] = sets.map((t) => ({
    pred: {
      species: atomicNumber(t.element),
      lambda: 2,
      atoms: t.samples.map((v, i) => (i % 2 === 0 ? renumber.get(v)! : v)),
      components: 5,
      mean: t.t2,
      cartesian: t.cartesian,
      notes: [],
    },
    reference: t.reference,
    features: { x: t.features0, f: t.f0, cutoff: t.cutoff },
  }));
  return chemiscopeDataset(
    used.map((i) => structures[i]!),
    parts,
    options.sources ? { ...options, sources: used.map((i) => options.sources![i]!) } : options,
  );
}

/** Write a chemiscope dataset atomically (gzip when the name ends in .gz). */
export function writeChemiscope(file: string, data: ChemiscopeDataset): void {
  writeFileAtomic(file, `${JSON.stringify(data)}\n`);
}
