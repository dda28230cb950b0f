/**
 * Issue 11, items 13 and 18 (left-overs found in review): names of written files are printed printable (a newline
 * in a file name cannot forge a line of the summary), and a GNN checkpoint is read from regular files only.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { EngineError } from "../../src/core/errors.js";
import { readGnnCheckpoint } from "../../src/gnn/model.js";
import { runCli } from "../helpers/cli.js";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "soapgpr-names-"));

describe("written file names are printed printable", () => {
  it("dataset lto: a newline in --out is escaped in the summary line", async () => {
    const out = path.join(tmp(), "a\nforged line.extxyz");
    const r = await runCli(["dataset", "lto", "--structures", "2", "--seed", "1", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(out)).toBe(true);
    const summary = r.stdout + r.stderr;
    expect(summary).toContain("a\\nforged line.extxyz");
    expect(summary.split("\n").some((l) => l.startsWith("forged line"))).toBe(false);
  });
});

describe("GNN checkpoints", () => {
  it("a FIFO is refused at once, JSON null is CorruptModel", () => {
    const dir = tmp();
    const fifo = path.join(dir, "ck.json");
    execFileSync("mkfifo", [fifo]);
    // nothing writes to the FIFO: reading it would block forever, so refusing it is the only way to return
    expect(() => readGnnCheckpoint(fifo)).toThrow(EngineError);
    const nul = path.join(dir, "null.json");
    fs.writeFileSync(nul, "null");
    expect(() => readGnnCheckpoint(nul)).toThrow(/not a JSON object/);
    try {
      readGnnCheckpoint(nul);
    } catch (e) {
      expect((e as EngineError).code).toBe("CorruptModel");
      expect((e as EngineError).message).toContain(nul);
    }
  });
});
