/**
 * Plain-JSON and CSV forms of a simulated spectrum (what `soapgpr spectrum --json` prints and `--out` writes).
 */
import type { Spectrum } from "./simulate.js";
import type { SpectrumBand } from "./uncertainty.js";

export interface SpectrumMeta {
  readonly isotope: string;
  readonly fieldT: number;
  readonly mode: "static" | "mas";
  readonly spinningRateKHz: number | null;
  readonly sites: number;
  /** per-atom arrays the tensors came from */
  readonly tensors: { readonly shift: string | null; readonly efg: string | null };
  /** σ_ref (ppm) used for δ = σ_ref − σ, or null */
  readonly reference: number | null;
  readonly sources: readonly string[];
}

export interface SpectrumDocument {
  ppm: number[];
  intensity: number[];
  isotope: string;
  /** T */
  field: number;
  mode: string;
  sites: number;
  /** kHz; null: static or infinitely fast */
  spinningRate: number | null;
  /** Larmor frequency of the isotope, MHz */
  larmor: number;
  orientations: number;
  outside: number;
  tensors: { shift: string | null; efg: string | null };
  /** σ_ref, ppm */
  reference: number | null;
  sources: string[];
  groups: { label: string; sites: number; intensity: number[] }[];
  band?: { samples: number; seed: number; level: number; lower: number[]; upper: number[] };
  /** The unit of every number above that has one (docs/json.md). */
  units: Record<string, string>;
  conventions: Record<string, string>;
}

const SPECTRUM_UNITS: Readonly<Record<string, string>> = {
  ppm: "ppm",
  intensity: "1/ppm",
  field: "T",
  spinningRate: "kHz",
  larmor: "MHz",
  reference: "ppm",
};

export const SPECTRUM_CONVENTIONS: Readonly<Record<string, string>> = {
  axis: "δ in ppm (δ = σ_ref − σ), points from --from to --to in the order given; plots draw high δ on the left",
  intensity:
    "density per ppm, normalised to unit area over the whole spectrum (outside = fraction off the grid)",
  quadrupolar: "second-order central transition; its shift is negative on the δ scale for every nucleus",
  powder: "ASG triangulated hemisphere in the site's principal frame, tent interpolation (docs/spectra.md)",
};

/** The JSON document of a spectrum. */
export function spectrumDocument(spec: Spectrum, meta: SpectrumMeta, band?: SpectrumBand): SpectrumDocument {
  return {
    ppm: Array.from(spec.ppm),
    intensity: Array.from(spec.intensity),
    isotope: meta.isotope,
    field: meta.fieldT,
    mode: meta.mode,
    sites: meta.sites,
    spinningRate: meta.spinningRateKHz,
    larmor: spec.larmorMHz,
    orientations: spec.orientations,
    outside: spec.outside,
    tensors: { ...meta.tensors },
    reference: meta.reference,
    sources: [...meta.sources],
    groups: spec.groups.map((g) => ({ label: g.label, sites: g.sites, intensity: Array.from(g.intensity) })),
    ...(band
      ? {
          band: {
            samples: band.samples,
            seed: band.seed,
            level: band.level,
            lower: Array.from(band.lower),
            upper: Array.from(band.upper),
          },
        }
      : {}),
    units: { ...SPECTRUM_UNITS },
    conventions: { ...SPECTRUM_CONVENTIONS },
  };
}

/** CSV: `# key=value` header lines, then ppm, intensity, [lower, upper,] one column per group. */
export function spectrumCsv(doc: SpectrumDocument): string {
  const head = [
    `isotope=${doc.isotope}`,
    `field_T=${doc.field}`,
    `mode=${doc.mode}`,
    `spinning_rate_kHz=${doc.spinningRate ?? "infinite"}`,
    `sites=${doc.sites}`,
    `larmor_MHz=${doc.larmor}`,
    `orientations=${doc.orientations}`,
    `outside=${doc.outside}`,
    ...Object.entries(doc.conventions).map(([k, v]) => `${k}: ${v}`),
  ].map((l) => `# ${l}`);
  const groupCols = doc.groups.map((g) => `group_${g.label.replace(/[^A-Za-z0-9_]/g, "_")}`);
  const cols = ["ppm", "intensity", ...(doc.band ? ["lower", "upper"] : []), ...groupCols];
  const lines = [...head, cols.join(",")];
  for (let j = 0; j < doc.ppm.length; j++) {
    const row = [doc.ppm[j]!, doc.intensity[j]!];
    if (doc.band) row.push(doc.band.lower[j]!, doc.band.upper[j]!);
    for (const g of doc.groups) row.push(g.intensity[j]!);
    lines.push(row.join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** Area Σ I_j |step| and centre of gravity Σ δ_j I_j / Σ I_j of a spectrum on a uniform grid. */
export function spectrumMoments(
  ppm: ArrayLike<number>,
  intensity: ArrayLike<number>,
): { area: number; mean: number } {
  let m0 = 0;
  let m1 = 0;
  for (let j = 0; j < ppm.length; j++) {
    m0 += intensity[j]!;
    m1 += ppm[j]! * intensity[j]!;
  }
  const step = ppm.length > 1 ? Math.abs(ppm[1]! - ppm[0]!) : 0;
  return { area: m0 * step, mean: m0 === 0 ? Number.NaN : m1 / m0 };
}
