/**
 * `soapgpr bench gehlenite`: real DFT EFGs of gehlenite. Default protocol "tuned" (src/benchmark/gehleniteTuned.ts):
 * hypers searched by CV on the training cells at full size vs TENSOAP's defaults on the same split. Protocol
 * "harper" (src/benchmark/gehlenite.ts): scalar λ=0 vs tensorial λ=2 models at fixed TENSOAP-like settings.
 */
import {
  type GehleniteConfig,
  GEHLENITE_CONFIG,
  GEHLENITE_QUICK,
  runGehleniteBenchmark,
  TENSOAP_GEHLENITE_AL,
} from "../../src/benchmark/gehlenite.js";
import {
  GEHLENITE_TUNED,
  GEHLENITE_TUNED_QUICK,
  runGehleniteTuned,
  tunedReport,
  tunedText,
} from "../../src/benchmark/gehleniteTuned.js";
import { formatTable, summaryJson } from "../../src/benchmark/present.js";
import { gehleniteReport } from "../../src/benchmark/report.js";
import { EngineError, parseChoice } from "../../src/core/errors.js";
import { jsonText } from "../../src/core/json.js";
import type { MemoryBudget } from "../../src/core/memory.js";
import { renderReport } from "../../src/report/html.js";

import { testSetChemiscope, writeChemiscope } from "../../src/analysis/chemiscope.js";
import type { EfgBenchResult } from "../../src/benchmark/efgBench.js";
import type { Structure } from "../../src/core/structure.js";

/** `--chemiscope FILE`: the test sets' tensorial predictions as a chemiscope map (src/analysis/chemiscope.ts). */
export function writeBenchChemiscope(
  file: string,
  structures: readonly Structure[],
  results: readonly EfgBenchResult[],
  name: string,
  source: string,
  log: (l: string) => void,
): void {
  const sets = results.map((r) => ({ element: r.element, ...r.test, cutoff: r.soap.cutoff.radius }));
  const isotopes = Object.fromEntries(results.flatMap((r) => (r.isotope ? [[r.element, r.isotope]] : [])));
  writeChemiscope(
    file,
    testSetChemiscope(structures, sets, {
      name,
      target: "efg",
      isotopes,
      provenance: [
        `test sets of the tensorial λ=2 models; data: ${source}; EFG in atomic units (1 au = 97.1736 V/Å²), CQ in ` +
          "MHz; conventions: docs/conventions.md",
      ],
    }),
  );
  log(`chemiscope map: ${file}`);
}

export const GEHLENITE_PROTOCOLS = ["tuned", "harper"] as const;

export interface GehleniteCliOptions {
  quick?: boolean;
  report?: string;
  data?: string[];
  json?: boolean;
  protocol?: string;
  chemiscope?: string;
}

/** `bench gehlenite` by protocol: run, report, chemiscope map, table or JSON. */
// long: two protocols side by side (tuned, harper), each read top to bottom: run, report, map, print
export async function benchGehlenite(
  o: GehleniteCliOptions,
  seed: number,
  only: readonly string[] | undefined,
  memory: MemoryBudget,
  log: (l: string) => void,
): Promise<void> {
  if (!o.data || o.data.length === 0) {
    throw new EngineError(
      "InvalidParameter",
      "bench gehlenite needs --data DIR (e.g. ../shared/data/magres/gehlenite)",
      { field: "--data" },
    );
  }
  const protocol = parseChoice(o.protocol ?? "tuned", GEHLENITE_PROTOCOLS, "--protocol", "protocol");
  const quick = o.quick ? " --quick" : "";
  if (protocol === "tuned") {
    if (o.chemiscope !== undefined) {
      throw new EngineError(
        "InvalidParameter",
        "bench gehlenite --chemiscope maps the test sets of --protocol harper (the tuned protocol compares two models)",
        { field: "--chemiscope" },
      );
    }
    const config = o.quick ? GEHLENITE_TUNED_QUICK : GEHLENITE_TUNED;
    const res = await runGehleniteTuned({
      data: o.data,
      config,
      seed,
      memory,
      ...(only ? { only } : {}),
      log,
    });
    log(`done in ${res.seconds.toFixed(1)} s`);
    if (o.report) {
      const command = `soapgpr bench gehlenite${quick} --seed ${seed}`;
      const files = await renderReport(tunedReport(res, { source: o.data.join(", "), command }), o.report);
      log(`report: ${files.html}`);
    }
    process.stdout.write(
      o.json
        ? jsonText(
            {
              benchmark: "gehlenite",
              protocol,
              preset: config.name,
              seed,
              cells: res.cells,
              seconds: res.seconds,
              results: res.species,
            },
            1,
          )
        : `${tunedText(res)}\n`,
    );
    return;
  }
  const config: GehleniteConfig = o.quick ? GEHLENITE_QUICK : GEHLENITE_CONFIG;
  const res = await runGehleniteBenchmark({ data: o.data, config, seed, ...(only ? { only } : {}), log });
  log(`done in ${res.seconds.toFixed(1)} s`);
  if (o.chemiscope)
    writeBenchChemiscope(
      o.chemiscope,
      res.structures,
      res.species,
      `gehlenite benchmark (${config.name})`,
      o.data.join(", "),
      log,
    );
  if (o.report) {
    const files = await renderReport(
      gehleniteReport(res, {
        source: o.data.join(", "),
        command: `soapgpr bench gehlenite --protocol harper${quick} --seed ${seed}`,
      }),
      o.report,
    );
    log(`report: ${files.html}`);
  }
  if (o.json) {
    process.stdout.write(
      jsonText(
        {
          benchmark: "gehlenite",
          protocol,
          preset: config.name,
          seed,
          files: res.files,
          seconds: res.seconds,
          results: res.species.map(summaryJson),
          tensoapAl: TENSOAP_GEHLENITE_AL,
        },
        1,
      ),
    );
  } else {
    const a = TENSOAP_GEHLENITE_AL;
    process.stdout.write(
      `${formatTable(res.species, `soapgpr bench gehlenite --protocol harper (${config.name}, seed ${seed}): ${res.files} CASTEP cells, split by cell`, false, "ours: DFT gehlenite")}\n` +
        `\nReference (${a.label}, 1920 train / 432 test Al, nmax 8 lmax 6): 27Al C̃Q MAE ${a.cqTildeMae} (r ${a.cqTildeR}), η̃ MAE ${a.etaTildeMae}, ` +
        `θ/φ MAE ${a.thetaMae}°/${a.phiMae}°, q̃ ${a.q}; scalar λ=0 C̃Q MAE ${a.scalarCqTildeMae} (r ${a.scalarCqTildeR}).\n` +
        `total ${res.seconds.toFixed(1)} s.\n`,
    );
  }
}
