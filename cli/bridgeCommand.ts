import { type Command, InvalidArgumentError } from "commander";
import { checkAmountSyntax, formatAmount, parseAmount } from "../bridge/client/amounts.ts";
import type { BridgeClient, BridgeClientOptions } from "../bridge/client/client.ts";
import { AlreadyExitedError, InvalidInputError, WaitTimeoutError } from "../bridge/client/errors.ts";
import type { BridgeProgress } from "../bridge/client/stages.ts";
import { parseStatusRef, type StatusRef } from "../bridge/client/statusRef.ts";
import { parseAddress, parseTokenRef, type TokenRef } from "../bridge/client/tokens.ts";
import type { Address } from "../node/crypto/index.ts";
import { inputArg, intArg, urlArg } from "./format/args.ts";
import { type KeyFlags, keyOptions } from "./format/keyOptions.ts";
import { DEFAULT_RPC } from "./format/nodeOptions.ts";
import { type Output, stdoutOutput, toJson } from "./format/output.ts";
import { nextStepHint, ProgressDisplay, renderProgress } from "./format/progress.ts";

export const DEFAULT_L1_RPC = "http://127.0.0.1:8545";
const DEFAULT_TIMEOUT_S = 900;

interface ChainFlags {
  rpc: string;
  l1Rpc: string;
  json: boolean;
  timeout: number;
}

interface TransferFlags extends ChainFlags, KeyFlags {
  to?: Address;
  raw: boolean;
  wait: boolean;
}

interface WithdrawFlags extends TransferFlags {
  /** False with --no-exit. */
  exit: boolean;
}

interface ExitFlags extends ChainFlags, KeyFlags {
  wait: boolean;
}

interface StatusFlags extends ChainFlags {
  deposit?: boolean;
  withdrawal?: boolean;
  wait: boolean;
}

/** Seams for tests: a fake client shows that bad input fails before any client (and so any network) exists. */
export interface BridgeCommandDeps {
  createClient?: (opts: BridgeClientOptions) => BridgeClient;
  out?: Output;
  env?: Readonly<Record<string, string | undefined>>;
}

function idArg(value: string): bigint {
  if (!/^(0|[1-9][0-9]{0,77})$/.test(value))
    throw new InvalidArgumentError("expected a withdrawal id (a whole number)");
  return BigInt(value);
}

function chainOptions(cmd: Command): Command {
  return cmd
    .option("--rpc <url>", "sidechain node JSON-RPC URL", urlArg, DEFAULT_RPC)
    .option("--l1-rpc <url>", "L1 JSON-RPC URL", urlArg, DEFAULT_L1_RPC)
    .option("--timeout <seconds>", "how long --wait waits", intArg(1, 7 * 24 * 3600), DEFAULT_TIMEOUT_S)
    .option("--json", "print JSON instead of text", false);
}

/** A withdrawal past the point where waiting helps: it can be exited, is queued, or is paid. */
const exitableOrLater = (p: BridgeProgress) =>
  p.kind !== "withdrawal" || !["checkpointing", "submitting"].includes(p.phase);
/** Where `status --wait` stops: the end, or the point where the user has to act. */
const settled = (p: BridgeProgress) => (p.kind === "deposit" ? p.done : exitableOrLater(p));

function refText(ref: StatusRef): string {
  return ref.kind === "tx"
    ? ref.hash
    : ref.kind === "deposit"
      ? `--deposit ${ref.nonce}`
      : `--withdrawal ${ref.id}`;
}

export function registerBridgeCommand(program: Command, deps: BridgeCommandDeps = {}): Command {
  const out = deps.out ?? stdoutOutput;
  const env = deps.env ?? process.env;
  const newClient =
    deps.createClient ??
    (async (opts: BridgeClientOptions) =>
      (await import("../bridge/client/client.ts")).createBridgeClient(opts));
  const say = (line: string) => out.write(`${line}\n`);

  async function withClient<T>(
    flags: ChainFlags & Partial<KeyFlags>,
    needsKey: boolean,
    run: (client: BridgeClient) => Promise<T>,
  ): Promise<T> {
    const privateKey = needsKey
      ? await (await import("./keys/signingKey.ts")).resolveKey(flags, env)
      : undefined;
    const client = await newClient({
      rpcUrl: flags.rpc,
      l1RpcUrl: flags.l1Rpc,
      ...(privateKey ? { privateKey } : {}),
    });
    try {
      return await run(client);
    } finally {
      client.close();
    }
  }

  async function watch(
    client: BridgeClient,
    ref: StatusRef,
    until: (p: BridgeProgress) => boolean,
    flags: ChainFlags,
    display: ProgressDisplay | null,
  ): Promise<BridgeProgress> {
    try {
      return await client.waitFor(ref, {
        until,
        timeoutMs: flags.timeout * 1000,
        ...(display ? { onProgress: (p: BridgeProgress) => display.update(p) } : {}),
      });
    } catch (err) {
      if (err instanceof WaitTimeoutError) {
        throw new WaitTimeoutError(
          `${err.message}; it goes on without us: outrigger bridge status ${refText(ref)}`,
          err.last,
        );
      }
      throw err;
    }
  }

  const finish = (p: BridgeProgress, display: ProgressDisplay | null) => {
    display?.update(p);
    const hint = nextStepHint(p);
    if (display !== null && hint !== null) say(hint);
  };

  const bridge = program
    .command("bridge")
    .description("move ETH and ERC20 tokens between L1 and the sidechain");

  keyOptions(
    chainOptions(
      bridge
        .command("deposit")
        .description("lock a token on L1 and have it minted on the sidechain")
        .argument("<token>", "ETH, an L1 token address, or a bridged token's symbol", inputArg(parseTokenRef))
        .argument("<amount>", "amount in token units (1.5), or base units with --raw")
        .option(
          "--to <address>",
          "sidechain recipient (default: the sender)",
          inputArg((v) => parseAddress(v, "recipient")),
        )
        .option("--raw", "the amount is in base units", false)
        .option("--wait", "wait until the deposit is minted on the sidechain", false),
    ),
  ).action(async (token: TokenRef, amountText: string, flags: TransferFlags) => {
    checkAmountSyntax(amountText, flags.raw);
    await withClient(flags, true, async (client) => {
      const info = await client.depositToken(token);
      const amount = parseAmount(amountText, info.decimals, flags.raw);
      const shown = `${formatAmount(amount, info.decimals)} ${info.symbol}`;
      if (!flags.json) say(`depositing ${shown} to ${flags.to ?? client.address} on the sidechain...`);
      const result = await client.deposit({ token, amount, ...(flags.to ? { to: flags.to } : {}) });
      if (!flags.json) {
        if (result.approveTxHash !== null) say(`approved the bridge in L1 tx ${result.approveTxHash}`);
        say(`deposit ${result.nonce}: L1 tx ${result.l1TxHash} in block ${result.l1Block}`);
      }
      if (!flags.wait) {
        if (flags.json) say(toJson(result));
        return;
      }
      const display = flags.json ? null : new ProgressDisplay(out);
      const final = await watch(
        client,
        { kind: "deposit", nonce: result.nonce },
        (p) => p.done,
        flags,
        display,
      );
      if (flags.json) say(toJson({ ...result, status: final }));
      else finish(final, display);
    });
  });

  keyOptions(
    chainOptions(
      bridge
        .command("withdraw")
        .description("burn a bridged token on the sidechain; with --wait, also exit it on L1")
        .argument(
          "<token>",
          "ETH, an L1 (or sidechain) token address, or a bridged token's symbol",
          inputArg(parseTokenRef),
        )
        .argument("<amount>", "amount in token units (1.5), or base units with --raw")
        .option(
          "--to <address>",
          "L1 recipient (default: the sender)",
          inputArg((v) => parseAddress(v, "L1 recipient")),
        )
        .option("--raw", "the amount is in base units", false)
        .option("--wait", "wait for the checkpoint to reach L1, then exit", false)
        .option("--no-exit", "with --wait: stop once the withdrawal can exit, without exiting"),
    ),
  ).action(async (token: TokenRef, amountText: string, flags: WithdrawFlags) => {
    checkAmountSyntax(amountText, flags.raw);
    await withClient(flags, true, async (client) => {
      const info = await client.withdrawToken(token);
      const amount = parseAmount(amountText, info.decimals, flags.raw);
      const shown = `${formatAmount(amount, info.decimals)} ${info.symbol}`;
      if (!flags.json) say(`withdrawing ${shown} to ${flags.to ?? client.address} on L1...`);
      const result = await client.withdraw({ token, amount, ...(flags.to ? { to: flags.to } : {}) });
      if (!flags.json)
        say(`withdrawal ${result.id}: sidechain tx ${result.l2TxHash} at height ${result.height}`);
      if (!flags.wait) {
        if (flags.json) say(toJson(result));
        else
          say(
            `next: outrigger bridge status --withdrawal ${result.id} --wait, then outrigger bridge exit ${result.id}`,
          );
        return;
      }
      const ref: StatusRef = { kind: "withdrawal", id: result.id };
      const display = flags.json ? null : new ProgressDisplay(out);
      let final = await watch(client, ref, exitableOrLater, flags, display);
      let exit = null;
      if (final.phase === "exitable" && flags.exit) {
        exit = await exitIgnoringRace(client, result.id);
        final = await client.status(ref);
      }
      if (flags.json) say(toJson({ ...result, exit, status: final }));
      else finish(final, display);
    });
  });

  keyOptions(
    chainOptions(
      bridge
        .command("exit")
        .description("prove a withdrawal to the L1 Bridge and release its funds (anyone may pay for this)")
        .argument("<withdrawalId>", "the withdrawal id", idArg)
        .option("--wait", "first wait until the withdrawal's checkpoint is on L1", false),
    ),
  ).action(async (id: bigint, flags: ExitFlags) => {
    await withClient(flags, true, async (client) => {
      const ref: StatusRef = { kind: "withdrawal", id };
      const display = flags.json ? null : new ProgressDisplay(out);
      if (flags.wait) await watch(client, ref, exitableOrLater, flags, display);
      const result = await client.exit(id);
      const final = await client.status(ref);
      if (flags.json) {
        say(toJson({ ...result, status: final }));
        return;
      }
      const outcome = result.paid
        ? "paid"
        : `queued by the exit limits until ${new Date(Number(result.releaseAt ?? 0n) * 1000).toISOString()}`;
      say(`exit of withdrawal ${id}: ${outcome}, L1 tx ${result.l1TxHash}`);
      finish(final, display ?? new ProgressDisplay(out));
    });
  });

  chainOptions(
    bridge
      .command("status")
      .description("where a deposit or withdrawal stands, from a tx hash (either chain), a nonce or an id")
      .argument("<ref>", "a transaction hash, a deposit nonce or a withdrawal id")
      .option("--deposit", "the number is a deposit nonce")
      .option("--withdrawal", "the number is a withdrawal id")
      .option("--wait", "follow it until it is complete or needs you (an exit)", false),
  ).action(async (text: string, flags: StatusFlags) => {
    if (flags.deposit && flags.withdrawal)
      throw new InvalidInputError("use either --deposit or --withdrawal");
    const ref = parseStatusRef(text, flags.deposit ? "deposit" : flags.withdrawal ? "withdrawal" : undefined);
    await withClient(flags, false, async (client) => {
      if (!flags.wait) {
        const p = await client.status(ref);
        out.write(flags.json ? `${toJson(p)}\n` : renderProgress(p));
        return;
      }
      const display = flags.json ? null : new ProgressDisplay(out);
      const final = await watch(client, ref, settled, flags, display);
      if (flags.json) say(toJson(final));
      else finish(final, display);
    });
  });

  return bridge;
}

/** Someone else (an auto-exiting relayer) may exit between our check and our transaction; that is success. */
async function exitIgnoringRace(client: BridgeClient, id: bigint) {
  try {
    return await client.exit(id);
  } catch (err) {
    if (err instanceof AlreadyExitedError) return null;
    throw err;
  }
}
