import type { Address, Hex } from "../../node/crypto/index.ts";
import { errorMessage } from "../../node/util/errors.ts";
import type { BenchAccount } from "./accounts.ts";
import type { RpcClient } from "./rpcClient.ts";
import { createdAddress, mintCall, testTokenDeployment } from "./testToken.ts";
import { type SignedTx, signTransfer, type UnsignedTx } from "./transfers.ts";

/** What each sender mints itself: far more than any step moves. */
const MINTED = 1_000_000n * 10n ** 18n;
/** Mints sent before waiting for their receipts: well within a node's pool (10,000) and a block's gas (~400). */
const MINT_CHUNK = 400;
const POLL_MS = 250;

export class ClusterSetupError extends Error {
  override readonly name = "ClusterSetupError";
}

export interface ClusterTokenOptions {
  /** A funded account that has sent nothing yet: it creates the token. */
  deployer: BenchAccount;
  /** Each mints itself the token with its nonce 0, so its transfers start at nonce 1. */
  senders: readonly BenchAccount[];
  chainId: bigint;
  maxFeePerGas: bigint;
  timeoutMs: number;
}

export type RpcCaller = Pick<RpcClient, "call">;

/**
 * Sends, and again after a pause while the node sheds load ("txpool is busy", -32005 with a retry hint): the
 * setup sends thousands at once, more than a node checks at a time.
 */
async function sendShedding(client: RpcCaller, raw: Hex, deadline: number): Promise<void> {
  for (;;) {
    try {
      await client.call<Hex>("eth_sendRawTransaction", [raw]);
      return;
    } catch (err) {
      if (!/txpool is busy/.test(errorMessage(err)) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

export interface ClusterTokenModules {
  /** One per node: the mints are spread over them as the load is. */
  clients: readonly RpcCaller[];
  log(line: string): void;
}

interface RpcReceipt {
  status: Hex;
}

/**
 * Deploys TestToken (contracts/test/TestToken.sol) on a running cluster and has every sender mint itself some,
 * all committed before this returns: the erc20 kind's setup, done before any timed step. Returns the token.
 */
export async function deployClusterToken(
  opts: ClusterTokenOptions,
  modules: ClusterTokenModules,
): Promise<Address> {
  const { clients, log } = modules;
  const first = clients[0];
  if (first === undefined) throw new ClusterSetupError("no node to send to");
  const deadline = Date.now() + opts.timeoutMs;
  const sign = (key: Uint8Array, call: UnsignedTx, nonce: bigint): SignedTx =>
    signTransfer(key, { ...call, chainId: opts.chainId, nonce, maxFeePerGas: opts.maxFeePerGas });

  const token = createdAddress(opts.deployer.address, 0n);
  const deploy = sign(opts.deployer.key, await testTokenDeployment(), 0n);
  await first.call<Hex>("eth_sendRawTransaction", [deploy.raw]);
  const created = await receiptOf(first, deploy.hash, deadline);
  // The code, not only the receipt: a creation that deployed nothing has status 1 too.
  const code = await first.call<Hex>("eth_getCode", [token, "latest"]);
  if (created.status !== "0x1" || code === "0x") {
    throw new ClusterSetupError(
      `TestToken's creation failed: status ${created.status}, code ${code.slice(0, 10)}`,
    );
  }
  log(`  TestToken at ${token}`);

  for (let start = 0; start < opts.senders.length; start += MINT_CHUNK) {
    const chunk = opts.senders.slice(start, start + MINT_CHUNK);
    const sent = await Promise.all(
      chunk.map(async (s, i) => {
        const tx = sign(s.key, mintCall(token, s.address, MINTED), 0n);
        const client = clients[(start + i) % clients.length] as RpcCaller;
        await sendShedding(client, tx.raw, deadline);
        return { client, hash: tx.hash };
      }),
    );
    for (const { client, hash } of sent) {
      const receipt = await receiptOf(client, hash, deadline);
      if (receipt.status !== "0x1") throw new ClusterSetupError(`mint ${hash} failed`);
    }
    log(`  minted to ${start + chunk.length}/${opts.senders.length} senders`);
  }
  return token;
}

async function receiptOf(client: RpcCaller, hash: Hex, deadline: number): Promise<RpcReceipt> {
  for (;;) {
    const receipt = await client.call<RpcReceipt | null>("eth_getTransactionReceipt", [hash]);
    if (receipt !== null) return receipt;
    if (Date.now() > deadline) throw new ClusterSetupError(`no receipt for ${hash} in time`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
