/**
 * One entry point for structure input: dispatch on the file extension.
 * `.xyz` / `.extxyz` (all frames), `.magres`, `.cif`, `.json` (the Venetos et al. 29Si shielding dataset
 * layout, see venetos.ts) — each optionally `.gz`-compressed. Directories expand to
 * their `.magres(.gz)` and `.extxyz/.xyz(.gz)` files (not recursive), sorted by name.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { readCif } from "./cif.js";
import { iterExtxyz } from "./extxyz.js";
import { readMagres } from "./magres.js";
import { readVenetos } from "./venetos.js";

export type StructureFormat = "extxyz" | "magres" | "cif" | "venetos-json";

/** Format of a file from its name, or undefined when the extension is not recognised. */
export function formatOf(file: string): StructureFormat | undefined {
  const name = file.toLowerCase().replace(/\.gz$/, "");
  if (name.endsWith(".xyz") || name.endsWith(".extxyz")) return "extxyz";
  if (name.endsWith(".magres")) return "magres";
  if (name.endsWith(".cif")) return "cif";
  if (name.endsWith(".json")) return "venetos-json";
  return undefined;
}

export interface ReadResult {
  structures: Structure[];
  /** One entry per structure: the file it came from (with `#frame` for multi-frame extxyz). */
  sources: string[];
}

export interface ReadOptions {
  /**
   * Accept NaN/Inf in extxyz per-atom arrays (as `soapgpr predict` writes for atoms it did not predict); the
   * caller then checks the values it uses. Default false.
   */
  allowNonFinite?: boolean;
}

/** Read structures from files and directories (see module documentation). */
export function readStructures(paths: readonly string[], options: ReadOptions = {}): ReadResult {
  const structures: Structure[] = [];
  const sources: string[] = [];
  for (const p of expandPaths(paths)) {
    const fmt = formatOf(p);
    if (fmt === "extxyz") {
      const frames = [...iterExtxyz(p, options.allowNonFinite ? { allowNonFinite: true } : {})];
      frames.forEach((s, k) => {
        structures.push(s);
        sources.push(frames.length > 1 ? `${p}#${k}` : p);
      });
    } else if (fmt === "magres") {
      structures.push(readMagres(p));
      sources.push(p);
    } else if (fmt === "venetos-json") {
      readVenetos(p).forEach((s, k) => {
        structures.push(s);
        sources.push(`${p}#${k}`);
      });
    } else if (fmt === "cif") {
      structures.push(readCif(p));
      sources.push(p);
    } else {
      throw new EngineError(
        "InvalidParameter",
        "unknown structure file type (expected .xyz, .extxyz, .magres, .cif or Venetos .json, optionally .gz)",
        { file: p, field: "extension" },
      );
    }
  }
  return { structures, sources };
}

/** Expand directories into their structure files (sorted by name); files are passed through unchanged. */
export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      throw new EngineError("IOError", `cannot read: ${(e as Error).message}`, { file: p }, { cause: e });
    }
    if (st.isDirectory()) {
      const names = fs
        .readdirSync(p)
        .filter((n) => {
          const f = formatOf(n);
          return f === "magres" || f === "extxyz";
        })
        .sort();
      out.push(...names.map((n) => path.join(p, n)));
    } else {
      out.push(p);
    }
  }
  return out;
}
