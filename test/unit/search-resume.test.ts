/**
 * Resumable search (src/search/searchLog.ts): the log on disk after every evaluation is a complete JSON document
 * holding the evaluations finished so far; a search stopped after k evaluations and resumed from its log computes
 * only the rest and ends with the same optimum and the same log entries as an uninterrupted run; a log of another
 * search (other seed, other data) is refused with a clear message.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { register } from "../../cli/commands/search.js";
import { writeExtxyz } from "../../src/io/extxyz.js";
import { runHyperSearch } from "../../src/search/hyperSearch.js";
import type { Evaluation } from "../../src/search/search.js";
import { SearchLog } from "../../src/search/searchLog.js";
import { runCommand } from "../helpers/cli.js";
import { tinySearch } from "../helpers/search.js";

const dir = mkdtempSync(join(tmpdir(), "soapgpr-resume-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = tinySearch(8, { zetas: [1, 2] });
const structures = base.structures;

/** Log entries without their wall times (which differ between runs). */
const entries = (evs: readonly Evaluation[]) => evs.map(({ seconds: _s, ...e }) => e);
const readLog = (file: string) => JSON.parse(readFileSync(file, "utf8"));

class Stop extends Error {}

describe("search --resume", () => {
  it("a search stopped after k evaluations resumes to the same optimum and log as an uninterrupted run", async () => {
    const fullLog = join(dir, "full.json");
    const full = await runHyperSearch({ ...base, journal: new SearchLog(fullLog) });
    const total = full.search.evaluations.length;
    expect(total).toBe(32); // 2 ζ × 15 design runs + 2 checks

    const k = 11;
    const partLog = join(dir, "part.json");
    let finished = 0;
    const stopAfterK = (line: string) => {
      if (/^(design|check) /.test(line) && ++finished === k) throw new Stop("killed");
    };
    await expect(
      runHyperSearch({ ...base, journal: new SearchLog(partLog), log: stopAfterK }),
    ).rejects.toThrow(Stop);
    const part = readLog(partLog);
    expect(part.complete).toBe(false);
    expect(part.evaluations.length).toBe(k); // each evaluation on disk as it finished
    expect(part.header).toEqual(readLog(fullLog).header);

    let computed = 0;
    const resumed = await runHyperSearch({
      ...base,
      journal: new SearchLog(partLog, true),
      log: (line) => {
        if (/^(design|check) /.test(line)) computed++;
      },
    });
    expect(computed).toBe(total - k); // the k logged evaluations were replayed, not recomputed
    expect(resumed.best).toEqual(full.best);
    expect(entries(resumed.search.evaluations)).toEqual(entries(full.search.evaluations));
    expect(readLog(partLog).evaluations.length).toBe(total);
    // the replayed entries are the logged ones, wall times included
    expect(resumed.search.evaluations.slice(0, k).map((e) => e.seconds)).toEqual(
      part.evaluations.map((e: Evaluation) => e.seconds),
    );
  }, 60_000);

  it("refuses a log written for another seed or other data, naming what differs", async () => {
    const file = join(dir, "other.json");
    await expect(
      runHyperSearch({
        ...base,
        zetas: [2],
        journal: new SearchLog(file),
        log: (l) => {
          if (l.startsWith("design")) throw new Stop("killed");
        },
      }),
    ).rejects.toThrow(Stop);
    await expect(
      runHyperSearch({ ...base, zetas: [2], seed: 3, journal: new SearchLog(file, true) }),
    ).rejects.toThrow(
      /other\.json, field 'resume': the log was written for a different search \(seed, folds differ\)/,
    );
    const moved = structures.map((s, i) =>
      i === 0 ? s.with({ positions: s.positions.map((x) => x + 0.01) }) : s,
    );
    await expect(
      runHyperSearch({ ...base, zetas: [2], structures: moved, journal: new SearchLog(file, true) }),
    ).rejects.toThrow(/fingerprint differ: other data or targets/);
    await expect(
      runHyperSearch({ ...base, journal: new SearchLog(join(dir, "none.json"), true) }),
    ).rejects.toThrow(/none\.json, field 'resume': no search log to resume/);
  }, 60_000);

  it("CLI: --resume of a finished log recomputes nothing and writes the same model optimum; --memory is printed", async () => {
    const data = join(dir, "train.extxyz");
    writeExtxyz(data, structures);
    const args = [
      "search",
      ...[
        "--lambda",
        "2",
        "--data",
        data,
        "--target",
        "efg",
        "--species",
        "Li",
        "--folds",
        "2",
        "--zeta",
        "2",
      ],
      ...["--nmax", "3", "--lmax", "2", "--rcut", "3.5,5", "--sigma", "0.4,0.7", "--reg", "1e-6,1e-3"],
      ...["--memory", "4", "--json"],
    ];
    const log = join(dir, "cli.search.json");
    const first = await runCommand(register, [...args, "--out", join(dir, "a.model"), "--log", log]);
    expect(first.stderr).toMatch(/memory budget 4\.00 GB \(--memory/);
    expect(first.stderr).toMatch(
      /Li: memory per \(rc, σ\) set .* held .* fold factorisation .*; up to \d+ sets cached/,
    );
    expect(first.stderr).toMatch(/peak resident memory \d+\.\d+ [MG]B/);
    expect(readLog(log).complete).toBe(true);
    const again = await runCommand(register, [...args, "--out", join(dir, "b.model"), "--resume", log]);
    expect(again.stderr).toMatch(/resuming: 16 evaluations read from/);
    expect(again.stderr).not.toMatch(/features \+ raw kernels/); // nothing recomputed
    expect(JSON.parse(again.stdout).best).toEqual(JSON.parse(first.stdout).best);
    await expect(
      runCommand(register, [...args, "--seed", "9", "--out", join(dir, "c.model"), "--resume", log]),
    ).rejects.toThrow(/different search \(seed, folds differ\)/);
    await expect(
      runCommand(register, [...args.slice(0, -3), "--memory", "0.00001", "--out", join(dir, "d.model")]),
    ).rejects.toThrow(/needs about .* more than the memory budget of 0\.0 MB: raise the budget/);
  }, 60_000);
});
