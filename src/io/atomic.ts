import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { EngineError } from "../core/errors.js";

/**
 * Write a file atomically: the data goes to a temporary file in the same directory, is flushed to disk
 * (fsync) and then renamed over the target, so readers see either the old or the complete new file.
 * The temporary file is removed if anything fails.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, "wx", 0o644);
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // best effort clean-up
    }
    throw new EngineError("IOError", `cannot write file: ${(e as Error).message}`, { file }, { cause: e });
  }
}

/** True if the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Read raw bytes, with a clear EngineError (code IOError) naming the file when it cannot be read. */
export function readBytes(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new EngineError("IOError", `cannot read file: ${(e as Error).message}`, { file }, { cause: e });
  }
}

/**
 * Read a text file (UTF-8), transparently gunzipping it when the name ends in `.gz` or the content starts
 * with the gzip magic bytes.
 */
export function readTextMaybeGz(file: string): string {
  const raw = readBytes(file);
  if (file.endsWith(".gz") || isGzip(raw)) {
    try {
      return gunzipSync(raw).toString("utf8");
    } catch (e) {
      throw new EngineError("IOError", `cannot gunzip: ${(e as Error).message}`, { file }, { cause: e });
    }
  }
  return raw.toString("utf8");
}
