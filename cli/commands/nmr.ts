import type { Command } from "commander";
import { jsonText } from "../../src/core/json.js";
import { printable } from "../../src/core/errors.js";
import { readStructures } from "../../src/io/read.js";
import { parseIsotopeOverrides } from "../../src/nmr/isotopes.js";
import { nmrSites, type Site } from "../../src/nmr/sites.js";
import { chemicalShift, type ShiftReference } from "../../src/nmr/shifts.js";
import { STDIN_HELP } from "../inputs.js";
import { addReferenceOptions, type ReferenceCliOptions, referenceOf } from "../reference.js";

interface NmrOptions extends ReferenceCliOptions {
  json?: boolean;
  isotope: string[];
  species: string[];
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

const f = (x: number | null, d: number, w: number): string => (x === null ? "-" : x.toFixed(d)).padStart(w);

function efgTable(sites: Site[]): string[] {
  const rows = sites.filter((s) => s.efg);
  if (rows.length === 0) return [];
  const lines = [
    "EFG (NQR order |Vxx|<=|Vyy|<=|Vzz|; theta, phi of the Vzz axis, B0 || z; Euler ZYZ degrees, Soprano normalisation)",
    `${"label".padEnd(10)}${"iso".padStart(6)}${"Vzz/au".padStart(11)}${"eta".padStart(8)}${"CQ/MHz".padStart(10)}${"theta".padStart(8)}${"phi".padStart(8)}  ${"active a,b,g".padEnd(24)}${"passive a,b,g".padEnd(24)}quaternion w,x,y,z`,
  ];
  for (const s of rows) {
    const e = s.efg!;
    lines.push(
      `${s.label.padEnd(10)}${(e.isotope ?? "-").padStart(6)}${f(e.vzz, 6, 11)}${f(e.eta, 4, 8)}${f(e.cq, 4, 10)}${f(e.theta, 2, 8)}${f(e.phi, 2, 8)}  ${e.eulerActive.map((v) => v.toFixed(2).padStart(7)).join(" ")}  ${e.eulerPassive.map((v) => v.toFixed(2).padStart(7)).join(" ")}  ${e.quaternion.map((v) => v.toFixed(5)).join(" ")}`,
    );
  }
  return lines;
}

function msTable(sites: Site[], reference: ShiftReference | null): string[] {
  const rows = sites.filter((s) => s.ms);
  if (rows.length === 0) return [];
  const shift = (iso: number) => (reference ? f(chemicalShift(reference, iso), 4, 11) : "");
  const lines = [
    "MS (ppm; Haeberlen zeta = s_zz - s_iso, eta; Maryland span, skew = 3(s_iso - s_22)/span)",
    `${"label".padEnd(10)}${"s_iso".padStart(11)}${"zeta".padStart(11)}${"eta".padStart(8)}${"span".padStart(11)}${"skew".padStart(8)}${reference ? "d_iso".padStart(11) : ""}`,
  ];
  for (const s of rows) {
    const m = s.ms!;
    lines.push(
      `${s.label.padEnd(10)}${f(m.iso, 4, 11)}${f(m.zeta, 4, 11)}${f(m.eta, 4, 8)}${f(m.span, 4, 11)}${f(m.skew, 4, 8)}${shift(m.iso)}`,
    );
  }
  return lines;
}

/** Sites with δ_iso (`ms.shift`, ppm) added when a reference is given. */
function withShifts(sites: Site[], reference: ShiftReference | null): Site[] {
  if (!reference) return sites;
  return sites.map((s) => (s.ms ? { ...s, ms: { ...s.ms, shift: chemicalShift(reference, s.ms.iso) } } : s));
}

export function register(program: Command): void {
  const cmd = program
    .command("nmr")
    .description(
      "NMR observables of the EFG / shielding tensors in magres or extxyz files: Vzz, eta, CQ, theta, phi, Euler angles, quaternions; s_iso, zeta, eta, span, skew",
    )
    .argument(
      "<files...>",
      `input files or directories searched recursively (.magres, .xyz/.extxyz, .cif, Venetos .json; .gz accepted)${STDIN_HELP}`,
    )
    .option("--json", "machine-readable JSON on stdout")
    .option(
      "--isotope <EL=ISO>",
      "isotope for an element, e.g. Ti=49Ti (repeatable or comma-separated)",
      collect,
      [],
    )
    .option("--species <EL>", "only sites of this element (repeatable or comma-separated)", collect, []);
  addReferenceOptions(cmd).action((files: string[], opts: NmrOptions) => {
    const isotopes = parseIsotopeOverrides(opts.isotope);
    const { reference, text: referenceText } = referenceOf(opts);
    if (referenceText) process.stderr.write(`${referenceText}\n`);
    const species = opts.species
      .flatMap((s) => s.split(","))
      .map((s) => s.trim())
      .filter((s) => s !== "");
    const { structures, sources } = readStructures(files);
    const results = structures.map((s, k) => ({
      source: sources[k]!,
      sites: withShifts(
        nmrSites(s, { isotopes, file: sources[k]!, ...(species.length > 0 ? { species } : {}) }),
        reference,
      ),
    }));
    if (opts.json) {
      const doc = {
        units: {
          efg: "a.u. (Eh/(e a0^2))",
          cq: "MHz",
          nuQ: "MHz",
          omegaQ: "kHz",
          angles: "degrees",
          ms: "ppm",
        },
        conventions: {
          efgOrder: "NQR |Vxx|<=|Vyy|<=|Vzz|, eta=(Vxx-Vyy)/Vzz",
          thetaPhi:
            "Vzz axis in the lab frame (B0 || z), axis sign chosen with x>=0: theta in [0,180], phi in [-90,90]",
          omegaQ: "Harper 2025 eq. 5 with theta, phi above; omegaQLab = nuQ*V_lab_zz/Vzz (exact first order)",
          euler: "ZYZ, V = Rz(a)Ry(b)Rz(g) (active) / of V^T (passive), Soprano/TensorView normalisation",
          quaternion: "(w,x,y,z) of the eigenvector matrix, Shepperd, w>=0",
          ms: "Haeberlen zeta, delta=3zeta/2, eta; Maryland span, skew=3(iso-s22)/span",
          ...(reference
            ? { shift: `ms.shift = a - b*iso, a = ${reference.a}, b = ${reference.b} (ppm)` }
            : {}),
        },
        results,
      };
      process.stdout.write(jsonText(doc, 1));
      return;
    }
    const out: string[] = [];
    for (const r of results) {
      out.push(`# ${printable(r.source)}`);
      out.push(...efgTable(r.sites), ...msTable(r.sites, reference), "");
    }
    process.stdout.write(`${out.join("\n")}\n`);
  });
}
