import { EngineError, quoteInput } from "./errors.js";

/** Chemical symbols indexed by atomic number (index 0 is a placeholder "X"). */
export const SYMBOLS: readonly string[] = (
  "X H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr " +
  "Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb " +
  "Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr"
).split(" ");

const BY_SYMBOL: ReadonlyMap<string, number> = new Map(SYMBOLS.map((s, z) => [s.toLowerCase(), z]));

/** Atomic number of a chemical symbol (case-insensitive; trailing digits/labels like "Li1" are not accepted). */
export function atomicNumber(symbol: string): number {
  const z = BY_SYMBOL.get(symbol.trim().toLowerCase());
  if (z === undefined || z === 0) {
    throw new EngineError("InvalidParameter", `unknown chemical symbol ${quoteInput(symbol)}`);
  }
  return z;
}

/** Atomic number, or undefined if the symbol is not an element. */
export function tryAtomicNumber(symbol: string): number | undefined {
  const z = BY_SYMBOL.get(symbol.trim().toLowerCase());
  return z === undefined || z === 0 ? undefined : z;
}

/**
 * Element of a species token that may carry a site label: the exact symbol (any case, "li"), else a one- or
 * two-letter symbol followed by a non-letter ("Li1", "O12", "Ca2a"), else the single upper-case letter that
 * starts it ("Ob1"). A lower-case initial is no label of an element: "nan", "inf", "constructor" → undefined.
 */
export function elementOfLabel(token: string): number | undefined {
  const exact = tryAtomicNumber(token);
  if (exact !== undefined) return exact;
  const m = /^([A-Za-z][a-z]?)(?![a-z])/.exec(token);
  const z = m ? tryAtomicNumber(m[1]!) : undefined;
  if (z !== undefined) return z;
  const m1 = /^[A-Z]/.exec(token);
  return m1 ? tryAtomicNumber(m1[0]) : undefined;
}

export function symbolOf(z: number): string {
  const s = SYMBOLS[z];
  if (s === undefined || z <= 0) throw new EngineError("InvalidParameter", `unknown atomic number ${z}`);
  return s;
}
