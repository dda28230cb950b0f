import { Command } from "commander";
import { vi } from "vitest";

/** Run one CLI command module in-process (commander with exitOverride), capturing stdout and stderr. */
export async function runCommand(
  register: (program: Command) => void,
  args: string[],
): Promise<{ stdout: string; stderr: string }> {
  const program = new Command("soapgpr").exitOverride();
  register(program);
  let stdout = "";
  let stderr = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    stdout += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    stderr += String(s);
    return true;
  });
  try {
    await program.parseAsync(args, { from: "user" });
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { stdout, stderr };
}
