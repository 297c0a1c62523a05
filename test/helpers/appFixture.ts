import { type TransactionRequest, Wallet } from "ethers";
import {
  type AppGenesis,
  type Application,
  createApplication,
  type ExecutionResult,
  intrinsicGas,
  type SignerRecovery,
  systemCallGas,
  tokenCallGas,
} from "../../node/app/index.ts";
import { type Address, type Hex, hexToBytes, recoverSigner } from "../../node/crypto/index.ts";
import type { DepositClaim } from "../../node/types/index.ts";
import { BASE_FEE, CHAIN_ID, PROPOSER, TEST_KEYS, testGenesis, testKey } from "./genesisFixture.ts";

export { addr, BASE_FEE, CHAIN_ID, ETHER, GWEI, ODOL, PROPOSER, testGenesis } from "./genesisFixture.ts";

const walletOf = (key: { privateKey: Hex }): Wallet => new Wallet(key.privateKey);

/** Deterministic keys so failures reproduce. */
export function testWallet(i: number): Wallet {
  return walletOf(testKey(i));
}

export const alice = walletOf(TEST_KEYS.alice);
export const bob = walletOf(TEST_KEYS.bob);
export const carol = walletOf(TEST_KEYS.carol);
/** Validators (also funded accounts, so they can stake more). */
export const val1 = walletOf(TEST_KEYS.val1);
export const val2 = walletOf(TEST_KEYS.val2);

export function testApp(overrides: Partial<AppGenesis> = {}): Application {
  return createApplication(testGenesis(overrides), null);
}

/** secp256k1 sender recovery that counts its calls, to show a sender is recovered once per node. */
export function countingRecovery(): { recoverSigner: SignerRecovery; count: () => number } {
  let count = 0;
  return {
    recoverSigner(digest, signature) {
      count++;
      return recoverSigner(digest, signature);
    },
    count: () => count,
  };
}

/** Signs with the test chain's defaults: type 2 at the base fee, gas limit 100,000, nonce 0. */
export async function signTx(wallet: Wallet, tx: TransactionRequest): Promise<Uint8Array> {
  const type = tx.type ?? 2;
  const defaults: TransactionRequest =
    type === 0 || type === 1
      ? { type, gasPrice: BASE_FEE }
      : { type, maxFeePerGas: 2n * BASE_FEE, maxPriorityFeePerGas: 0n };
  const raw = await wallet.signTransaction({
    chainId: CHAIN_ID,
    nonce: 0,
    gasLimit: 100_000n,
    value: 0n,
    ...defaults,
    ...tx,
  });
  return hexToBytes(raw);
}

/**
 * What a successful or reverted call to a system contract is charged: the transaction's intrinsic gas (21,000
 * plus calldata) and the function's fixed gas (node/app/calls.ts). An empty `data` is a plain call.
 */
export function systemTxGas(kind: "token" | "bridge" | "staking", data: string): bigint {
  const bytes = hexToBytes(data);
  const fixed = kind === "token" ? tokenCallGas(data as Hex) : systemCallGas({ kind }, data as Hex);
  return intrinsicGas({ to: "0x", data: bytes }).intrinsic + fixed;
}

/** Executes the next block and commits it (as a node does after persisting the writes). */
export async function runBlock(
  app: Application,
  txs: Uint8Array[],
  proposer: Address = PROPOSER,
  claims: DepositClaim[] = [],
): Promise<ExecutionResult> {
  const result = await app.executeBlock(
    { height: app.height() + 1, time: 1_700_000_000_000 + app.height(), proposer },
    txs,
    claims,
  );
  app.commit(result);
  return result;
}

/** Executes and commits the next block: its deposit claims first, then `txs`. */
export function runClaimsBlock(app: Application, claims: DepositClaim[], txs: Uint8Array[] = []) {
  return runBlock(app, txs, PROPOSER, claims);
}

/** Commits empty blocks until the app's height is `height`. */
export async function runUntil(app: Application, height: number): Promise<ExecutionResult[]> {
  const results: ExecutionResult[] = [];
  while (app.height() < height) results.push(await runBlock(app, []));
  return results;
}

export const hexOf = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString("hex")}`;
