import { type BaseContract, ContractFactory, type Signer } from "ethers";
import { type Address, hashValidatorSet, isAddress, toAddress } from "../node/crypto/index.ts";
import type { Validator } from "../node/types/shapes.ts";
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
  /** Blocks to wait after each deployment on a real L1 (default 1: mined). */
  confirmations?: number;
  artifactsDir?: string;
}

export class DeployError extends Error {
  override readonly name = "DeployError";
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
  const artifactOptions = params.artifactsDir === undefined ? {} : { artifactsDir: params.artifactsDir };

  const managerArtifact = await loadArtifact("CheckpointManager", artifactOptions);
  const manager = await new ContractFactory(managerArtifact.abi, managerArtifact.bytecode, signer).deploy(
    params.sidechainId,
    setHash,
  );
  const managerBlock = await deployedAt(manager, confirmations);

  const bridgeArtifact = await loadArtifact("Bridge", artifactOptions);
  const limits = (params.limits ?? []).map((l) => ({
    token: toAddress(l.token),
    perTransaction: l.perTransaction,
    daily: l.daily,
  }));
  const bridge = await new ContractFactory(bridgeArtifact.abi, bridgeArtifact.bytecode, signer).deploy(
    await manager.getAddress(),
    toAddress(params.admin),
    toAddress(params.guardian),
    limits,
  );
  await deployedAt(bridge, confirmations);

  const deployment: Deployment = {
    l1ChainId: (await provider.getNetwork()).chainId,
    sidechainId: params.sidechainId,
    checkpointManager: toAddress(await manager.getAddress()),
    bridge: toAddress(await bridge.getAddress()),
    deploymentBlock: managerBlock,
    initialValidatorSetHash: setHash,
    deployer: toAddress(await signer.getAddress()),
    admin: toAddress(params.admin),
    guardian: toAddress(params.guardian),
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

async function deployedAt(contract: BaseContract, confirmations: number): Promise<number> {
  const tx = contract.deploymentTransaction();
  if (tx === null) throw new DeployError("contract has no deployment transaction");
  const receipt = await tx.wait(confirmations);
  if (receipt === null || receipt.status !== 1)
    throw new DeployError(`deployment transaction ${tx.hash} failed`);
  return receipt.blockNumber;
}
