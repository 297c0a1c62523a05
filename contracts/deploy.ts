import {
  type BaseContract,
  ContractFactory,
  JsonRpcProvider,
  Network,
  type Provider,
  type Signer,
  type TransactionReceipt,
} from "ethers";
import { type Address, type Hex, hashValidatorSet, isAddress, toAddress } from "../node/crypto/index.ts";
import type { Validator } from "../node/types/shapes.ts";
import { errorMessage } from "../node/util/errors.ts";
import { loadArtifact } from "./artifacts.ts";
import { type Deployment, writeDeployment } from "./deployment.ts";

/** An exit limit in the token's base units; 0 means unlimited. The zero address stands for ETH. */
export interface ExitLimit {
  token: Address;
  perTransaction: bigint;
  daily: bigint;
}

export interface DeployParams {
  sidechainId: bigint;
  /** The set that signs checkpoint 1, strictly ascending by address. */
  validators: readonly Validator[];
  admin: Address;
  guardian: Address;
  limits?: readonly ExitLimit[];
  /** Where to write the deployment JSON; null writes nothing. */
  outFile: string | null;
  /** Blocks each deployment must be buried under, its own included (default 1: mined). */
  confirmations?: number;
  /**
   * How long the L1 may make no new block while a confirmation is awaited (default 120 s). An L1 that mines only
   * when it receives a transaction (hardhat or anvil with automine) never adds the blocks that confirm the last
   * one, and this turns that wait into a ConfirmationTimeoutError.
   */
  stallTimeoutMs?: number;
  /** How often the L1 is asked for receipts and its head while waiting (default 1 s). */
  pollIntervalMs?: number;
  artifactsDir?: string;
}

export class DeployError extends Error {
  override readonly name = "DeployError";
}

/** The L1 made no block for stallTimeoutMs while a deployment waited for its confirmations. */
export class ConfirmationTimeoutError extends DeployError {
  constructor(
    message: string,
    readonly txHash: Hex,
    readonly confirmations: number,
  ) {
    super(message);
  }
}

const DEFAULT_STALL_TIMEOUT_MS = 120_000;
const DEFAULT_POLL_INTERVAL_MS = 1_000;

/**
 * A provider for the L1 at `url` once it has answered that it is chain `chainId`: nothing is ever sent to an L1
 * other than the one asked for. The network is fixed up front so ethers never retries detection forever.
 */
export async function connectL1(url: string, chainId: bigint): Promise<JsonRpcProvider> {
  // No response cache: a nonce read back within 250 ms of the previous deployment would be the stale one.
  const provider = new JsonRpcProvider(url, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1 });
  try {
    let actual: bigint;
    try {
      actual = BigInt((await provider.send("eth_chainId", [])) as string);
    } catch (err) {
      throw new DeployError(`cannot reach the L1 at ${url}: ${errorMessage(err)}`);
    }
    if (actual !== chainId)
      throw new DeployError(`the L1 at ${url} is chain ${actual}, not chain ${chainId}; nothing was sent`);
    return provider;
  } catch (err) {
    provider.destroy();
    throw err;
  }
}

/**
 * Deploys CheckpointManager and Bridge with `signer` on whatever L1 its provider talks to (the devnet's hardhat
 * node or a real JSON-RPC endpoint) and returns, and optionally writes, the deployment record.
 */
export async function deployContracts(signer: Signer, params: DeployParams): Promise<Deployment> {
  const provider = signer.provider;
  if (provider === null) throw new DeployError("the signer has no provider");
  checkValidators(params.validators);
  if (params.sidechainId <= 0n) throw new DeployError("sidechainId must be positive");
  const setHash = hashValidatorSet(params.validators);
  const confirmations = params.confirmations ?? 1;
  if (!Number.isSafeInteger(confirmations) || confirmations < 1)
    throw new DeployError("confirmations must be a whole number >= 1");
  const wait: WaitOptions = {
    stallTimeoutMs: params.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
    pollIntervalMs: params.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
  };
  const deployer = toAddress(await signer.getAddress());
  // Refused here rather than by the L1 with a long RPC error, and before anything is sent.
  if ((await provider.getBalance(deployer)) === 0n)
    throw new DeployError(`the deployer ${deployer} has no ETH on this L1 to pay for the deployment`);
  const artifactOptions = params.artifactsDir === undefined ? {} : { artifactsDir: params.artifactsDir };

  const managerArtifact = await loadArtifact("CheckpointManager", artifactOptions);
  const manager = await sent(
    "CheckpointManager",
    new ContractFactory(managerArtifact.abi, managerArtifact.bytecode, signer).deploy(
      params.sidechainId,
      setHash,
    ),
  );
  const managerTx = await mined(provider, manager, wait);

  const bridgeArtifact = await loadArtifact("Bridge", artifactOptions);
  const limits = (params.limits ?? []).map((l) => ({
    token: toAddress(l.token),
    perTransaction: l.perTransaction,
    daily: l.daily,
  }));
  const bridge = await sent(
    "Bridge",
    new ContractFactory(bridgeArtifact.abi, bridgeArtifact.bytecode, signer).deploy(
      await manager.getAddress(),
      toAddress(params.admin),
      toAddress(params.guardian),
      limits,
    ),
  );
  const bridgeTx = await mined(provider, bridge, wait);
  // Both are mined before either is awaited further: the bridge's block already confirms the manager once.
  let managerReceipt: TransactionReceipt;
  try {
    managerReceipt = await confirmed(provider, managerTx, confirmations, wait);
    await confirmed(provider, bridgeTx, confirmations, wait);
  } catch (err) {
    // Both contracts exist by now: an operator must learn where, or they are lost with the process.
    if (err instanceof ConfirmationTimeoutError)
      throw new ConfirmationTimeoutError(
        `${err.message}; CheckpointManager ${toAddress(await manager.getAddress())} and Bridge ` +
          `${toAddress(await bridge.getAddress())} are mined but not yet confirmed`,
        err.txHash,
        err.confirmations,
      );
    throw err;
  }

  const deployment: Deployment = {
    l1ChainId: (await provider.getNetwork()).chainId,
    sidechainId: params.sidechainId,
    checkpointManager: toAddress(await manager.getAddress()),
    bridge: toAddress(await bridge.getAddress()),
    deploymentBlock: managerReceipt.blockNumber,
    initialValidatorSetHash: setHash,
    deployer,
    admin: toAddress(params.admin),
    guardian: toAddress(params.guardian),
    validators: params.validators.map((v) => ({ address: v.address, power: v.power })),
  };
  if (params.outFile !== null) await writeDeployment(params.outFile, deployment);
  return deployment;
}

function checkValidators(validators: readonly Validator[]): void {
  if (validators.length === 0) throw new DeployError("the initial validator set is empty");
  let total = 0n;
  let previous = 0n;
  for (const [i, v] of validators.entries()) {
    if (!isAddress(v.address)) throw new DeployError(`validator ${i} has no lowercase address`);
    // CheckpointManager refuses, at its first submission, a set with a member that has no power.
    if (v.power <= 0n) throw new DeployError(`validator ${v.address} has no positive power`);
    total += v.power;
    // CheckpointManager refuses any set that is not strictly ascending above zero: it could never move.
    const current = BigInt(v.address);
    if (current <= previous)
      throw new DeployError(`validators must be strictly ascending by address (index ${i})`);
    previous = current;
  }
  if (total === 0n) throw new DeployError("the initial validator set has no power");
}

/** ethers' own short message: its full one carries the whole signed transaction, tens of kilobytes. */
async function sent<T>(what: string, deployment: Promise<T>): Promise<T> {
  try {
    return await deployment;
  } catch (err) {
    const short = (err as { shortMessage?: unknown }).shortMessage;
    throw new DeployError(
      `sending the ${what} deployment failed: ${typeof short === "string" ? short : errorMessage(err)}`,
    );
  }
}

interface WaitOptions {
  stallTimeoutMs: number;
  pollIntervalMs: number;
}

async function mined(provider: Provider, contract: BaseContract, wait: WaitOptions): Promise<Hex> {
  const tx = contract.deploymentTransaction();
  if (tx === null) throw new DeployError("contract has no deployment transaction");
  await confirmed(provider, tx.hash as Hex, 1, wait);
  return tx.hash as Hex;
}

/**
 * Polls until the transaction's receipt is `confirmations` blocks deep (its own block counts as one) and
 * succeeded. The receipt is read again each time, so one dropped by a reorg is waited for again, not trusted.
 */
async function confirmed(
  provider: Provider,
  hash: Hex,
  confirmations: number,
  wait: WaitOptions,
): Promise<TransactionReceipt> {
  let head = -1;
  let lastProgress = Date.now();
  for (;;) {
    const [receipt, reported] = await Promise.all([
      provider.getTransactionReceipt(hash),
      provider.getBlockNumber(),
    ]);
    // A provider may cache the head briefly; the receipt's block proves the head is at least there.
    const latest = Math.max(reported, receipt?.blockNumber ?? 0);
    if (receipt !== null && receipt.status !== 1)
      throw new DeployError(`deployment transaction ${hash} failed`);
    if (receipt !== null && latest - receipt.blockNumber + 1 >= confirmations) return receipt;
    if (latest > head) {
      head = latest;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress >= wait.stallTimeoutMs) {
      const where = receipt === null ? "is not mined" : `is in block ${receipt.blockNumber}`;
      throw new ConfirmationTimeoutError(
        `deployment transaction ${hash} ${where} and the L1 made no block for ${wait.stallTimeoutMs / 1000} s ` +
          `(head ${latest}, ${confirmations} confirmation${confirmations === 1 ? "" : "s"} wanted)`,
        hash,
        confirmations,
      );
    }
    await new Promise((r) => setTimeout(r, wait.pollIntervalMs));
  }
}
