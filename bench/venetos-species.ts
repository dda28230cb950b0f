/**
 * Issue 14 item 5: λ-SOAP feature size and time against the number of species channels, on the Venetos et al.
 * ²⁹Si structures (11 elements). Per-species-pair features grow as K(K+1)/2 with K = species × nmax channels, so
 * the λ=2 block of the full species list is what limits `bench venetos`. Each row keeps the structures made only
 * of the first k species of the list (Si and O first), so the channel count is exactly k.
 *
 * Run: npx tsx bench/venetos-species.ts [--nmax N] [--lmax L]   (wall time of one call, single thread; the
 * machine is shared, expect ±30 %). Prints species, structures, Si centres, properties per λ block
 * (λ=0, λ=1 odd parity, λ=2), the bytes of the λ=2 block per centre, and the seconds per 100 centres.
 */
import { readVenetos } from "../src/io/venetos.js";
import { LambdaSoap } from "../src/soap/lambdaSoap.js";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const nmax = arg("--nmax", 4);
const lmax = arg("--lmax", 3);
const all = readVenetos(
  new URL("../../shared/data/magres/venetos_si_ms/si_nmr_data.json.gz", import.meta.url).pathname,
);
// species ordered by how many structures contain them (Si and O in all)
const counts = new Map<number, number>();
for (const s of all) for (const z of new Set(s.numbers)) counts.set(z, (counts.get(z) ?? 0) + 1);
const order = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)!);
console.log(`nmax ${nmax}, lmax ${lmax}, rc 5 Å, σ 0.45 Å; species by frequency: ${order.join(", ")}`);
console.log("k  structures  centres  F(λ=0)  F(λ=1,odd)  F(λ=2)  λ=2 kB/centre  s/100 centres (λ 0+1+2)");
for (const k of [2, 3, 4, 6, 8, order.length]) {
  const species = order.slice(0, k).sort((a, b) => a - b);
  const keep = new Set(species);
  const structures = all.filter((s) => s.numbers.every((z) => keep.has(z))).slice(0, 40);
  if (structures.length === 0) continue;
  const d = new LambdaSoap({
    cutoff: { radius: 5 },
    density: { width: 0.45 },
    basis: { maxRadial: nmax, maxAngular: lmax },
    species,
  });
  const t = performance.now();
  const even = d.compute(structures, { centers: [14], lambdas: [0, 2] });
  const odd = d.compute(structures, { centers: [14], lambdas: [1], parity: -1 });
  const sec = (performance.now() - t) / 1000;
  const b0 = even.get("14:0")!;
  const b2 = even.get("14:2")!;
  const b1 = odd.get("14:1")!;
  const n = b0.nSamples;
  console.log(
    `${String(k).padEnd(3)}${String(structures.length).padStart(10)}${String(n).padStart(9)}${String(b0.nProperties).padStart(8)}` +
      `${String(b1.nProperties).padStart(12)}${String(b2.nProperties).padStart(8)}${((5 * 8 * b2.nProperties) / 1024).toFixed(0).padStart(15)}` +
      `${((100 * sec) / n).toFixed(3).padStart(14)}`,
  );
}
