import { execFileSync } from "node:child_process";

/**
 * The first Python that can import `modules`: `$MTL_PYTHON`, then `python3` on the PATH, then
 * Debian's `/usr/bin/python3` (which has python3-torch and python3-sklearn from apt even where
 * the PATH's python3 is another installation). The examples' programs use it; yours can simply
 * name their interpreter.
 */
export function pythonWith(...modules: string[]): string {
  const candidates = [process.env.MTL_PYTHON, "python3", "/usr/bin/python3"].filter(
    (c): c is string => typeof c === "string" && c !== "",
  );
  for (const python of candidates) {
    try {
      execFileSync(python, ["-c", `import ${modules.join(", ")}`], { stdio: "ignore" });
      return python;
    } catch {
      // not this one
    }
  }
  throw new Error(`no python3 here can import ${modules.join(", ")} (set MTL_PYTHON)`);
}
