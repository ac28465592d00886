/**
 * The `mtl` command line as commander sees it, with only the command the arguments name loaded.
 * `mtl --help` (and `mtl`, or a command that does not exist) loads none: each command is listed
 * from its entry in COMMANDS, as it would be if its module had registered it.
 */
import { Command, Help } from "commander";
import { COMMANDS, type CommandName } from "./commands/index.ts";

const isCommand = (word: string | undefined): word is CommandName =>
  word !== undefined && Object.hasOwn(COMMANDS, word);

/**
 * The command a command line (arguments after `mtl`) runs or asks help for: its first word
 * that is not a flag, or the one after `help`. The program takes no flags of its own but
 * `--help`, so no flag's value can come first.
 */
export function commandNamed(args: readonly string[]): CommandName | undefined {
  const words = args.filter((a) => !a.startsWith("-"));
  const word = words[0] === "help" ? words[1] : words[0];
  return isCommand(word) ? word : undefined;
}

/** The program with no commands yet. */
export function baseProgram(): Command {
  return new Command("mtl")
    .description("MTL Lab: sweeps, dashboards and honest comparisons for multi-task and meta-learning")
    .showHelpAfterError()
    .exitOverride();
}

/**
 * Commands listed by name, arguments and description only, for `mtl --help`. Every command
 * takes options, so each is listed with "[options]", as commander lists a registered one.
 */
function listEveryCommand(program: Command): void {
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const command = program.command(name).description(entry.description);
    if (entry.args) command.arguments(entry.args);
  }
  const help = new Help();
  program.configureHelp({
    subcommandTerm: (cmd) =>
      isCommand(cmd.name())
        ? [cmd.name(), "[options]", COMMANDS[cmd.name() as CommandName].args].filter(Boolean).join(" ")
        : help.subcommandTerm(cmd),
  });
}

/** The program for these arguments: the named command's module loaded and registered, or the listing. */
export async function programFor(args: readonly string[]): Promise<Command> {
  const program = baseProgram();
  const name = commandNamed(args);
  if (name === undefined) listEveryCommand(program);
  else (await COMMANDS[name].load()).register(program);
  return program;
}
