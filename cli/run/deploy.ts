import { access } from "node:fs/promises";
import { Wallet } from "ethers";
import { ConfirmationTimeoutError, connectL1, DeployError, deployContracts } from "../../contracts/deploy.ts";
import { type Deployment, serializeDeployment } from "../../contracts/deployment.ts";
import { checkpointValidatorSet, readValidatorsFile } from "../../genesis/validatorsFile.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import { exposedKeyFileReason } from "../../node/util/keyFileMode.ts";
import { DEPLOYER_PASSWORD_ENV } from "../deployCommand.ts";
import { refuseArgvSecrets } from "../format/argvSecrets.ts";
import { UsageError } from "../format/errors.ts";
import { type Output, stdoutOutput } from "../format/output.ts";
import { inspectKeyFile, KeyFileError, revealPrivateKey } from "../keys/keyFiles.ts";
import { readPassword } from "../keys/password.ts";

export interface DeployFlags {
  l1Rpc: string;
  l1ChainId: bigint;
  sidechainId: bigint;
  validators: string;
  deployerKeyFile: string;
  passwordFile?: string;
  admin?: Address;
  guardian?: Address;
  confirmations: number;
  out: string;
  force: boolean;
  json: boolean;
  /** Hidden flags, declared only so that a secret typed on the command line is refused, never used. */
  password?: string;
  privateKey?: string;
}

export interface DeployIo {
  out: Output;
  /** Progress and warnings, kept off stdout so --json output stays one document. */
  warn: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Knobs for tests: an automining L1 shows a stalled confirmation in milliseconds instead of minutes. */
export interface DeployTuning {
  stallTimeoutMs?: number;
  pollIntervalMs?: number;
}

/**
 * `outrigger deploy`: CheckpointManager (for the validators file's set) and Bridge on the L1 at --l1-rpc, which
 * must answer with --l1-chain-id before anything is sent; writes the deployment record to --out.
 */
export async function runDeploy(
  flags: DeployFlags,
  io: DeployIo,
  tuning: DeployTuning = {},
): Promise<Deployment> {
  refuseArgvSecrets(flags, { passwordEnv: DEPLOYER_PASSWORD_ENV, keyHint: "--deployer-key-file FILE" });
  const validators = checkpointValidatorSet(await readValidatorsFile(flags.validators));
  if (!flags.force && (await exists(flags.out)))
    throw new DeployError(
      `${flags.out} already exists (a deployment record); pass --force to overwrite it or choose another --out`,
    );
  const key = await readDeployerKey(flags, io);
  const provider = await connectL1(flags.l1Rpc, flags.l1ChainId);
  try {
    const signer = new Wallet(key, provider);
    const deployer = signer.address.toLowerCase() as Address;
    const admin = flags.admin ?? deployer;
    const guardian = flags.guardian ?? deployer;
    if (flags.admin === undefined || flags.guardian === undefined)
      io.warn(`note: the deployer ${deployer} is the Bridge's admin and/or guardian (--admin, --guardian)`);
    io.warn(
      `deploying to L1 chain ${flags.l1ChainId} from ${deployer}, ${flags.confirmations} confirmation(s) each`,
    );
    let deployment: Deployment;
    try {
      deployment = await deployContracts(signer, {
        sidechainId: flags.sidechainId,
        validators,
        admin,
        guardian,
        outFile: flags.out,
        confirmations: flags.confirmations,
        ...tuning,
      });
    } catch (err) {
      if (err instanceof ConfirmationTimeoutError)
        throw new DeployError(
          `${err.message}; an L1 that mines only when it receives a transaction (hardhat, anvil) never confirms ` +
            "further: pass --confirmations 1 there",
        );
      throw err;
    }
    const text = serializeDeployment(deployment);
    if (flags.json) io.out.write(text);
    else
      io.out.write(
        [
          `CheckpointManager  ${deployment.checkpointManager}`,
          `Bridge             ${deployment.bridge}`,
          `L1 chain id        ${deployment.l1ChainId}`,
          `deployment block   ${deployment.deploymentBlock}`,
          `sidechain id       ${deployment.sidechainId}`,
          `validators         ${validators.length} (set hash ${deployment.initialValidatorSetHash})`,
          `written to ${flags.out}`,
          "",
        ].join("\n"),
      );
    return deployment;
  } finally {
    provider.destroy();
  }
}

/** The deployer's key from a keystore (password from --password-file or the env) or a plain hex key file. */
async function readDeployerKey(flags: DeployFlags, io: DeployIo): Promise<Hex> {
  const path = flags.deployerKeyFile;
  const info = await inspectKeyFile(path);
  if (info.type === "p2p") throw new KeyFileError(`${path} is a p2p identity, not an Ethereum key`);
  const exposed = await exposedKeyFileReason(path, "deployer key file");
  if (exposed !== null) io.warn(`warning: ${exposed}`);
  if (info.format === "hex") return info.privateKey;
  const password =
    (await readPassword(flags.passwordFile, {})) ??
    nonEmpty(io.env[DEPLOYER_PASSWORD_ENV], DEPLOYER_PASSWORD_ENV);
  if (password === null)
    throw new UsageError(
      `the deployer keystore ${path} needs a password: pass --password-file FILE or set ${DEPLOYER_PASSWORD_ENV}`,
    );
  return revealPrivateKey(info, path, password);
}

function nonEmpty(value: string | undefined, name: string): string | null {
  if (value === undefined) return null;
  if (value === "") throw new UsageError(`${name} is empty`);
  return value;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export const processIo: DeployIo = {
  out: stdoutOutput,
  warn: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};
