import {
  Contract,
  ContractFactory,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type JsonRpcSigner,
} from "ethers";
import { loadArtifact } from "../../../contracts/artifacts.ts";
import { deployContracts, type ExitLimit } from "../../../contracts/deploy.ts";
import type { Deployment } from "../../../contracts/deployment.ts";
import { type Address, type Hex, toAddress } from "../../../node/crypto/index.ts";
import {
  type CheckpointDomainParams,
  checkpointMessage,
  packCheckpointSignatures,
  signCheckpoint,
  submitCheckpointArgs,
} from "../../../node/types/index.ts";
import type { Checkpoint } from "../../../node/types/shapes.ts";
import { provider, signer } from "./chain.ts";
import type { TestValidator } from "./keys.ts";

export const SIDECHAIN_ID = 424242n;
export const ZERO_ROOT: Hex = `0x${"00".repeat(32)}`;

export interface Fixture {
  deployment: Deployment;
  manager: Contract;
  bridge: Contract;
  domain: CheckpointDomainParams;
  validators: TestValidator[];
  deployer: JsonRpcSigner;
  admin: JsonRpcSigner;
  guardian: JsonRpcSigner;
  relayer: JsonRpcSigner;
  user: JsonRpcSigner;
  stranger: JsonRpcSigner;
}

export async function addressOf(s: JsonRpcSigner): Promise<Address> {
  return toAddress(await s.getAddress());
}

export async function attach(name: string, address: string, runner: JsonRpcSigner, source?: string) {
  const artifact = await loadArtifact(name, source === undefined ? {} : { source });
  return new Contract(address, artifact.abi, runner);
}

/** Deploys a contract from our artifacts (test tokens, attackers) with `from`. */
export async function deployArtifact(
  name: string,
  from: JsonRpcSigner,
  args: readonly unknown[] = [],
  source = `test/${name}`,
): Promise<Contract> {
  const artifact = await loadArtifact(name, { source });
  const contract = await new ContractFactory(artifact.abi, artifact.bytecode, from).deploy(...args);
  await contract.waitForDeployment();
  return new Contract(await contract.getAddress(), artifact.abi, from);
}

export async function deployFixture(
  validators: TestValidator[],
  limits: readonly ExitLimit[] = [],
): Promise<Fixture> {
  const [deployer, admin, guardian, relayer, user, stranger] = await Promise.all(
    [0, 1, 2, 3, 4, 5].map((i) => signer(i)),
  );
  if (!deployer || !admin || !guardian || !relayer || !user || !stranger) throw new Error("missing accounts");
  const deployment = await deployContracts(deployer, {
    sidechainId: SIDECHAIN_ID,
    validators,
    admin: await addressOf(admin),
    guardian: await addressOf(guardian),
    limits,
    outFile: null,
  });
  return {
    deployment,
    manager: await attach("CheckpointManager", deployment.checkpointManager, relayer),
    bridge: await attach("Bridge", deployment.bridge, user),
    domain: { l1ChainId: deployment.l1ChainId, checkpointManager: deployment.checkpointManager },
    validators,
    deployer,
    admin,
    guardian,
    relayer,
    user,
    stranger,
  };
}

/** The checkpoint that follows `previous` (or the first one), covering `length` blocks. */
export function nextCheckpoint(
  previous: { number: number; endHeight: number } | null,
  fields: Partial<Checkpoint> & { nextValidatorSetHash: Hex },
  length = 10,
): Checkpoint {
  const number = (previous?.number ?? 0) + 1;
  const startHeight = (previous?.endHeight ?? 0) + 1;
  return {
    sidechainId: SIDECHAIN_ID,
    number,
    startHeight,
    endHeight: startHeight + length - 1,
    blocksRoot: `0x${number.toString(16).padStart(64, "b")}`,
    withdrawalsRoot: ZERO_ROOT,
    ...fields,
  };
}

/** Everything submitCheckpoint takes, as call arguments. */
export interface Submission {
  checkpoint: Checkpoint;
  validators: Address[];
  powers: bigint[];
  signerIndices: Hex;
  signatures: Hex;
  /** The set a handover names, carried so L1 can check it; omitted when the set is unchanged. */
  nextValidators?: { address: Address; power: bigint }[];
  /** Raw bytes sent in place of the packed (validators, powers), for malformed encodings. */
  validatorSet?: Hex;
}

export function signedSubmission(
  checkpoint: Checkpoint,
  set: readonly TestValidator[],
  signers: readonly TestValidator[],
  domain: CheckpointDomainParams,
): Submission {
  const packed = packCheckpointSignatures(
    set.map((v) => v.address),
    signers.map((v) => ({
      validator: v.address,
      signature: signCheckpoint(checkpoint, domain, v.privateKey),
    })),
  );
  return {
    checkpoint,
    validators: set.map((v) => v.address),
    powers: set.map((v) => v.power),
    ...packed,
  };
}

/** Packs (index, signature) pairs in the order given, without the sorting packCheckpointSignatures does. */
export function rawSignatures(entries: readonly { index: number; signature: Hex }[]): {
  signerIndices: Hex;
  signatures: Hex;
} {
  return {
    signerIndices: `0x${entries.map((e) => e.index.toString(16).padStart(4, "0")).join("")}`,
    signatures: `0x${entries.map((e) => e.signature.slice(2)).join("")}`,
  };
}

export function submitArgs(s: Submission): unknown[] {
  return submitArgsWithMessage(checkpointMessage(s.checkpoint), s);
}

/** submitArgs with the checkpoint given as a raw message, for fields a Checkpoint cannot hold (uint64 heights). */
export function submitArgsWithMessage(message: Record<string, bigint | Hex>, s: Submission): unknown[] {
  const args = submitCheckpointArgs(message, {
    validators: s.validators.map((address, i) => ({ address, power: s.powers[i] ?? 0n })),
    signerIndices: s.signerIndices,
    signatures: s.signatures,
    nextValidators: s.nextValidators ?? null,
  });
  if (s.validatorSet !== undefined) args[1] = s.validatorSet;
  return args;
}

export async function submit(manager: Contract, s: Submission): Promise<ContractTransactionReceipt> {
  const tx = (await manager.getFunction("submitCheckpoint")(...submitArgs(s))) as ContractTransactionResponse;
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("no receipt");
  return receipt;
}

/** Calls a view and returns its result typed as the caller says it is. */
export async function view<T>(contract: Contract, name: string, ...args: unknown[]): Promise<T> {
  return (await contract.getFunction(name).staticCall(...args)) as T;
}

/** Sends a transaction and waits for it to be mined. */
export async function send(
  contract: Contract,
  name: string,
  ...args: unknown[]
): Promise<ContractTransactionReceipt> {
  const tx = (await contract.getFunction(name)(...args)) as ContractTransactionResponse;
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("no receipt");
  return receipt;
}

export { provider };

/** Submits the next checkpoint, signed by the whole set, whose withdrawals root is `withdrawalsRoot`. */
export async function postCheckpoint(f: Fixture, withdrawalsRoot: Hex): Promise<number> {
  const number = Number(await view<bigint>(f.manager, "lastCheckpointNumber"));
  const endHeight = Number(await view<bigint>(f.manager, "lastEndHeight"));
  const checkpoint = nextCheckpoint(
    { number, endHeight },
    { withdrawalsRoot, nextValidatorSetHash: await view<Hex>(f.manager, "validatorSetHash") },
  );
  await submit(f.manager, signedSubmission(checkpoint, f.validators, f.validators, f.domain));
  return checkpoint.number;
}
