import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Contract, JsonRpcProvider } from "ethers";
import { type Deployment, readDeployment } from "../../contracts/deployment.ts";
import { devAccountKey } from "../../genesis/devKeys.ts";
import { l1FromDeployment } from "../../genesis/networkGenesis.ts";
import { type Address, isAddress, privateKeyToAddress } from "../../node/crypto/index.ts";
import { L1_BRIDGE_ABI } from "../../node/types/index.ts";
import { errorMessage } from "../../node/util/errors.ts";
import {
  DEPLOYER_KEY_FILE,
  DEPLOYMENT_FILE,
  DEVNET_L1_CHAIN_ID,
  type DevnetL1,
  deployDevnetL1,
  VALIDATORS_FILE,
} from "./deployDevnet.ts";
import { type LocalL1, type LocalL1Options, startLocalL1 } from "./l1.ts";

/** The devnet's L1 files, in the devnet folder. */
export const L1_STATE_FILE = "l1-state.json";
export const TEST_TOKEN_FILE = "test-token.json";
export { DEPLOYMENT_FILE, DEVNET_L1_CHAIN_ID };

/** The devnet folder and its L1 do not belong together; the way out is --reset. */
export class DevnetStateError extends Error {
  override readonly name = "DevnetStateError";
}

export interface OpenedL1 {
  l1: LocalL1;
  devnet: DevnetL1;
  /** The L1 was loaded from its state file, contracts and all, instead of started empty and deployed to. */
  resumed: boolean;
}

export type StartL1 = (port: number, logFile: string, opts: LocalL1Options) => Promise<LocalL1>;

/**
 * Starts the devnet's L1. Where the folder holds a sidechain, its L1 is resumed from the state file anvil keeps
 * there, with the contracts, balances and deposits the sidechain knows; without that file the sidechain cannot go
 * on (its minted deposits would have no L1 behind them), and the error says to --reset. Otherwise a fresh L1 is
 * started (any state left by a devnet that never wrote its genesis is dropped) and the contracts deployed to it.
 */
export async function openDevnetL1(
  dir: string,
  opts: { port: number; validators: number; sidechainExists: boolean; p2pBasePort?: number },
  start: StartL1 = startLocalL1,
): Promise<OpenedL1> {
  const stateFile = join(dir, L1_STATE_FILE);
  const deploymentFile = join(dir, DEPLOYMENT_FILE);
  const tokenFile = join(dir, TEST_TOKEN_FILE);
  let saved: { deployment: Deployment; testToken: Address } | null = null;
  if (opts.sidechainExists) {
    if (!existsSync(stateFile)) {
      throw new DevnetStateError(
        `${dir} holds a sidechain but not the state of its L1 (${L1_STATE_FILE}), so its deposits and checkpoints have no L1 behind them; start over with --reset`,
      );
    }
    saved = await readSaved(deploymentFile, tokenFile);
  } else {
    const setup = [VALIDATORS_FILE, DEPLOYER_KEY_FILE].map((f) => join(dir, f));
    for (const f of [stateFile, deploymentFile, tokenFile, ...setup]) await rm(f, { force: true });
  }
  const l1 = await start(opts.port, join(dir, "l1.log"), { stateFile });
  try {
    if (saved !== null) {
      await checkResumedL1(l1.url, saved.deployment, stateFile);
      return {
        l1,
        devnet: { ...saved, genesisL1: l1FromDeployment(saved.deployment, 0) },
        resumed: true,
      };
    }
    await checkFreshL1(l1.url);
    const devnet = await deployDevnetL1(l1.url, {
      dir,
      validators: opts.validators,
      ...(opts.p2pBasePort === undefined ? {} : { p2pBasePort: opts.p2pBasePort }),
    });
    await writeFile(tokenFile, `${JSON.stringify({ testToken: devnet.testToken })}\n`);
    return { l1, devnet, resumed: false };
  } catch (err) {
    await l1.stop();
    throw err;
  }
}

async function readSaved(
  deploymentFile: string,
  tokenFile: string,
): Promise<{ deployment: Deployment; testToken: Address }> {
  try {
    const deployment = await readDeployment(deploymentFile);
    const { testToken } = JSON.parse(await readFile(tokenFile, "utf8")) as { testToken?: unknown };
    if (typeof testToken !== "string" || !isAddress(testToken))
      throw new Error(`${tokenFile} names no test token address`);
    return { deployment, testToken };
  } catch (err) {
    throw new DevnetStateError(
      `the devnet's L1 deployment cannot be read (${errorMessage(err)}); start over with --reset`,
    );
  }
}

/** The loaded L1 is the one the deployment was made on: same chain id, the contracts still there. */
async function checkResumedL1(url: string, deployment: Deployment, stateFile: string): Promise<void> {
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  try {
    const chainId = BigInt((await provider.send("eth_chainId", [])) as string);
    if (chainId !== deployment.l1ChainId)
      throw new DevnetStateError(
        `the L1 answers chain id ${chainId}, the devnet was deployed on ${deployment.l1ChainId}; start over with --reset`,
      );
    for (const [name, address] of [
      ["Bridge", deployment.bridge],
      ["CheckpointManager", deployment.checkpointManager],
    ] as const) {
      if ((await provider.getCode(address)) === "0x")
        throw new DevnetStateError(
          `the L1 loaded from ${stateFile} has no ${name} at ${address}; start over with --reset`,
        );
    }
  } finally {
    provider.destroy();
  }
}

/** Deploy only into the empty L1 this devnet just started: the local chain id, and the deployer never used. */
async function checkFreshL1(url: string): Promise<void> {
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  try {
    const chainId = BigInt((await provider.send("eth_chainId", [])) as string);
    const deployer = privateKeyToAddress(devAccountKey(0));
    const nonce = await provider.getTransactionCount(deployer);
    if (chainId !== DEVNET_L1_CHAIN_ID || nonce !== 0)
      throw new DevnetStateError(
        `the L1 at ${url} is not a fresh devnet L1 (chain id ${chainId}, deployer nonce ${nonce}); not deploying to it`,
      );
  } finally {
    provider.destroy();
  }
}

/**
 * A sidechain that minted more deposits than its L1 has: the L1 state file is older than the sidechain (anvil
 * writes it every second and when stopped; a kill of the whole machine can lose the last second).
 */
export async function checkDepositsOnL1(
  l1Url: string,
  bridge: Address,
  mintedOnSidechain: bigint,
): Promise<void> {
  const provider = new JsonRpcProvider(l1Url, undefined, { staticNetwork: true });
  try {
    const onL1 = (await new Contract(bridge, L1_BRIDGE_ABI, provider).getFunction(
      "nextDepositNonce",
    )()) as bigint;
    if (mintedOnSidechain > onL1)
      throw new DevnetStateError(
        `the sidechain minted ${mintedOnSidechain} deposits but its L1 state holds only ${onL1} (the L1 state file is older than the sidechain); start over with --reset`,
      );
  } finally {
    provider.destroy();
  }
}
