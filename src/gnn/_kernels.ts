/**
 * Convolution inner kernels generated per (d1, d3) = (2l1+1, 2l3+1): the coupling matrix G (d1×d3) of one edge and
 * path is loaded into locals once, then the channel loop runs straight-line code (no inner m-loops).
 * Generated with `new Function` from fixed templates (no user input reaches the source).
 */

/** out[oo + ch·d3 + m3] += α r[ro+ch] Σ_m1 x[xo + ch·d1 + m1] G[m1, m3], ch = 0..c−1. */
export type ConvFwdKernel = (
  x: Float64Array,
  xo: number,
  gm: Float64Array,
  gb: number,
  out: Float64Array,
  oo: number,
  r: Float64Array,
  ro: number,
  alpha: number,
  c: number,
) => void;

/** Backward of ConvFwdKernel: gx (may be null) and gr accumulate. */
export type ConvBwdKernel = (
  x: Float64Array,
  xo: number,
  gm: Float64Array,
  gb: number,
  gout: Float64Array,
  oo: number,
  r: Float64Array,
  ro: number,
  alpha: number,
  c: number,
  gx: Float64Array | null,
  gr: Float64Array,
) => void;

const fwdCache = new Map<string, ConvFwdKernel>();
const bwdCache = new Map<string, ConvBwdKernel>();

function range(n: number): number[] {
  return [...Array(n).keys()];
}

export function convFwdKernel(d1: number, d3: number): ConvFwdKernel {
  const key = `${d1},${d3}`;
  const hit = fwdCache.get(key);
  if (hit) return hit;
  const lines: string[] = [];
  for (const a of range(d1))
    for (const b of range(d3)) lines.push(`const g${a}_${b} = gm[gb + ${a * d3 + b}];`);
  lines.push("for (let ch = 0; ch < c; ch++) {");
  lines.push("const w = alpha * r[ro + ch];");
  for (const a of range(d1)) lines.push(`const x${a} = x[xo + ${a}];`);
  for (const b of range(d3)) {
    const terms = range(d1).map((a) => `x${a} * g${a}_${b}`);
    lines.push(`out[oo + ${b}] += w * (${terms.join(" + ")});`);
  }
  lines.push(`xo += ${d1}; oo += ${d3};`);
  lines.push("}");
  const f = new Function(
    "x",
    "xo",
    "gm",
    "gb",
    "out",
    "oo",
    "r",
    "ro",
    "alpha",
    "c",
    lines.join("\n"),
  ) as ConvFwdKernel;
  fwdCache.set(key, f);
  return f;
}

export function convBwdKernel(d1: number, d3: number): ConvBwdKernel {
  const key = `${d1},${d3}`;
  const hit = bwdCache.get(key);
  if (hit) return hit;
  const lines: string[] = [];
  for (const a of range(d1))
    for (const b of range(d3)) lines.push(`const g${a}_${b} = gm[gb + ${a * d3 + b}];`);
  lines.push("for (let ch = 0; ch < c; ch++) {");
  lines.push("const w = alpha * r[ro + ch];");
  for (const b of range(d3)) lines.push(`const o${b} = gout[oo + ${b}];`);
  for (const a of range(d1)) {
    const terms = range(d3).map((b) => `g${a}_${b} * o${b}`);
    lines.push(`const s${a} = ${terms.join(" + ")};`);
  }
  lines.push(
    `gr[ro + ch] += alpha * (${range(d1)
      .map((a) => `x[xo + ${a}] * s${a}`)
      .join(" + ")});`,
  );
  lines.push(
    `if (gx !== null) { ${range(d1)
      .map((a) => `gx[xo + ${a}] += w * s${a};`)
      .join(" ")} }`,
  );
  lines.push(`xo += ${d1}; oo += ${d3};`);
  lines.push("}");
  const f = new Function(
    "x",
    "xo",
    "gm",
    "gb",
    "gout",
    "oo",
    "r",
    "ro",
    "alpha",
    "c",
    "gx",
    "gr",
    lines.join("\n"),
  ) as ConvBwdKernel;
  bwdCache.set(key, f);
  return f;
}
