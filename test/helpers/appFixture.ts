import { type TransactionRequest, Wallet } from "ethers";
import {
  type AppGenesis,
  type Application,
  createApplication,
  type ExecutionResult,
  nativeTokenAddress,
  type SignerRecovery,
} from "../../node/app/index.ts";
import { type Address, type Hex, hexToBytes, recoverSigner } from "../../node/crypto/index.ts";

export const CHAIN_ID = 7447n;
export const GWEI = 10n ** 9n;
export const ETHER = 10n ** 18n;
export const BASE_FEE = GWEI;

/** Deterministic keys so failures reproduce. */
export function testWallet(i: number): Wallet {
  return new Wallet(`0x${(0x1000 + i).toString(16).padStart(64, "0")}`);
}

export const addr = (w: Wallet): Address => w.address.toLowerCase() as Address;

export const alice = testWallet(1);
export const bob = testWallet(2);
export const carol = testWallet(3);
/** Validators (also funded accounts, so they can stake more). */
export const val1 = testWallet(10);
export const val2 = testWallet(11);
/** Receives fees in tests; holds nothing at genesis. */
export const PROPOSER: Address = "0x00000000000000000000000000000000000000fe";

export const ODOL = nativeTokenAddress("ODOL");

export function testGenesis(overrides: Partial<AppGenesis> = {}): AppGenesis {
  return {
    chainId: CHAIN_ID,
    minGasPrice: BASE_FEE,
    epochLength: 4,
    unbondingEpochs: 1,
    alloc: [alice, bob, carol, val1, val2].map((w) => ({ address: addr(w), balance: 1000n * ETHER })),
    validators: [
      { address: addr(val1), stake: 10n * ETHER },
      { address: addr(val2), stake: 10n * ETHER },
    ],
    nativeTokens: [
      {
        name: "Outrigger Dollar",
        symbol: "ODOL",
        decimals: 6,
        alloc: [{ address: addr(alice), amount: 1_000_000n }],
      },
    ],
    ...overrides,
  };
}

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

/** Executes the next block and commits it (as a node does after persisting the writes). */
export function runBlock(app: Application, txs: Uint8Array[], proposer: Address = PROPOSER): ExecutionResult {
  const result = app.executeBlock(
    { height: app.height() + 1, time: 1_700_000_000_000 + app.height(), proposer },
    txs,
  );
  app.commit(result);
  return result;
}

/** Commits empty blocks until the app's height is `height`. */
export function runUntil(app: Application, height: number): ExecutionResult[] {
  const results: ExecutionResult[] = [];
  while (app.height() < height) results.push(runBlock(app, []));
  return results;
}

export const hexOf = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString("hex")}`;
