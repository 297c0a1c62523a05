import type { Command } from "commander";
import { z } from "zod";
import type { SidechainRpc } from "../bridge/sidechainRpc.ts";
import { type NodeStatusInfo, nodeStatusSchema } from "../node/types/rpc/index.ts";
import { nodeRpcOptions } from "./format/nodeOptions.ts";
import { type Output, stdoutOutput, toJson } from "./format/output.ts";

export class NodeNotReadyError extends Error {
  override readonly name = "NodeNotReadyError";
}

export interface StatusCommandDeps {
  out?: Output;
  rpc?: (url: string) => Pick<SidechainRpc, "status">;
}

/**
 * `outrigger status`: the node's head and view of the network. With --check it is a health probe (container
 * HEALTHCHECK, supervisors): exit 0 only when the node answers and is not catching up.
 */
export function registerStatusCommand(program: Command, deps: StatusCommandDeps = {}): Command {
  const out = deps.out ?? stdoutOutput;
  const connect =
    deps.rpc ?? (async (url: string) => new (await import("../bridge/sidechainRpc.ts")).SidechainRpc(url));
  const command = program
    .command("status")
    .description("a node's head height, epoch, sync state and peers")
    .option("--check", "exit 1 unless the node answers and is not syncing (a health probe)", false);
  return nodeRpcOptions(command).action(async (flags: { rpc: string; check: boolean; json: boolean }) => {
    const status = await (await connect(flags.rpc)).status();
    out.write(flags.json ? `${toJson(z.encode(nodeStatusSchema, status))}\n` : describe(status));
    if (flags.check && status.syncing)
      throw new NodeNotReadyError(`the node is syncing (height ${status.height})`);
  });
}

function describe(s: NodeStatusInfo): string {
  const head = s.hash === null ? "no block yet" : `${s.hash}, ${new Date(Number(s.time)).toISOString()}`;
  return [
    `chain ${s.chainId} height ${s.height} (${head})`,
    `epoch ${s.epoch} (epochs of ${s.epochLength} blocks); ${s.syncing ? "syncing" : "in sync"}; ${s.peers} peers`,
    `validator ${s.validator ?? "none (full node)"}`,
    "",
  ].join("\n");
}
