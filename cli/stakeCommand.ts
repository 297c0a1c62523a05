import type { Command } from "commander";
import { STAKING_ADDRESS } from "../node/app/addresses.ts";
import { epochOf } from "../node/app/params.ts";
import { type Address, type Hex, privateKeyToAddress } from "../node/crypto/index.ts";
import { intArg } from "./format/args.ts";
import { coinsArg, formatCoins } from "./format/coins.ts";
import { type KeyFlags, keyOptions } from "./format/keyOptions.ts";
import { nodeRpcOptions } from "./format/nodeOptions.ts";
import { stdoutOutput, toJson } from "./format/output.ts";
import type { NodeClient, NodeCommandDeps, SentTx } from "./rpc/nodeClient.ts";

const DEFAULT_TIMEOUT_S = 120;

interface StakeFlags extends KeyFlags {
  rpc: string;
  json: boolean;
  /** False with --no-wait. */
  wait: boolean;
  timeout: number;
}

export interface StakeCommandDeps extends NodeCommandDeps {
  env?: Readonly<Record<string, string | undefined>>;
}

/** A staking call the node refused or that reverted: one line with the reason, exit 1. */
export class StakingError extends Error {
  override readonly name = "StakingError";
}

type StakingCall = "stake" | "unstake" | "withdrawUnbonded" | "unjail";
const COMMAND_OF: Record<StakingCall, string> = {
  stake: "stake",
  unstake: "unstake",
  withdrawUnbonded: "withdraw-stake",
  unjail: "unjail",
};

/** The first block of an epoch: epoch e covers heights [(e-1)L+1, eL]. */
export function epochStart(epoch: number, epochLength: number): number {
  return (epoch - 1) * epochLength + 1;
}

/** The staking event of `name` in a receipt's logs, decoded; null when the call emitted none. */
async function stakingEvent(tx: SentTx, name: string): Promise<readonly unknown[] | null> {
  const { stakingInterface } = await import("./rpc/nodeClient.ts");
  for (const log of tx.receipt?.logs ?? []) {
    if (log.address !== STAKING_ADDRESS) continue;
    const parsed = stakingInterface.parseLog(log);
    if (parsed?.name === name) return parsed.args.toArray();
  }
  return null;
}

/** Says why there is nothing to withdraw, in the operator's terms, before a transaction that would revert. */
async function checkWithdrawable(node: NodeClient, account: Address): Promise<void> {
  const { stakingInterface } = await import("./rpc/nodeClient.ts");
  const data = stakingInterface.encodeFunctionData("unbondingOf", [account]) as Hex;
  const [pending, withdrawable] = stakingInterface.decodeFunctionResult(
    "unbondingOf",
    await node.call(STAKING_ADDRESS, data),
  ) as unknown as [bigint, bigint];
  if (withdrawable > 0n) return;
  if (pending > 0n)
    throw new StakingError(
      `nothing to withdraw yet: ${formatCoins(pending)} unstaked by ${account} is still unbonding; retry from the release epoch \`outrigger unstake\` printed`,
    );
  throw new StakingError(
    `nothing to withdraw: ${account} has no unstaked coins; run \`outrigger unstake AMOUNT\` first`,
  );
}

export function registerStakeCommands(program: Command, deps: StakeCommandDeps = {}): void {
  const out = deps.out ?? stdoutOutput;
  const env = deps.env ?? process.env;
  const connect =
    deps.connect ?? (async (url: string) => (await import("./rpc/nodeClient.ts")).createNodeClient(url));
  const say = (line: string) => out.write(`${line}\n`);

  const txOptions = (cmd: Command) =>
    keyOptions(nodeRpcOptions(cmd))
      .option("--no-wait", "send and print the tx hash without waiting for its block")
      .option("--timeout <seconds>", "how long to wait for the block", intArg(1, 3600), DEFAULT_TIMEOUT_S);

  /** Signs and sends one staking call; a refusal or a revert is a StakingError naming the reason. */
  async function sendStaking(
    node: NodeClient,
    key: Hex,
    call: StakingCall,
    args: unknown[],
    flags: StakeFlags,
  ): Promise<SentTx & { epochLength: number }> {
    const { stakingInterface, TransactionRefusedError } = await import("./rpc/nodeClient.ts");
    const { epochLength } = await node.status();
    const data = stakingInterface.encodeFunctionData(call, args) as Hex;
    let tx: SentTx;
    try {
      tx = await node.send(key, STAKING_ADDRESS, data, { wait: flags.wait, timeoutMs: flags.timeout * 1000 });
    } catch (err) {
      if (err instanceof TransactionRefusedError)
        throw new StakingError(`${COMMAND_OF[call]} was not sent: ${err.message}`);
      throw err;
    }
    if (tx.receipt?.status === "reverted")
      throw new StakingError(`${COMMAND_OF[call]} tx ${tx.hash} reverted in block ${tx.receipt.blockNumber}`);
    return { ...tx, epochLength };
  }

  /** The part every command prints: the tx, its block and epoch; null when --no-wait left the block unknown. */
  function included(tx: SentTx, epochLength: number) {
    if (tx.receipt === null) return null;
    const block = tx.receipt.blockNumber;
    const epoch = epochOf(block, epochLength);
    return { block, epoch, effectiveEpoch: epoch + 1, effectiveHeight: epochStart(epoch + 1, epochLength) };
  }

  function sentOnly(tx: SentTx, flags: StakeFlags, what: string): boolean {
    if (tx.receipt !== null) return false;
    if (flags.json) say(toJson({ txHash: tx.hash, from: tx.from, status: "sent" }));
    else say(`${what}: sent tx ${tx.hash} from ${tx.from}; not waiting for its block (--no-wait)`);
    return true;
  }

  const withNode = async (flags: StakeFlags, run: (node: NodeClient, key: Hex) => Promise<void>) => {
    // The key first: a wrong password or missing key file fails before the network is touched.
    const key = await (await import("./keys/signingKey.ts")).resolveKey(flags, env);
    const node = await connect(flags.rpc);
    try {
      await run(node, key);
    } finally {
      node.close();
    }
  };

  txOptions(
    program
      .command("stake")
      .description("move native coins into stake; the power follows from the next epoch")
      .argument("<amount>", "coins to stake, like 1000 or 0.5", coinsArg),
  ).action(async (amount: bigint, flags: StakeFlags) =>
    withNode(flags, async (node, key) => {
      const tx = await sendStaking(node, key, "stake", [amount], flags);
      if (sentOnly(tx, flags, `stake of ${formatCoins(amount)}`)) return;
      const at = included(tx, tx.epochLength);
      const event = await stakingEvent(tx, "Staked");
      const stake = event === null ? null : (event[2] as bigint);
      if (flags.json) {
        say(toJson({ txHash: tx.hash, from: tx.from, status: "success", amount, stake, ...at }));
        return;
      }
      say(`stake of ${formatCoins(amount)} from ${tx.from}: tx ${tx.hash} succeeded in block ${at?.block}`);
      say(
        `stake now ${stake === null ? "unknown" : formatCoins(stake)}; the power applies from epoch ${at?.effectiveEpoch} (height ${at?.effectiveHeight})`,
      );
    }),
  );

  txOptions(
    program
      .command("unstake")
      .description("move stake into unbonding; the power drops at the next epoch, the coins are paid later")
      .argument("<amount>", "coins to unstake, like 1000 or 0.5", coinsArg),
  ).action(async (amount: bigint, flags: StakeFlags) =>
    withNode(flags, async (node, key) => {
      const tx = await sendStaking(node, key, "unstake", [amount], flags);
      if (sentOnly(tx, flags, `unstake of ${formatCoins(amount)}`)) return;
      const at = included(tx, tx.epochLength);
      const event = await stakingEvent(tx, "Unstaked");
      const releaseEpoch = event === null ? null : Number(event[2] as bigint);
      const releaseHeight = releaseEpoch === null ? null : epochStart(releaseEpoch, tx.epochLength);
      if (flags.json) {
        say(
          toJson({
            txHash: tx.hash,
            from: tx.from,
            status: "success",
            amount,
            ...at,
            releaseEpoch,
            releaseHeight,
          }),
        );
        return;
      }
      say(`unstake of ${formatCoins(amount)} from ${tx.from}: tx ${tx.hash} succeeded in block ${at?.block}`);
      say(`the power drops from epoch ${at?.effectiveEpoch} (height ${at?.effectiveHeight})`);
      if (releaseEpoch !== null)
        say(
          `the coins can be withdrawn from epoch ${releaseEpoch} (height ${releaseHeight}): outrigger withdraw-stake`,
        );
    }),
  );

  txOptions(
    program
      .command("withdraw-stake")
      .description("pay back the unstaked coins whose unbonding period is over"),
  ).action(async (flags: StakeFlags) =>
    withNode(flags, async (node, key) => {
      await checkWithdrawable(node, privateKeyToAddress(key));
      const tx = await sendStaking(node, key, "withdrawUnbonded", [], flags);
      if (sentOnly(tx, flags, "withdraw-stake")) return;
      const at = included(tx, tx.epochLength);
      const event = await stakingEvent(tx, "UnbondedWithdrawn");
      const paid = event === null ? null : (event[1] as bigint);
      if (flags.json) {
        say(
          toJson({
            txHash: tx.hash,
            from: tx.from,
            status: "success",
            block: at?.block,
            epoch: at?.epoch,
            paid,
          }),
        );
        return;
      }
      say(
        `withdraw-stake: tx ${tx.hash} succeeded in block ${at?.block}; paid ${paid === null ? "unknown" : formatCoins(paid)} to ${tx.from}`,
      );
    }),
  );

  txOptions(
    program
      .command("unjail")
      .description(
        "bring a jailed validator back once its jail period is over; the power returns at the next epoch",
      ),
  ).action(async (flags: StakeFlags) =>
    withNode(flags, async (node, key) => {
      // The gas estimate runs it first: not jailed, still jailed until height N, or too little stake is refused unsent.
      const tx = await sendStaking(node, key, "unjail", [], flags);
      if (sentOnly(tx, flags, "unjail")) return;
      const at = included(tx, tx.epochLength);
      if (flags.json) {
        say(toJson({ txHash: tx.hash, from: tx.from, status: "success", ...at }));
        return;
      }
      say(`unjail of ${tx.from}: tx ${tx.hash} succeeded in block ${at?.block}`);
      say(`the power returns from epoch ${at?.effectiveEpoch} (height ${at?.effectiveHeight})`);
    }),
  );
}
