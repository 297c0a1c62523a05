import type { Command } from "commander";
import { formatAmount } from "../bridge/client/amounts.ts";
import { parseAddress } from "../bridge/client/tokens.ts";
import type { Address } from "../node/crypto/index.ts";
import { inputArg } from "./format/args.ts";
import { COIN_DECIMALS } from "./format/coins.ts";
import { nodeRpcOptions } from "./format/nodeOptions.ts";
import { stdoutOutput, toJson } from "./format/output.ts";
import { parseSidechainTokenRef, type SidechainTokenRef } from "./format/tokenRef.ts";
import type { NodeCommandDeps } from "./rpc/nodeClient.ts";
import type { SidechainToken } from "./rpc/tokens.ts";

interface BalanceFlags {
  token?: SidechainTokenRef;
  rpc: string;
  json: boolean;
}

function tokenText(token: SidechainToken): string {
  const origin =
    token.origin.kind === "bridged" ? `bridged from L1 token ${token.origin.l1Token}` : "genesis token";
  return `${token.symbol} (${token.name}, ${origin}, at ${token.address})`;
}

export function registerBalanceCommand(program: Command, deps: NodeCommandDeps = {}): Command {
  const out = deps.out ?? stdoutOutput;
  const connect =
    deps.connect ?? (async (url: string) => (await import("./rpc/nodeClient.ts")).createNodeClient(url));
  return nodeRpcOptions(
    program
      .command("balance")
      .description("an account's native coin balance, or its balance of a sidechain token")
      .argument("<address>", "the account (0x followed by 40 hex digits)", inputArg(parseAddress))
      .option(
        "--token <token>",
        "a bridged or genesis token's symbol (DEV) or sidechain address",
        inputArg(parseSidechainTokenRef),
      ),
  ).action(async (address: Address, flags: BalanceFlags) => {
    const node = await connect(flags.rpc);
    try {
      const { resolveSidechainToken, tokenBalance } = await import("./rpc/tokens.ts");
      const token = flags.token === undefined ? null : await resolveSidechainToken(node, flags.token);
      const raw =
        token === null ? await node.balance(address) : await tokenBalance(node, token.address, address);
      const decimals = token?.decimals ?? COIN_DECIMALS;
      const amount = formatAmount(raw, decimals);
      if (flags.json) {
        out.write(`${toJson({ address, token, balance: amount, raw, decimals })}\n`);
        return;
      }
      const lines = [
        `address  ${address}`,
        `token    ${token === null ? "native coin (pays gas, staked by validators)" : tokenText(token)}`,
        `balance  ${amount}${token === null ? "" : ` ${token.symbol}`}`,
        `raw      ${raw} (${decimals} decimals)`,
      ];
      out.write(`${lines.join("\n")}\n`);
    } finally {
      node.close();
    }
  });
}
