import type { Command } from "commander";
import type { Address } from "../node/crypto/index.ts";
import type { ValidatorsInfo } from "../node/types/rpc/index.ts";
import { intArg } from "./format/args.ts";
import { formatCoins } from "./format/coins.ts";
import { nodeRpcOptions } from "./format/nodeOptions.ts";
import { stdoutOutput, toJson } from "./format/output.ts";
import { renderTable } from "./format/table.ts";
import type { NodeClient, NodeCommandDeps } from "./rpc/nodeClient.ts";

interface ValidatorsFlags {
  height?: number;
  rpc: string;
  json: boolean;
}

export class ValidatorsCommandError extends Error {
  override readonly name = "ValidatorsCommandError";
}

/** Power as a percentage of the total with two decimals, computed on integers: "25.00%". */
export function powerShare(power: bigint, total: bigint): string {
  if (total === 0n) return "-";
  const basisPoints = (power * 10_000n) / total;
  return `${basisPoints / 100n}.${(basisPoints % 100n).toString().padStart(2, "0")}%`;
}

/**
 * Who signed the last committed block, shown only while that block belongs to the epoch of the set shown: at an
 * epoch boundary the next set is not the one that signed it.
 */
async function lastCommit(
  node: NodeClient,
  set: ValidatorsInfo,
): Promise<{ height: number; signers: Set<Address> } | null> {
  const previous = set.height - 1;
  if (previous < 1) return null;
  const [commit, previousSet] = await Promise.all([node.commit(previous), node.validators(previous)]);
  if (commit === null || previousSet === null || previousSet.epoch !== set.epoch) return null;
  return { height: commit.height, signers: new Set(commit.signatures.map((s) => s.validator)) };
}

export function registerValidatorsCommand(program: Command, deps: NodeCommandDeps = {}): Command {
  const out = deps.out ?? stdoutOutput;
  const connect =
    deps.connect ?? (async (url: string) => (await import("./rpc/nodeClient.ts")).createNodeClient(url));
  return nodeRpcOptions(
    program
      .command("validators")
      .description(
        "the validator set: power, share of the total, stake, jailing, slashes and missed votes; who signed the last block",
      )
      .option(
        "--height <n>",
        "the set that signs height n (default: the next block's)",
        intArg(1, Number.MAX_SAFE_INTEGER),
      ),
  ).action(async (flags: ValidatorsFlags) => {
    const node = await connect(flags.rpc);
    try {
      const set = await node.validators(flags.height);
      if (set === null)
        throw new ValidatorsCommandError(
          `the node has no validator set for height ${flags.height}: it is above the node's head or pruned`,
        );
      const commit = flags.height === undefined ? await lastCommit(node, set) : null;
      const rows = set.validators.map((v) => ({
        address: v.address,
        power: v.power,
        share: powerShare(v.power, set.totalPower),
        stake: v.stake,
        ...(commit === null ? {} : { signedLastCommit: commit.signers.has(v.address) }),
        jailed: v.jailed,
        jailedUntil: v.jailedUntil,
        slashed: v.slashed,
        missedInWindow: v.missedInWindow,
      }));
      if (flags.json) {
        out.write(
          `${toJson({
            height: set.height,
            epoch: set.epoch,
            totalPower: set.totalPower,
            lastCommitHeight: commit?.height ?? null,
            validators: rows,
          })}\n`,
        );
        return;
      }
      const headers = ["address", "power", "share", "stake now"];
      if (commit !== null) headers.push(`signed ${commit.height}`);
      headers.push("jailed", "slashed", "missed");
      const table = rows.map((r) => [
        r.address,
        String(r.power),
        r.share,
        formatCoins(r.stake),
        ...(r.signedLastCommit === undefined ? [] : [r.signedLastCommit ? "yes" : "no"]),
        r.jailed ? `until ${r.jailedUntil}` : "no",
        formatCoins(r.slashed),
        String(r.missedInWindow),
      ]);
      out.write(
        `${set.validators.length} validators sign height ${set.height} (epoch ${set.epoch}), total power ${set.totalPower}\n`,
      );
      const numeric = commit === null ? [1, 2, 3, 5, 6] : [1, 2, 3, 6, 7];
      out.write(renderTable(headers, table, new Set(numeric)));
      out.write(
        "stake now: at the latest block, in coins; power follows it at the next epoch (1 power per whole coin)\n",
      );
      out.write(
        "jailed: out of the set from the next epoch until `outrigger unjail` from that height; slashed: coins ever taken; missed: votes missed in the signing window\n",
      );
    } finally {
      node.close();
    }
  });
}
