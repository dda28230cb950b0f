/**
 * The JSON log of a search, written as it runs so that a killed search can be resumed (`search --resume LOG`).
 *
 * The whole log — a header (design, seed, fold split, SHA-256 fingerprint of the data) and every evaluation
 * finished so far — is rewritten atomically (temporary file + rename, src/io/atomic.ts) after each evaluation, so
 * the file on disk is always a complete JSON document. On resume the header must equal the current one (same data,
 * design, seed and split); the logged evaluations are then replayed in order instead of recomputed, and since the
 * search is deterministic given its scores the resumed run reaches the same optimum as an uninterrupted one.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { EngineError } from "../core/errors.js";
import type { Structure } from "../core/structure.js";
import { writeFileAtomic } from "../io/atomic.js";
import type { Evaluation } from "./search.js";

/** What must match for a log to be resumed. */
export type SearchLogHeader = Readonly<Record<string, unknown>>;

/** JSON with non-finite numbers written as null (NaN means of failed runs). */
export function searchJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 1)}\n`;
}

/** SHA-256 (hex) of the structures (numbers, positions, cell) and the targets used (samples and values). */
export function dataFingerprint(
  structures: readonly Structure[],
  samples: Int32Array | readonly number[],
  y: Float64Array,
): string {
  const h = createHash("sha256");
  const bytes = (a: Float64Array | Int32Array) =>
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  for (const s of structures) {
    bytes(Int32Array.of(s.length));
    bytes(s.numbers);
    bytes(s.positions);
    bytes(s.cell ?? new Float64Array(0));
  }
  bytes(Int32Array.from(samples));
  bytes(y);
  return h.digest("hex");
}

/** Evaluation with the nulls of the JSON file turned back into NaN. */
function revive(e: Evaluation): Evaluation {
  return { ...e, mean: e.mean ?? Number.NaN, std: e.std ?? Number.NaN };
}

export class SearchLog {
  private header: SearchLogHeader | null = null;
  private readonly evaluations: Evaluation[] = [];

  /** @param resume read the evaluations already in `path` (which must exist) instead of starting afresh. */
  constructor(
    readonly path: string,
    readonly resume = false,
  ) {}

  /** Start (or resume) the log; returns the evaluations already done (empty unless resuming). */
  start(header: SearchLogHeader): Evaluation[] {
    this.header = header;
    if (!this.resume) {
      this.write(false);
      return [];
    }
    const done = this.read(header);
    this.evaluations.push(...done);
    return done;
  }

  /** Append one finished evaluation (the whole log is rewritten atomically). */
  record(e: Evaluation): void {
    this.evaluations.push(e);
    this.write(false);
  }

  /** The final log: the header, every evaluation and the search's results. */
  finish(result: Readonly<Record<string, unknown>>): void {
    this.write(true, result);
  }

  private write(complete: boolean, result: Readonly<Record<string, unknown>> = {}): void {
    writeFileAtomic(
      this.path,
      searchJson({ header: this.header, complete, ...result, evaluations: this.evaluations }),
    );
  }

  private read(header: SearchLogHeader): Evaluation[] {
    const where = { file: this.path, field: "resume" };
    if (!existsSync(this.path)) throw new EngineError("IOError", "no search log to resume", where);
    let rec: { header?: unknown; evaluations?: unknown };
    try {
      rec = JSON.parse(readFileSync(this.path, "utf8"));
    } catch (e) {
      throw new EngineError("ParseError", `not a search log (${(e as Error).message})`, where);
    }
    if (typeof rec !== "object" || rec === null || !Array.isArray(rec.evaluations) || !rec.header)
      throw new EngineError("ParseError", "not a search log (no header or evaluations)", where);
    const old = rec.header as Record<string, unknown>;
    const differ = Object.keys({ ...old, ...header }).filter(
      (k) => JSON.stringify(old[k]) !== JSON.stringify(header[k]),
    );
    if (differ.length > 0) {
      throw new EngineError(
        "InvalidParameter",
        `the log was written for a different search (${differ.join(", ")} differ${differ.includes("fingerprint") ? ": other data or targets" : ""}); ` +
          "run with the same data, options and seed, or start a new log",
        where,
      );
    }
    return (rec.evaluations as Evaluation[]).map(revive);
  }
}
