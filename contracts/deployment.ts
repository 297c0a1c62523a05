import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type Address, type Hex, isAddress, isHex } from "../node/crypto/index.ts";
import type { Validator } from "../node/types/shapes.ts";

/** Where the peg's L1 side lives: what the devnet, genesis, nodes and the relayer read after a deploy. */
export interface Deployment {
  l1ChainId: bigint;
  sidechainId: bigint;
  checkpointManager: Address;
  bridge: Address;
  /** L1 block of the first deployment transaction: scanning logs from here misses nothing. */
  deploymentBlock: number;
  initialValidatorSetHash: Hex;
  deployer: Address;
  admin: Address;
  guardian: Address;
  /**
   * The set CheckpointManager was deployed for (its hash is initialValidatorSetHash), ascending by address: a
   * genesis is checked against it. Absent in files written before it was recorded.
   */
  validators?: Validator[];
}

export class DeploymentFileError extends Error {
  override readonly name = "DeploymentFileError";
}

/** JSON has no bigint: chain ids are written as decimal strings. */
export function serializeDeployment(d: Deployment): string {
  return `${JSON.stringify(
    {
      l1ChainId: d.l1ChainId.toString(),
      sidechainId: d.sidechainId.toString(),
      checkpointManager: d.checkpointManager,
      bridge: d.bridge,
      deploymentBlock: d.deploymentBlock,
      initialValidatorSetHash: d.initialValidatorSetHash,
      deployer: d.deployer,
      admin: d.admin,
      guardian: d.guardian,
      ...(d.validators === undefined
        ? {}
        : { validators: d.validators.map((v) => ({ address: v.address, power: v.power.toString() })) }),
    },
    null,
    2,
  )}\n`;
}

export function parseDeployment(text: string): Deployment {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DeploymentFileError(`deployment file is not JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null)
    throw new DeploymentFileError("deployment file is not an object");
  const record = raw as Record<string, unknown>;
  const uint = (key: string): bigint => {
    const v = record[key];
    if (typeof v !== "string" || !/^(0|[1-9][0-9]*)$/.test(v)) {
      throw new DeploymentFileError(`${key} must be a decimal string`);
    }
    return BigInt(v);
  };
  const address = (key: string): Address => {
    const v = record[key];
    if (!isAddress(v)) throw new DeploymentFileError(`${key} must be a lowercase address`);
    return v;
  };
  const block = record.deploymentBlock;
  if (typeof block !== "number" || !Number.isSafeInteger(block) || block < 0) {
    throw new DeploymentFileError("deploymentBlock must be a non-negative integer");
  }
  const setHash = record.initialValidatorSetHash;
  if (!isHex(setHash, 32)) throw new DeploymentFileError("initialValidatorSetHash must be 32 bytes of hex");
  const validators = record.validators === undefined ? undefined : parseValidators(record.validators);
  return {
    l1ChainId: uint("l1ChainId"),
    sidechainId: uint("sidechainId"),
    checkpointManager: address("checkpointManager"),
    bridge: address("bridge"),
    deploymentBlock: block,
    initialValidatorSetHash: setHash.toLowerCase() as Hex,
    deployer: address("deployer"),
    admin: address("admin"),
    guardian: address("guardian"),
    ...(validators === undefined ? {} : { validators }),
  };
}

function parseValidators(value: unknown): Validator[] {
  if (!Array.isArray(value)) throw new DeploymentFileError("validators must be a list");
  return value.map((entry: unknown, i) => {
    const v = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    if (!isAddress(v.address))
      throw new DeploymentFileError(`validators[${i}].address must be a lowercase address`);
    if (typeof v.power !== "string" || !/^[1-9][0-9]*$/.test(v.power))
      throw new DeploymentFileError(`validators[${i}].power must be a positive decimal string`);
    return { address: v.address, power: BigInt(v.power) };
  });
}

export async function writeDeployment(file: string, d: Deployment): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, serializeDeployment(d));
}

export async function readDeployment(file: string): Promise<Deployment> {
  return parseDeployment(await readFile(file, "utf8"));
}
