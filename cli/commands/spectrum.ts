import type { Command } from "commander";
import { jsonText } from "../../src/core/json.js";
import { EngineError, parseChoice } from "../../src/core/errors.js";
import { checkOutputFile, writeFileAtomic } from "../../src/io/atomic.js";
import type { Structure } from "../../src/core/structure.js";
import { readStructures } from "../../src/io/read.js";
import { modelTargetName } from "../../src/model/modelfile.js";
import { predictionStructures } from "../../src/model/outputs.js";
import { loadModel } from "../../src/models.js";
import { isotopeFor, parseIsotopeOverrides } from "../../src/nmr/isotopes.js";
import { renderReportHtml } from "../../src/report/html.js";
import { renderFigureSvg } from "../../src/report/charts.js";
import type { SpectrumFigure } from "../../src/report/types.js";
import {
  type SpectrumDocument,
  type SpectrumMode,
  simulateSpectrum,
  spectrumBand,
  spectrumCsv,
  spectrumDocument,
  spectrumMoments,
  spectrumSites,
  type TensorSource,
  type UncertainSite,
} from "../../src/spectra/index.js";
import { numberFlag as num, parseSeed, summaryStream } from "../options.js";

interface SpectrumCliOptions {
  species: string;
  isotope: string[];
  field: string;
  mode: string;
  spinningRate?: string;
  broadening?: string;
  lorentzian?: string;
  reference?: string;
  from: string;
  to: string;
  points: string;
  orientations: string;
  tensors: string;
  samples?: string;
  seed: number;
  model?: string;
  json?: boolean;
  out?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function figureOf(doc: SpectrumDocument): SpectrumFigure {
  const rate = doc.spinningRate === null ? "" : ` at ${doc.spinningRate} kHz`;
  return {
    kind: "spectrum",
    title: `${doc.isotope} ${doc.mode === "mas" ? `MAS${rate}` : "static"}, ${doc.field} T, ${doc.sites} sites`,
    label: `δ(${doc.isotope}) / ppm`,
    series: [
      {
        name: doc.tensors.efg ?? doc.tensors.shift ?? "spectrum",
        ppm: doc.ppm,
        intensity: doc.intensity,
        ...(doc.band ? { lower: doc.band.lower, upper: doc.band.upper } : {}),
      },
    ],
  };
}

const OUTPUT_EXTENSIONS = [".csv", ".json", ".svg", ".html"];

async function render(file: string, doc: SpectrumDocument): Promise<string> {
  const ext = file.toLowerCase().replace(/\.gz$/, "");
  if (ext.endsWith(".csv") || file === "-") return spectrumCsv(doc);
  if (ext.endsWith(".json")) return jsonText(doc);
  if (ext.endsWith(".svg")) return renderFigureSvg(figureOf(doc));
  if (ext.endsWith(".html")) {
    return renderReportHtml({
      title: `${doc.isotope} NMR spectrum`,
      meta: {
        isotope: doc.isotope,
        field: doc.field,
        mode: doc.mode,
        sites: doc.sites,
        larmor: doc.larmor,
        orientations: doc.orientations,
        sources: doc.sources.join(", "),
      },
      metaLabels: { field: "field / T", larmor: "Larmor / MHz" },
      notes: Object.entries(doc.conventions).map(([k, v]) => `${k}: ${v}`),
      sections: [{ title: "Spectrum", figures: [figureOf(doc)], columns: 1 }],
    });
  }
  throw new EngineError("InvalidParameter", "unknown output type (use .csv, .json, .svg or .html)", {
    file,
    field: "--out",
  });
}

/**
 * `--model`: predict the structures' tensors with the model (variances only when bands are asked for) and attach
 * them as `soapgpr predict` would write them (`<target>_pred`, `<target>_std`), so the rest reads them alike.
 */
async function predicted(
  modelFile: string,
  structures: readonly Structure[],
  o: SpectrumCliOptions,
): Promise<Structure[]> {
  const model = loadModel(modelFile);
  const pred = await model.predict(structures, { variance: o.samples !== undefined });
  const target = modelTargetName(model.serialize().header) ?? "prediction";
  if (!pred.cartesian) {
    throw new EngineError(
      "InvalidParameter",
      `the model learns '${target}' at λ=${pred.lambda}, not a tensor: a spectrum needs an efg or ms tensor model`,
      { file: modelFile, field: "--model" },
    );
  }
  return predictionStructures(structures, pred, target);
}

async function runSpectrum(files: string[], o: SpectrumCliOptions): Promise<void> {
  const iso = isotopeFor(o.species, parseIsotopeOverrides(o.isotope));
  if (!iso) {
    throw new EngineError("InvalidParameter", `no isotope known for element '${o.species}'`, {
      field: "--species",
    });
  }
  // checked before the work: known extension, existing writable directory (`-` is standard output)
  if (o.out !== undefined) checkOutputFile(o.out, { extensions: OUTPUT_EXTENSIONS });
  const mode = parseChoice<SpectrumMode>(o.mode, ["static", "mas"], "--mode", "mode");
  const source = parseChoice<TensorSource>(
    o.tensors,
    ["auto", "reference", "prediction"],
    "--tensors",
    "tensor source",
  );
  const reference = num(o.reference, "--reference");
  // predictions carry NaN for atoms the model did not predict; spectrumSites checks the sites it uses
  const read = readStructures(files, { allowNonFinite: true });
  const { sources } = read;
  const structures = o.model === undefined ? read.structures : await predicted(o.model, read.structures, o);
  const sites: UncertainSite[] = [];
  let arrays: { shift: string | null; efg: string | null } = { shift: null, efg: null };
  let hasStd = false;
  structures.forEach((s, k) => {
    const set = spectrumSites(s, {
      species: o.species,
      isotope: iso,
      source,
      file: sources[k]!,
      ...(reference !== undefined ? { reference } : {}),
    });
    sites.push(...set.sites);
    arrays = set.arrays;
    hasStd ||= set.hasStd;
  });
  if (sites.length === 0) {
    throw new EngineError("InvalidParameter", `no ${o.species} sites in the input`, { field: "--species" });
  }
  const rate = num(o.spinningRate, "--spinning-rate");
  const gaussian = num(o.broadening, "--broadening");
  const lorentzian = num(o.lorentzian, "--lorentzian");
  const options = {
    isotope: iso,
    fieldT: num(o.field, "--field")!,
    mode,
    from: num(o.from, "--from")!,
    to: num(o.to, "--to")!,
    points: num(o.points, "--points")!,
    orientations: num(o.orientations, "--orientations")!,
    ...(rate !== undefined ? { spinningRateKHz: rate } : {}),
    ...(gaussian !== undefined ? { gaussianPpm: gaussian } : {}),
    ...(lorentzian !== undefined ? { lorentzianHz: lorentzian } : {}),
  };
  const spec = simulateSpectrum(sites, options);
  const samples = num(o.samples, "--samples");
  if (samples !== undefined && !hasStd) {
    throw new EngineError(
      "InvalidParameter",
      "--samples needs predictive standard deviations (efg_std / ms_std columns, as `soapgpr predict` writes)",
      { field: "--samples" },
    );
  }
  const band = samples !== undefined ? spectrumBand(sites, options, { samples, seed: o.seed }) : undefined;
  const doc = spectrumDocument(
    spec,
    {
      isotope: iso.name,
      fieldT: options.fieldT,
      mode,
      spinningRateKHz: rate ?? null,
      sites: sites.length,
      tensors: arrays,
      reference: reference ?? null,
      sources,
    },
    band,
  );
  if (o.out) writeFileAtomic(o.out, await render(o.out, doc));
  if (o.json) process.stdout.write(jsonText(doc));
  else summary(doc, o.out);
}

function summary(doc: SpectrumDocument, out: string | undefined): void {
  const { area, mean } = spectrumMoments(doc.ppm, doc.intensity);
  const lines = [
    `${doc.isotope} ${doc.mode} spectrum at ${doc.field} T (Larmor ${doc.larmor.toFixed(4)} MHz): ${doc.sites} sites, ${doc.orientations} orientations`,
    `tensors: ${[doc.tensors.shift, doc.tensors.efg].filter((x) => x !== null).join(", ")}`,
    area > 0
      ? `area on the grid ${area.toFixed(4)} (outside ${(100 * doc.outside).toFixed(2)} %), centre of gravity ${mean.toFixed(3)} ppm`
      : "no intensity on the grid: widen --from/--to",
    out ? `written: ${out}` : "use --json for the data or --out FILE (.csv, .json, .svg, .html)",
  ];
  if (doc.outside > 0.01) lines.push("warning: more than 1 % of the intensity lies outside --from/--to");
  summaryStream(out).write(`${lines.join("\n")}\n`);
}

export function register(program: Command): void {
  program
    .command("spectrum")
    .description(
      "NMR powder line shapes from EFG / shielding tensors: CSA (static, MAS with sidebands) and the second-order quadrupolar central transition",
    )
    .argument(
      "<files...>",
      "input files or directories (.magres, .xyz/.extxyz incl. `soapgpr predict` output, .cif, Venetos .json)",
    )
    .requiredOption("--species <EL>", "element whose sites are simulated")
    .option("--isotope <EL=ISO>", "isotope for an element, e.g. Ti=49Ti (repeatable)", collect, [])
    .requiredOption("--field <T>", "magnetic field B0 in tesla")
    .option("--mode <mode>", "static | mas", "static")
    .option("--spinning-rate <kHz>", "MAS rate in kHz (sidebands of the CSA); omitted: infinitely fast")
    .option("--broadening <ppm>", "Gaussian line broadening, FWHM in ppm")
    .option("--lorentzian <Hz>", "Lorentzian line broadening, FWHM in Hz")
    .option("--reference <ppm>", "σ_ref for δ = σ_ref − σ (required with shielding tensors)")
    .requiredOption("--from <ppm>", "first grid point (ppm)")
    .requiredOption("--to <ppm>", "last grid point (ppm)")
    .option("--points <N>", "grid points", "4096")
    .option("--orientations <N>", "powder orientations (rounded up to the grid size)", "2000")
    .option(
      "--tensors <which>",
      "auto | reference | prediction (files from `soapgpr predict` carry both)",
      "auto",
    )
    .option(
      "--model <file>",
      "predict the tensors of the input structures with this model (instead of reading tensors from the files)",
    )
    .option("--samples <N>", "uncertainty band from N draws of the predicted tensors")
    .option("--seed <S>", "seed of those draws", parseSeed, 0)
    .option("--json", "machine-readable JSON on stdout")
    .option(
      "--out <file>",
      "write the spectrum (.csv, .json, .svg, .html, optionally + .gz; - = CSV on standard output)",
    )
    .action((files: string[], o: SpectrumCliOptions) => runSpectrum(files, o));
}
