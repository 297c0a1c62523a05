import type { Command } from "commander";
import fc from "fast-check";
import { ParseFailure, routeErrors, UsageError } from "../../cli/format/errors.ts";
import { buildProgram } from "../../cli/program.ts";
import { asyncTarget, expectTypedAsync, type FuzzTarget } from "./harness.ts";

/**
 * `outrigger` argv through the real command tree (cli/program.ts) with the error routing cli/main.ts installs:
 * every option's parser and check runs, then the action is replaced by a marker so nothing starts. The allowed
 * outcomes are that marker, a commander error routed as ParseFailure (exit 2), or a UsageError.
 */

/** Thrown in place of an action: argv passed every check the parser makes. */
class ReachedAction extends Error {
  override readonly name = "ReachedAction";
}

interface CommandShape {
  path: string[];
  flags: string[];
}

function isRunnable(cmd: Command): boolean {
  return (cmd as unknown as { _actionHandler: unknown })._actionHandler != null;
}

/** The program as main.ts runs it, silent, its actions replaced by the marker. */
function parsingProgram(): Command {
  const program = buildProgram();
  routeErrors(program);
  const visit = (cmd: Command): void => {
    cmd.configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
    if (isRunnable(cmd))
      cmd.action(() => {
        throw new ReachedAction();
      });
    for (const sub of cmd.commands) visit(sub);
  };
  visit(program);
  return program;
}

function shapes(): CommandShape[] {
  const out: CommandShape[] = [];
  const visit = (cmd: Command, path: string[]): void => {
    out.push({
      path,
      flags: cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)),
    });
    for (const sub of cmd.commands) visit(sub, [...path, sub.name()]);
  };
  visit(buildProgram(), []);
  return out;
}

const SHAPES = shapes();

const valueArb = fc.oneof(
  fc.constantFrom(
    "",
    "0",
    "-1",
    "1",
    "65535",
    "65536",
    "99999999999999999999999",
    "1e3",
    "0x10",
    "1.5",
    "NaN",
    "latest",
    `0x${"ab".repeat(20)}`,
    `0x${"AB".repeat(20)}`,
    `0x${"ab".repeat(32)}`,
    "ETH",
    "USDC",
    "true",
    "false",
    "--",
    "-",
    "-h",
    "--help",
    "--version",
    "=",
    "a,b",
    "http://127.0.0.1:1",
    "/ip4/127.0.0.1/tcp/1",
    "./x",
  ),
  fc.string({ maxLength: 24 }),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
);

const argvArb: fc.Arbitrary<string[]> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(...SHAPES).chain((shape) =>
      fc
        .array(
          fc.oneof(
            {
              weight: 3,
              arbitrary:
                shape.flags.length === 0
                  ? valueArb
                  : fc.tuple(fc.constantFrom(...shape.flags), valueArb).map(([f, v]) => [f, v]),
            },
            {
              weight: 1,
              arbitrary:
                shape.flags.length === 0
                  ? valueArb
                  : fc.tuple(fc.constantFrom(...shape.flags), valueArb).map(([f, v]) => `${f}=${v}`),
            },
            { weight: 1, arbitrary: valueArb },
          ),
          { maxLength: 6 },
        )
        .map((tokens) => [...shape.path, ...tokens.flat()]),
    ),
  },
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 }) },
);

async function parse(argv: string[]): Promise<void> {
  await parsingProgram().parseAsync(argv, { from: "user" });
}

export const cliTargets: FuzzTarget[] = [
  asyncTarget("cli argv", 1, argvArb, (argv) =>
    expectTypedAsync(() => parse(argv), [ReachedAction, ParseFailure, UsageError], "outrigger argv"),
  ),
];
