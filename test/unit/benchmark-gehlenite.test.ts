/**
 * Issue 18 item 4: `soapgpr bench gehlenite` — hypers by cross-validation on the training cells vs TENSOAP's
 * defaults on the same split. The quick protocol (10 cells, nmax 4, lmax 3, ζ 2) on ²⁷Al: the split by cell,
 * the optimum inside the searched box, both arms scored on the same test atoms to TENSOAP's accuracy class, the
 * verdict agreeing with the numbers, and the HTML report.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { GEHLENITE_TUNED_QUICK } from "../../src/benchmark/gehleniteTuned.js";
import { runCli } from "../helpers/cli.js";

const DATA = fileURLToPath(new URL("../../../shared/data/magres/gehlenite", import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-gehlenite-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("bench gehlenite --quick (tuned protocol)", () => {
  it("searches on the training cells, refits, and scores both arms on the same test atoms", async () => {
    const report = path.join(dir, "report");
    const r = await runCli([
      "bench",
      "gehlenite",
      "--quick",
      "--species",
      "Al",
      "--data",
      DATA,
      "--report",
      report,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.protocol).toBe("tuned");
    expect(out.cells).toBe(GEHLENITE_TUNED_QUICK.cells);
    const al = out.results[0];
    expect(al.species).toBe("Al");
    // 10 cells split 4:1 by cell, 48 Al per 288-atom cell
    expect(al.nTrainStructures).toBe(8);
    expect(al.nTestStructures).toBe(2);
    expect(al.nTrainEnv).toBe(8 * 48);
    expect(al.nTestEnv).toBe(2 * 48);
    expect(al.searched.metrics.n).toBe(al.tensoap.metrics.n);
    const s = al.searched.settings;
    const cfg = GEHLENITE_TUNED_QUICK;
    // the optimum lies in the searched box (Box–Behnken points and the response-surface check stay inside it)
    expect(s.rcut).toBeGreaterThanOrEqual(cfg.rcut[0]);
    expect(s.rcut).toBeLessThanOrEqual(cfg.rcut[1]);
    expect(s.sigma).toBeGreaterThanOrEqual(cfg.sigma[0]);
    expect(s.sigma).toBeLessThanOrEqual(cfg.sigma[1]);
    expect(s.reg).toBeGreaterThanOrEqual(cfg.reg[0] * (1 - 1e-12));
    expect(s.reg).toBeLessThanOrEqual(cfg.reg[1] * (1 + 1e-12));
    expect(cfg.zetas).toContain(s.zeta);
    expect(al.tensoap.settings).toMatchObject({ rcut: 4, sigma: 0.3, zeta: 2, reg: 1e-6, preset: "tensoap" });
    // real DFT tensors learnt to TENSOAP's accuracy class: the anchor (full size) is T2 %RMSE 0.42; 384 training
    // environments and a smaller basis stay within a few times that
    for (const arm of [al.searched, al.tensoap]) {
      expect(arm.metrics.t2PercentRmse).toBeGreaterThan(0);
      expect(arm.metrics.t2PercentRmse).toBeLessThan(3);
      expect(arm.metrics.cqMaeMHz).toBeLessThan(0.2);
    }
    expect(al.beats.t2).toBe(al.searched.metrics.t2PercentRmse < al.tensoap.metrics.t2PercentRmse);
    expect(al.beats.cq).toBe(al.searched.metrics.cqMaeMHz < al.tensoap.metrics.cqMaeMHz);
    const html = fs.readFileSync(path.join(report, "report.html"), "utf8");
    expect(html).toContain("TENSOAP defaults");
    expect(html).toContain("T2 %RMSE");
  }, 600_000);

  it("the harper protocol and unknown protocols", async () => {
    const bad = await runCli(["bench", "gehlenite", "--protocol", "nope", "--data", DATA]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/protocol.*tuned.*harper/);
  });
});
