/**
 * Warnings: problems that do not stop the work but that the user must hear about (e.g. an input file that
 * may be truncated). Library functions that can warn take an optional `warn` sink; the default prints one
 * line on stderr, `soapgpr: warning: FILE, line N: message`, located and made printable as EngineError
 * messages are.
 */
import { type ErrorLocation, located } from "./errors.js";

/** Receives one located, printable warning message (without the `soapgpr: warning:` prefix). */
export type WarningSink = (message: string) => void;

/** The default sink: one line on stderr. */
export const stderrWarnings: WarningSink = (message) => {
  process.stderr.write(`soapgpr: warning: ${message}\n`);
};

/** Send a warning about `where` to `sink` (default: stderr). */
export function warn(message: string, where: ErrorLocation = {}, sink: WarningSink = stderrWarnings): void {
  sink(located(message, where));
}
