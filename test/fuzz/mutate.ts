/**
 * Deterministic mutators for the fuzz suite: each takes the seed bytes and an Rng and returns the mutated
 * bytes with a one-line description of what was done (position, old and new content), so that a failing
 * case can be reproduced from its seed alone.
 */
import { Rng } from "../../src/core/rng.js";

export interface Mutant {
  readonly bytes: Uint8Array;
  /** What was changed, e.g. `flip@1234 0x31->0x35`. */
  readonly what: string;
}

export type Mutator = (src: Uint8Array, rng: Rng) => Mutant;

/** Bytes that tend to matter to text parsers: digits, signs, exponent, separators, quotes, NUL, CR, high bytes. */
const BYTES = [..."0123456789-+.eE \t\n\r#\"'[]{}=:,;_"]
  .map((c) => c.charCodeAt(0))
  .concat([0x00, 0x7f, 0xff, 0xc3]);

/** Tokens that probe number and count handling. */
export const TOKENS = [
  "nan",
  "NaN",
  "inf",
  "-Infinity",
  "1e308",
  "-1e308",
  "1e999",
  "-0",
  "0",
  "-1",
  "4294967296",
  "9007199254740993",
  "0x10",
  "1.5.2",
  "",
  "T",
  "constructor",
  "__proto__",
  "Xx",
] as const;

const hex = (b: number | undefined) => (b === undefined ? "EOF" : `0x${b.toString(16).padStart(2, "0")}`);
const quote = (s: string) => JSON.stringify(s.length > 24 ? `${s.slice(0, 24)}…` : s);

function splice(
  src: Uint8Array,
  at: number,
  remove: number,
  insert: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const out = new Uint8Array(src.length - remove + insert.length);
  out.set(src.subarray(0, at), 0);
  out.set(insert, at);
  out.set(src.subarray(at + remove), at + insert.length);
  return out;
}

/** Flip one bit of one byte. */
export const flip: Mutator = (src, rng) => {
  const at = rng.int(src.length);
  const out = src.slice();
  out[at] = src[at]! ^ (1 << rng.int(8));
  return { bytes: out, what: `flip@${at} ${hex(src[at])}->${hex(out[at])}` };
};

/** Insert 1–4 parser-relevant bytes. */
export const insert: Mutator = (src, rng) => {
  const at = rng.int(src.length + 1);
  const ins = Uint8Array.from({ length: 1 + rng.int(4) }, () => BYTES[rng.int(BYTES.length)]!);
  return { bytes: splice(src, at, 0, ins), what: `insert@${at} [${[...ins].map(hex).join(" ")}]` };
};

/** Delete 1–8 bytes. */
export const remove: Mutator = (src, rng) => {
  const at = rng.int(src.length);
  const n = Math.min(1 + rng.int(8), src.length - at);
  return { bytes: splice(src, at, n), what: `delete@${at}+${n}` };
};

/** Change one decimal digit to another. */
export const digit: Mutator = (src, rng) => {
  const at =
    pick(
      positions(src, (b) => b >= 0x30 && b <= 0x39),
      rng,
    ) ?? rng.int(src.length);
  const out = src.slice();
  out[at] = 0x30 + ((src[at]! - 0x30 + 1 + rng.int(9)) % 10);
  return { bytes: out, what: `digit@${at} ${hex(src[at])}->${hex(out[at])}` };
};

/** Truncate at a random byte. */
export const truncate: Mutator = (src, rng) => {
  const at = rng.int(src.length);
  return { bytes: src.slice(0, at), what: `truncate@${at}/${src.length}` };
};

/** Replace one whitespace-separated token by a probe token, or swap two tokens. */
export const token: Mutator = (src, rng) => {
  const toks = tokenSpans(src);
  const [a0, a1] = toks[rng.int(toks.length)]!;
  const text = (s: number, e: number) => Buffer.from(src.subarray(s, e)).toString("latin1");
  if (rng.uniform() < 0.5) {
    const t = TOKENS[rng.int(TOKENS.length)]!;
    return {
      bytes: splice(src, a0, a1 - a0, Buffer.from(t, "latin1")),
      what: `token@${a0} ${quote(text(a0, a1))}->${quote(t)}`,
    };
  }
  const [b0, b1] = toks[rng.int(toks.length)]!;
  const [[s0, s1], [t0, t1]] =
    a0 <= b0
      ? [
          [a0, a1],
          [b0, b1],
        ]
      : [
          [b0, b1],
          [a0, a1],
        ];
  if (s0 === t0) return { bytes: src.slice(), what: `swap@${s0} (same token)` };
  const out = Buffer.concat([
    src.subarray(0, s0),
    src.subarray(t0, t1),
    src.subarray(s1, t0),
    src.subarray(s0, s1),
    src.subarray(t1),
  ]);
  return {
    bytes: new Uint8Array(out),
    what: `swap@${s0},${t0} ${quote(text(s0, s1))}<->${quote(text(t0, t1))}`,
  };
};

/** Delete or duplicate one whole line. */
export const line: Mutator = (src, rng) => {
  const starts = lineStarts(src);
  const k = rng.int(starts.length);
  const s = starts[k]!;
  const e = starts[k + 1] ?? src.length;
  if (rng.uniform() < 0.5) return { bytes: splice(src, s, e - s), what: `delete-line ${k + 1}` };
  return { bytes: splice(src, e, 0, src.slice(s, e)), what: `duplicate-line ${k + 1}` };
};

/** Replace the first token of one line (counts, keywords, species labels) by a probe token. */
export const lineHead: Mutator = (src, rng) => {
  const starts = lineStarts(src);
  const k = rng.int(starts.length);
  const s = starts[k]!;
  const [t0, t1] = tokenSpans(src.subarray(s, starts[k + 1] ?? src.length))[0]!;
  const t = TOKENS[rng.int(TOKENS.length)]!;
  return {
    bytes: splice(src, s + t0, t1 - t0, Buffer.from(t, "latin1")),
    what: `line ${k + 1} head -> ${quote(t)}`,
  };
};

export const TEXT_MUTATORS: readonly Mutator[] = [
  flip,
  insert,
  remove,
  digit,
  token,
  token,
  lineHead,
  line,
  truncate,
];

/** The `k`-th mutant of `src` for a suite seed: the mutator and its choices depend only on (seed, k). */
export function mutant(src: Uint8Array, seed: number, k: number, mutators = TEXT_MUTATORS): Mutant {
  const rng = new Rng(seed * 100_003 + k);
  // a plain copy: Buffer.slice would return a view, and the mutators must never write into the seed
  return mutators[rng.int(mutators.length)]!(new Uint8Array(src), rng);
}

function positions(src: Uint8Array, test: (b: number) => boolean): number[] {
  const out: number[] = [];
  src.forEach((b, i) => {
    if (test(b)) out.push(i);
  });
  return out;
}

/** Offset of every line's first byte. */
function lineStarts(src: Uint8Array): number[] {
  return [0, ...positions(src, (b) => b === 0x0a).map((p) => p + 1)].filter((p) => p < src.length);
}

function pick<T>(a: readonly T[], rng: Rng): T | undefined {
  return a.length > 0 ? a[rng.int(a.length)] : undefined;
}

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/** [start, end) of every maximal run of non-whitespace bytes. */
function tokenSpans(src: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= src.length; i++) {
    const space = i === src.length || isSpace(src[i]!);
    if (!space && start < 0) start = i;
    if (space && start >= 0) {
      out.push([start, i]);
      start = -1;
    }
  }
  return out.length > 0 ? out : [[0, src.length]];
}
