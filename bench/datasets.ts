/**
 * Dataset generator timings: `npx tsx bench/datasets.ts [--quick]`.
 * Prints the time of the full point-charge LTO-EFG database (1640 structures, 68 880 tensors), the scaling of
 * the Ewald EFG with cell size (fitted exponent; the target is ≤ 1.5), and the 1512-atom Monte Carlo cells.
 */
import { ewaldEfg } from "../src/datasets/ewald.js";
import { generateLto } from "../src/datasets/lto.js";
import { generateLtoLarge } from "../src/datasets/ltoLarge.js";
import { spinelSupercell } from "../src/datasets/spinel.js";
import { formatExtxyz } from "../src/io/extxyz.js";

const quick = process.argv.includes("--quick");

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, (performance.now() - t0) / 1000];
}

const nLto = quick ? 200 : 1640;
const [lto, tGen] = time(() => generateLto({ structures: nLto, seed: 0 }));
const [text, tFmt] = time(() => formatExtxyz(lto.structures, { precision: 10 }));
console.log(
  `lto: ${nLto} structures (${lto.summary.tensors} tensors): generate ${tGen.toFixed(2)} s, format ${tFmt.toFixed(2)} s, ${(text.length / 1e6).toFixed(1)} MB`,
);

const sizes: [number, number][] = [];
for (const n of quick ? [1, 2, 3] : [1, 2, 3, 4]) {
  const h = spinelSupercell(n);
  const q = h.sites.map((s) => (s === "8a" ? 1 : s === "32e" ? -2 : 3.5));
  const reps = n === 1 ? 20 : 1;
  const [, t] = time(() => {
    for (let r = 0; r < reps; r++) ewaldEfg(h.cell, h.positions, q);
  });
  sizes.push([h.sites.length, t / reps]);
  console.log(`ewald efg: ${h.sites.length} atoms ${((1000 * t) / reps).toFixed(1)} ms`);
}
const [n0, t0] = sizes[1]!;
const [n1, t1] = sizes[sizes.length - 1]!;
console.log(
  `ewald efg: fitted exponent t ∝ N^${(Math.log(t1 / t0) / Math.log(n1 / n0)).toFixed(2)} (${n0}→${n1} atoms)`,
);

const cells = quick ? 1 : 2;
const [big, tBig] = time(() => generateLtoLarge({ cells, seed: 0 }));
console.log(
  `lto-large: ${cells} cells × ${big.summary.atoms} atoms (200 sweeps, EFG): ${tBig.toFixed(2)} s total; acceptance ${big.summary.cells
    .map((c) => (100 * c.acceptance).toFixed(2))
    .join(", ")} %`,
);
