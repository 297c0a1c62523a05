import type { Command, CommanderError } from "commander";
import { errorMessage } from "../../node/util/errors.ts";

/** A command used wrongly (a flag missing or in conflict): exit code 2 and a pointer to the command's help. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Commander's own parse error, with the command that raised it so the hint names the right --help. */
export class ParseFailure extends Error {
  override readonly name = "ParseFailure";
  constructor(
    readonly commander: CommanderError,
    readonly command: Command,
  ) {
    super(commander.message);
  }
}

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/**
 * Makes commander throw instead of printing and exiting, on every command (settings are copied to subcommands
 * only when they are created, so the whole tree is walked once it is built). reportError then prints one line.
 */
export function routeErrors(program: Command): { actionCommand: () => Command } {
  let active = program;
  program.hook("preAction", (_self, actionCommand) => {
    active = actionCommand;
  });
  const visit = (cmd: Command): void => {
    cmd
      .exitOverride((err) => {
        if (err.code === "commander.missingMandatoryOptionValue") reportUnknownOptionFirst(cmd);
        throw new ParseFailure(err, cmd);
      })
      .configureOutput({ outputError: () => {} })
      .showHelpAfterError(false);
    for (const sub of cmd.commands) visit(sub);
  };
  visit(program);
  return { actionCommand: () => active };
}

/**
 * Commander checks required options before unknown ones, so `node --hom x` would say --home is missing; the typo
 * is the better error (with its "did you mean"). Unknown options stay in cmd.args, operands first.
 */
function reportUnknownOptionFirst(cmd: Command): void {
  const args = cmd.args;
  const end = args.indexOf("--");
  const unknown = (end === -1 ? args : args.slice(0, end)).find((a) => /^-[^0-9]/.test(a));
  if (unknown !== undefined)
    (cmd as unknown as { unknownOption(flag: string): never }).unknownOption(unknown);
}

/**
 * Prints `err` as one line (JSON when the command was given --json) and returns the exit code. JSON errors go to
 * stdout: a script reading a --json command's stdout then always gets exactly one JSON document, and the exit
 * code tells a result from an error.
 */
export function reportError(err: unknown, actionCommand: Command, argv: readonly string[]): number {
  if (err instanceof ParseFailure) {
    const { code } = err.commander;
    // Help or version was asked for and has been printed.
    if (code === "commander.helpDisplayed" || code === "commander.version") return 0;
    // A command group run without a subcommand: commander printed the group's help (the list to pick from).
    if (code === "commander.help") return EXIT_USAGE;
    writeError(parseErrorLine(err), wantsJson(err.command, argv));
    return EXIT_USAGE;
  }
  const message = oneLine(errorMessage(err));
  if (err instanceof UsageError) {
    writeError(`${message}; run \`${commandPath(actionCommand)} --help\``, wantsJson(actionCommand, argv));
    return EXIT_USAGE;
  }
  writeError(message, wantsJson(actionCommand, argv));
  return EXIT_FAILURE;
}

function parseErrorLine(err: ParseFailure): string {
  const { code, message } = err.commander;
  let text = oneLine(message.replace(/^error: /, ""));
  // An unknown `--flag=value` may carry a secret typed into the wrong flag: never echo the value.
  if (code === "commander.unknownOption") text = text.replace(/'(--[^=']+)=[^']*'/, "'$1=…'");
  const path = commandPath(err.command);
  if (code === "commander.unknownOption" || code === "commander.unknownCommand") {
    // "(Did you mean --home?)" goes after the command it belongs to.
    const [what, suggestion] = text.split(/ (?=\(Did you mean)/);
    text = `${what} for '${path}'${suggestion === undefined ? "" : ` ${suggestion}`}`;
  }
  return `${text}; run \`${path} --help\``;
}

/** The command's own --json flag; the raw argv covers errors raised before commander reached that flag. */
function wantsJson(cmd: Command, argv: readonly string[]): boolean {
  if (cmd.getOptionValue("json") === true) return true;
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

function writeError(message: string, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
  else process.stderr.write(`error: ${message}\n`);
}
