/**
 * Nuclear spins and electric quadrupole moments for the quadrupolar coupling constant
 * CQ [Hz] = e Q Vzz / h = 234964.78 · Q[mb] · Vzz[a.u.]   (1 a.u. of EFG = 9.7173624e21 V/m²).
 *
 * Q values (millibarn) from P. Pyykkö, Mol. Phys. 106, 1965 (2008) ("Year-2008 nuclear quadrupole moments",
 * the table CASTEP uses), with the few updates of P. Pyykkö, Mol. Phys. 116, 1328 (2018) that change none of
 * the values below beyond their stated uncertainty; every value agrees with Soprano's table
 * (CCP-NC/soprano, soprano/data/nmrdata.json), which cites the same source. Spin-1/2 nuclei have Q = 0 (CQ = 0).
 * Defaults per element are the nucleus usually measured for quadrupolar NMR (Ti -> 47Ti as in Harper et al. 2025;
 * H -> 2H as MagresView/Soprano tables do) or, for elements without a common quadrupolar isotope, the spin-1/2
 * NMR isotope.
 */
import { EngineError, quoteInput } from "../core/errors.js";
import { own } from "../core/own.js";

/** e·(1 mb)·(1 a.u. of field gradient)/h in Hz. */
export const CQ_HZ_PER_MB_AU = 234964.78;

export interface Isotope {
  /** e.g. "47Ti" */
  readonly name: string;
  readonly element: string;
  readonly massNumber: number;
  /** nuclear spin I */
  readonly spin: number;
  /** electric quadrupole moment in millibarn (0 for I = 1/2) */
  readonly qMb: number;
}

function iso(massNumber: number, element: string, spin: number, qMb: number): Isotope {
  return { name: `${massNumber}${element}`, element, massNumber, spin, qMb };
}

/** All isotopes known to the table. */
export const ISOTOPES: readonly Isotope[] = [
  iso(1, "H", 0.5, 0),
  iso(2, "H", 1, 2.86),
  iso(6, "Li", 1, -0.808),
  iso(7, "Li", 1.5, -40.1),
  iso(9, "Be", 1.5, 52.88),
  iso(10, "B", 3, 84.59),
  iso(11, "B", 1.5, 40.59),
  iso(13, "C", 0.5, 0),
  iso(14, "N", 1, 20.44),
  iso(15, "N", 0.5, 0),
  iso(17, "O", 2.5, -25.58),
  iso(19, "F", 0.5, 0),
  iso(21, "Ne", 1.5, 101.55),
  iso(23, "Na", 1.5, 104),
  iso(25, "Mg", 2.5, 199.4),
  iso(27, "Al", 2.5, 146.6),
  iso(29, "Si", 0.5, 0),
  iso(31, "P", 0.5, 0),
  iso(33, "S", 1.5, -67.8),
  iso(35, "Cl", 1.5, -81.65),
  iso(37, "Cl", 1.5, -64.35),
  iso(39, "K", 1.5, 58.5),
  iso(43, "Ca", 3.5, -40.8),
  iso(45, "Sc", 3.5, -220),
  iso(47, "Ti", 2.5, 302),
  iso(49, "Ti", 3.5, 247),
  iso(51, "V", 3.5, -52),
  iso(53, "Cr", 1.5, -150),
  iso(55, "Mn", 2.5, 330),
  iso(59, "Co", 3.5, 420),
  iso(63, "Cu", 1.5, -220),
  iso(65, "Cu", 1.5, -204),
  iso(67, "Zn", 2.5, 150),
  iso(69, "Ga", 1.5, 171),
  iso(71, "Ga", 1.5, 107),
  iso(73, "Ge", 4.5, -196),
  iso(75, "As", 1.5, 314),
  iso(79, "Br", 1.5, 313),
  iso(81, "Br", 1.5, 262),
  iso(85, "Rb", 2.5, 276),
  iso(87, "Rb", 1.5, 133.5),
  iso(87, "Sr", 4.5, 305),
  iso(89, "Y", 0.5, 0),
  iso(91, "Zr", 2.5, -176),
  iso(93, "Nb", 4.5, -320),
  iso(95, "Mo", 2.5, -22),
  iso(115, "In", 4.5, 770),
  iso(127, "I", 2.5, -696),
  iso(133, "Cs", 3.5, -3.43),
  iso(137, "Ba", 1.5, 245),
  iso(139, "La", 3.5, 200),
];

const BY_NAME = new Map(ISOTOPES.map((i) => [i.name.toLowerCase(), i]));

/** Default isotope per element symbol. */
export const DEFAULT_ISOTOPE: Readonly<Record<string, string>> = {
  H: "2H",
  Li: "7Li",
  Be: "9Be",
  B: "11B",
  C: "13C",
  N: "14N",
  O: "17O",
  F: "19F",
  Ne: "21Ne",
  Na: "23Na",
  Mg: "25Mg",
  Al: "27Al",
  Si: "29Si",
  P: "31P",
  S: "33S",
  Cl: "35Cl",
  K: "39K",
  Ca: "43Ca",
  Sc: "45Sc",
  Ti: "47Ti",
  V: "51V",
  Cr: "53Cr",
  Mn: "55Mn",
  Co: "59Co",
  Cu: "63Cu",
  Zn: "67Zn",
  Ga: "71Ga",
  Ge: "73Ge",
  As: "75As",
  Br: "79Br",
  Rb: "87Rb",
  Sr: "87Sr",
  Y: "89Y",
  Zr: "91Zr",
  Nb: "93Nb",
  Mo: "95Mo",
  In: "115In",
  I: "127I",
  Cs: "133Cs",
  Ba: "137Ba",
  La: "139La",
};

/** Look up an isotope by name ("47Ti", case-insensitive; also accepts "Ti47"). Throws EngineError if unknown. */
export function isotope(name: string): Isotope {
  const key = name.trim().toLowerCase();
  const direct = BY_NAME.get(key);
  if (direct) return direct;
  const m = /^([a-z]+)(\d+)$/.exec(key);
  if (m) {
    const swapped = BY_NAME.get(`${m[2]}${m[1]}`);
    if (swapped) return swapped;
  }
  throw new EngineError("InvalidParameter", `unknown isotope ${quoteInput(name)}`, { field: "isotope" });
}

/**
 * Isotope for an element: the override (element -> isotope name) if given, else the default. Returns null for
 * an element with no table entry. Throws if an override names an isotope of another element.
 */
export function isotopeFor(element: string, overrides?: Readonly<Record<string, string>>): Isotope | null {
  const o = overrides ? own(overrides, element) : undefined;
  if (o !== undefined) {
    const i = isotope(o);
    if (i.element !== element) {
      throw new EngineError("InvalidParameter", `isotope ${i.name} is not an isotope of ${element}`, {
        field: "isotope",
      });
    }
    return i;
  }
  const d = own(DEFAULT_ISOTOPE, element);
  return d === undefined ? null : isotope(d);
}

/** CQ in MHz for Vzz in atomic units and Q in millibarn. */
export function cqMHz(vzzAu: number, qMb: number): number {
  return (CQ_HZ_PER_MB_AU * qMb * vzzAu) / 1e6;
}

/**
 * Parse "Ti=49Ti,O=17O" / ["Ti=49Ti", "O=17O"] into an element -> isotope map (validated).
 */
export function parseIsotopeOverrides(spec: string | readonly string[]): Record<string, string> {
  const parts = (typeof spec === "string" ? [spec] : spec).flatMap((s) => s.split(",")).map((s) => s.trim());
  const out: Record<string, string> = {};
  for (const p of parts) {
    if (p === "") continue;
    const m = /^([A-Za-z]{1,3})\s*=\s*(\S+)$/.exec(p);
    if (!m) {
      throw new EngineError(
        "InvalidParameter",
        `cannot parse isotope override ${quoteInput(p)} (expected EL=ISOTOPE, e.g. Ti=49Ti)`,
        {
          field: "isotope",
        },
      );
    }
    const el = m[1]!;
    const i = isotope(m[2]!);
    if (i.element !== el) {
      throw new EngineError("InvalidParameter", `isotope ${i.name} is not an isotope of ${el}`, {
        field: "isotope",
      });
    }
    out[el] = i.name;
  }
  return out;
}

/**
 * Frequency ratios Ξ (%) of the IUPAC recommendations, R. K. Harris, E. D. Becker, S. M. Cabral de Menezes,
 * R. Goodfellow, P. Granger, "NMR nomenclature. Nuclear spin properties and conventions for chemical shifts",
 * Pure Appl. Chem. 73, 1795 (2001), Table 1: the resonance frequency of each nucleus in its reference compound
 * relative to ¹H in TMS at 100 MHz. The sign is that of the gyromagnetic ratio γ (negative nuclei marked there by
 * a negative magnetic moment), so γ/2π = (Ξ/100) · γ_H/2π.
 */
const XI_PERCENT: Readonly<Record<string, number>> = {
  "1H": 100.0,
  "2H": 15.350609,
  "6Li": 14.716086,
  "7Li": 38.863797,
  "9Be": -14.051813,
  "10B": 10.743658,
  "11B": 32.083974,
  "13C": 25.14502,
  "14N": 7.226317,
  "15N": -10.136767,
  "17O": -13.556457,
  "19F": 94.094011,
  "21Ne": -7.894296,
  "23Na": 26.4519,
  "25Mg": -6.121635,
  "27Al": 26.056859,
  "29Si": -19.867187,
  "31P": 40.480742,
  "33S": 7.676,
  "35Cl": 9.797909,
  "37Cl": 8.155725,
  "39K": 4.666373,
  "43Ca": -6.730029,
  "45Sc": 24.291747,
  "47Ti": -5.637534,
  "49Ti": -5.639037,
  "51V": 26.302948,
  "53Cr": -5.652496,
  "55Mn": 24.789218,
  "59Co": 23.727074,
  "63Cu": 26.515473,
  "65Cu": 28.403693,
  "67Zn": 6.256803,
  "69Ga": 24.001354,
  "71Ga": 30.496704,
  "73Ge": -3.488315,
  "75As": 17.122614,
  "79Br": 25.05398,
  "81Br": 27.006518,
  "85Rb": 9.654943,
  "87Rb": 32.720454,
  "87Sr": -4.333822,
  "89Y": -4.900198,
  "91Zr": -9.296298,
  "93Nb": 24.47617,
  "95Mo": -6.516926,
  "115In": 21.912629,
  "127I": 20.007486,
  "133Cs": 13.116142,
  "137Ba": 11.112928,
  "139La": 14.125641,
};

/** γ/2π of the proton, MHz/T (CODATA 2018, γ_p/2π = 42.577 478 518 MHz/T). */
export const PROTON_GAMMA_MHZ_PER_T = 42.577478518;

/**
 * Signed γ/2π of an isotope in MHz/T, from the IUPAC frequency ratio Ξ (Harris et al. 2001) and the proton γ.
 * Ξ refers to ¹H in TMS, whose shielding (≈ 33 ppm) changes Larmor frequencies by ~3·10⁻⁵ relative — far below
 * anything a line shape resolves.
 */
export function gyromagneticRatioMHzPerT(iso: Isotope): number {
  const xi = XI_PERCENT[iso.name];
  if (xi === undefined) {
    throw new EngineError("InvalidParameter", `no gyromagnetic ratio known for ${iso.name}`, {
      field: "isotope",
    });
  }
  return (xi / 100) * PROTON_GAMMA_MHZ_PER_T;
}

/** Larmor frequency |γ/2π|·B0 in MHz for a field in tesla. */
export function larmorFrequencyMHz(iso: Isotope, fieldT: number): number {
  return Math.abs(gyromagneticRatioMHzPerT(iso)) * fieldT;
}
