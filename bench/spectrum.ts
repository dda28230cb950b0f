/**
 * Spectrum simulation speed: 10 000 27Al sites (seeded random EFG tensors, CQ 2–8 MHz, η 0–1, random
 * orientations, δ_iso 0–80 ppm), MAS central transition at 9.4 T, 2 000 powder orientations, 4 096 points.
 * Prints sites/s and the seconds (wall and process CPU: the machine may be shared). Target: < 5 s on one core.
 * With only the EFG anisotropic (isotropic shifts, or fast MAS) the offsets are even in each principal-frame
 * coordinate, so only the first octant of the hemisphere grid is evaluated (the same result as the whole grid).
 * Usage: npx tsx bench/spectrum.ts [--sites 10000] [--orientations 2000] [--points 4096] [--mode mas|static]
 */
import { Rng } from "../src/core/rng.js";
import { CQ_HZ_PER_MB_AU, isotope } from "../src/nmr/isotopes.js";
import { rotateTensor } from "../src/nmr/spherical.js";
import { powderGridFor } from "../src/spectra/powder.js";
import { type SpectrumSite, simulateSpectrum } from "../src/spectra/simulate.js";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : def;
}
const nSites = Number(arg("sites", "10000"));
const orientations = Number(arg("orientations", "2000"));
const points = Number(arg("points", "4096"));
const mode = arg("mode", "mas") === "static" ? "static" : "mas";
const al = isotope("27Al");
const rng = new Rng(1);

const sites: SpectrumSite[] = [];
for (let i = 0; i < nSites; i++) {
  const vzz = ((2 + 6 * rng.uniform()) * 1e6) / (CQ_HZ_PER_MB_AU * al.qMb);
  const eta = rng.uniform();
  const efg = new Float64Array(9);
  rotateTensor(
    rng.rotation(),
    [(-vzz * (1 - eta)) / 2, 0, 0, 0, (-vzz * (1 + eta)) / 2, 0, 0, 0, vzz],
    0,
    efg,
  );
  const iso = 80 * rng.uniform();
  sites.push({ shift: [iso, 0, 0, 0, iso, 0, 0, 0, iso], efg });
}

const c0 = process.cpuUsage();
const t0 = performance.now();
const s = simulateSpectrum(sites, {
  isotope: al,
  fieldT: 9.4,
  mode,
  from: mode === "mas" ? -150 : -600,
  to: mode === "mas" ? 100 : 300,
  points,
  orientations,
});
const wall = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
const cpu = (c.user + c.system) / 1e6;
// isotropic shifts here: both modes see only the EFG, even in each principal-frame coordinate, so one octant
const evaluated = powderGridFor(orientations).octantVertices;
console.log(
  `spectrum ${mode} CT: ${nSites} sites, ${s.orientations} orientations (${evaluated} evaluated), ${points} points: ` +
    `${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU, ${(nSites / cpu).toFixed(0)} sites/s (CPU), ` +
    `outside ${(100 * s.outside).toFixed(3)} %`,
);
