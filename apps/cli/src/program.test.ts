import { describe, expect, it } from "vitest";
import { COMMANDS, type CommandName } from "./commands/index.ts";
import { baseProgram, commandNamed, programFor } from "./program.ts";

/** The program with every command's module loaded and registered, as before commands were lazy. */
async function everyCommandRegistered() {
  const program = baseProgram();
  for (const entry of Object.values(COMMANDS)) (await entry.load()).register(program);
  return program;
}

describe("commands are loaded one at a time", () => {
  it("mtl --help lists every command exactly as their registered modules would", async () => {
    const listed = await programFor(["--help"]);
    const full = await everyCommandRegistered();
    expect(listed.commands.map((c) => c.name())).toEqual(full.commands.map((c) => c.name()));
    expect(listed.helpInformation()).toBe(full.helpInformation());
  });

  it.each([
    [["--help"], undefined],
    [[], undefined],
    [["bogus"], undefined],
    [["trials", "--json"], "trials"],
    [["--help", "list"], "list"],
    [["help", "run"], "run"],
    [["dash", "--help"], "dash"],
  ] as [string[], CommandName | undefined][])("%j names %s", (args, name) => {
    expect(commandNamed(args)).toBe(name);
  });

  it("a command line that names a command registers that command alone", async () => {
    const program = await programFor(["trials", "--json"]);
    expect(program.commands.map((c) => c.name())).toEqual(["trials"]);
  });
});
