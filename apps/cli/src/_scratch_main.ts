import { Command } from "commander";
import { UsageError } from "@mtl/spec";
import * as compare from "./commands/compare.ts";
import * as report from "./commands/report.ts";
const program = new Command("mtl").exitOverride();
compare.register(program); report.register(program);
program.parseAsync(process.argv).catch((e) => { if (e instanceof UsageError) { process.stderr.write(`mtl: ${e.message}\n`); process.exit(e.exitCode); } if (e.code?.startsWith?.("commander")) process.exit(2); console.error(e); process.exit(1); });
