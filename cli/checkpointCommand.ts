import { type Command, InvalidArgumentError } from "commander";
import { z } from "zod";
import type { SidechainRpc } from "../bridge/sidechainRpc.ts";
import { type CheckpointInfo, checkpointInfoSchema, type ValidatorsInfo } from "../node/types/rpc/index.ts";
import { intArg, urlArg } from "./format/args.ts";
import { DEFAULT_RPC } from "./format/nodeOptions.ts";
import { type Output, shortHex, stdoutOutput, toJson } from "./format/output.ts";
import { renderTable } from "./format/table.ts";

/** outrigger_checkpoints serves at most this many per call. */
const MAX_COUNT = 100;
const ZERO_ROOT = `0x${"00".repeat(32)}`;

interface CheckpointFlags {
  rpc: string;
  json: boolean;
}

interface ListFlags extends CheckpointFlags {
  from?: number;
  count: number;
}

export interface CheckpointCommandDeps {
  out?: Output;
  rpc?: (url: string) => Pick<SidechainRpc, "checkpoint" | "checkpoints" | "validators">;
}

export class CheckpointCommandError extends Error {
  override readonly name = "CheckpointCommandError";
}

function numberOrLatest(value: string): number | "latest" {
  if (value === "latest") return "latest";
  if (!/^(0|[1-9][0-9]{0,14})$/.test(value))
    throw new InvalidArgumentError('expected a checkpoint number or "latest"');
  return Number(value);
}

/** The RPC's JSON shape, so `--json` output reads like outrigger_checkpoint. */
function checkpointJson(c: CheckpointInfo): z.input<typeof checkpointInfoSchema> {
  return z.encode(checkpointInfoSchema, c);
}

function l1Text(c: CheckpointInfo): string {
  return c.l1.txHash === null ? c.l1.status : `${c.l1.status} ${c.l1.txHash}`;
}

/** Signed power against the epoch's set: what L1 checks (more than 2/3), shown so an operator sees the margin. */
function signedPower(
  c: CheckpointInfo,
  set: ValidatorsInfo | null,
): { signed: bigint; total: bigint } | null {
  if (set === null) return null;
  const power = new Map(set.validators.map((v) => [v.address, v.power]));
  const signed = c.signatures.reduce((sum, s) => sum + (power.get(s.validator) ?? 0n), 0n);
  return { signed, total: set.totalPower };
}

export function registerCheckpointCommand(program: Command, deps: CheckpointCommandDeps = {}): Command {
  const out = deps.out ?? stdoutOutput;
  const connect =
    deps.rpc ?? (async (url: string) => new (await import("../bridge/sidechainRpc.ts")).SidechainRpc(url));
  const checkpoint = program
    .command("checkpoint")
    .description("inspect the certified checkpoints that anchor the sidechain on L1");

  checkpoint
    .command("list")
    .description("a table of checkpoints (by default the latest ones)")
    .option("--from <n>", "first checkpoint number", intArg(0, Number.MAX_SAFE_INTEGER))
    .option("--count <n>", `how many (at most ${MAX_COUNT})`, intArg(1, MAX_COUNT), 20)
    .option("--rpc <url>", "sidechain node JSON-RPC URL", urlArg, DEFAULT_RPC)
    .option("--json", "print JSON instead of a table", false)
    .action(async (flags: ListFlags) => {
      const rpc = await connect(flags.rpc);
      let from = flags.from;
      if (from === undefined) {
        const latest = await rpc.checkpoint("latest");
        from = latest === null ? 1 : Math.max(1, latest.checkpoint.number - flags.count + 1);
      }
      const list = await rpc.checkpoints(from, flags.count);
      if (flags.json) {
        out.write(`${toJson(list.map(checkpointJson))}\n`);
        return;
      }
      if (list.length === 0) {
        out.write(`no certified checkpoints from number ${from}\n`);
        return;
      }
      const rows = list.map((c) => [
        String(c.checkpoint.number),
        `${c.checkpoint.startHeight}-${c.checkpoint.endHeight}`,
        String(c.signatures.length),
        c.checkpoint.withdrawalsRoot === ZERO_ROOT ? "(none)" : shortHex(c.checkpoint.withdrawalsRoot),
        c.l1.status,
        c.l1.txHash ?? "-",
      ]);
      out.write(
        renderTable(
          ["number", "heights", "signers", "withdrawals root", "L1", "L1 tx"],
          rows,
          new Set([0, 2]),
        ),
      );
    });

  checkpoint
    .command("show")
    .description("every field of one checkpoint, its signers and its L1 status")
    .argument("<number>", 'a checkpoint number or "latest"', numberOrLatest)
    .option("--rpc <url>", "sidechain node JSON-RPC URL", urlArg, DEFAULT_RPC)
    .option("--json", "print JSON", false)
    .action(async (number: number | "latest", flags: CheckpointFlags) => {
      const rpc = await connect(flags.rpc);
      const c = await rpc.checkpoint(number);
      if (c === null) {
        throw new CheckpointCommandError(
          number === "latest"
            ? "no checkpoint is certified yet"
            : `checkpoint ${number} is not certified (or does not exist)`,
        );
      }
      const power = signedPower(c, await rpc.validators(c.checkpoint.startHeight));
      if (flags.json) {
        out.write(
          `${toJson({ ...checkpointJson(c), signedPower: power?.signed ?? null, totalPower: power?.total ?? null })}\n`,
        );
        return;
      }
      const k = c.checkpoint;
      const share =
        power === null || power.total === 0n
          ? ""
          : ` (${(Number((power.signed * 10_000n) / power.total) / 100).toFixed(2)}%)`;
      const lines = [
        `checkpoint ${k.number}`,
        `  sidechain id:            ${k.sidechainId}`,
        `  heights:                 ${k.startHeight}-${k.endHeight}`,
        `  blocks root:             ${k.blocksRoot}`,
        `  withdrawals root:        ${k.withdrawalsRoot}${k.withdrawalsRoot === ZERO_ROOT ? " (no withdrawals)" : ""}`,
        `  next validator set hash: ${k.nextValidatorSetHash}`,
        `  L1:                      ${l1Text(c)}`,
        `  signers:                 ${c.signatures.length}${power === null ? "" : `, power ${power.signed} of ${power.total}${share}`}`,
        ...c.signatures.map((s) => `    ${s.validator}  ${s.signature}`),
      ];
      out.write(`${lines.join("\n")}\n`);
    });

  return checkpoint;
}
