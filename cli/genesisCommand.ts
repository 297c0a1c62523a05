import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type Deployment, readDeployment } from "../contracts/deployment.ts";
import { createNetwork } from "../genesis/network.ts";
import {
  buildNetworkGenesis,
  type ChainParamsJson,
  checkDeploymentMatches,
  genesisFileText,
  l1FromDeployment,
  NetworkGenesisError,
  parseAllocFile,
} from "../genesis/networkGenesis.ts";
import { readText, readValidatorsFile } from "../genesis/validatorsFile.ts";
import { type Genesis, type GenesisJson, genesisHash } from "../node/config/genesis.ts";
import type { Address } from "../node/crypto/index.ts";
import { errorMessage } from "../node/util/errors.ts";
import { UsageError } from "./format/errors.ts";
import { type Output, stdoutOutput, toJson } from "./format/output.ts";

export interface GenesisFlags {
  out: string;
  validators: number;
  chainId: bigint;
  p2pBasePort: number;
  rpcBasePort: number;
  encrypt: boolean;
}

/** `outrigger genesis`: node homes for a new network, each bootstrapping from the others. */
export async function runGenesis(flags: GenesisFlags): Promise<void> {
  const password = flags.encrypt ? process.env.OUTRIGGER_KEY_PASSWORD : null;
  if (flags.encrypt && !password)
    throw new Error("--encrypt needs the keystore password in OUTRIGGER_KEY_PASSWORD");
  const range = (base: number) => Array.from({ length: flags.validators }, (_, i) => base + i);
  const layout = await createNetwork({
    dir: flags.out,
    validators: flags.validators,
    chainId: flags.chainId,
    ports: { p2p: range(flags.p2pBasePort), rpc: range(flags.rpcBasePort) },
    keyPassword: password ?? null,
  });
  process.stdout.write(`genesis written to ${flags.out} (chain id ${layout.genesis.chainId})\n`);
  for (const n of layout.nodes)
    process.stdout.write(`  ${n.home}  validator ${n.address}  rpc ${n.rpcUrl}\n`);
}

/** The flags of a real network's genesis (chosen by --validators-file). */
export interface NetworkGenesisFlags {
  validatorsFile: string;
  out: string;
  chainId: bigint;
  deployment?: string;
  l1ChainId?: bigint;
  checkpointManager?: Address;
  bridge?: Address;
  deploymentBlock?: number;
  depositConfirmations: number;
  dev: boolean;
  alloc?: string;
  genesisTime?: number;
  epochLength?: number;
  /** Chain parameters for callers in code (the devnet passes DEVNET_PARAMS); --epoch-length overrides. */
  params?: Partial<ChainParamsJson>;
  force: boolean;
  json: boolean;
}

export type AllGenesisFlags = GenesisFlags & Partial<NetworkGenesisFlags>;

/** Where a flag's value came from ("cli", "env", "default"...), as commander records it. */
export type FlagSource = (flag: string) => string | undefined;

const DEVNET_ONLY: Record<string, string> = {
  validators: "--validators",
  p2pBasePort: "--p2p-base-port",
  rpcBasePort: "--rpc-base-port",
  encrypt: "--encrypt",
};
const NETWORK_ONLY: Record<string, string> = {
  deployment: "--deployment",
  l1ChainId: "--l1-chain-id",
  checkpointManager: "--checkpoint-manager",
  bridge: "--bridge",
  deploymentBlock: "--deployment-block",
  depositConfirmations: "--deposit-confirmations",
  dev: "--dev",
  alloc: "--alloc",
  genesisTime: "--genesis-time",
  epochLength: "--epoch-length",
  force: "--force",
  json: "--json",
};
const L1_FLAGS = ["l1ChainId", "checkpointManager", "bridge", "deploymentBlock"] as const;

/** Picks the mode: a real network's genesis.json with --validators-file, else the devnet's node homes. */
export async function runGenesisCommand(flags: AllGenesisFlags, source: FlagSource): Promise<void> {
  const given = (flag: string) => source(flag) === "cli";
  if (flags.validatorsFile === undefined) {
    const stray = Object.keys(NETWORK_ONLY).find(given);
    if (stray !== undefined)
      throw new UsageError(`${NETWORK_ONLY[stray]} needs --validators-file (a real network's genesis)`);
    return runGenesis(flags);
  }
  const devnetFlag = Object.keys(DEVNET_ONLY).find(given);
  if (devnetFlag !== undefined)
    throw new UsageError(
      `${DEVNET_ONLY[devnetFlag]} is for the devnet's node homes; with --validators-file the file lists the validators`,
    );
  await runNetworkGenesis(
    {
      ...flags,
      validatorsFile: flags.validatorsFile,
      depositConfirmations: flags.depositConfirmations ?? 0,
      dev: flags.dev ?? false,
      force: flags.force ?? false,
      json: flags.json ?? false,
    },
    { out: stdoutOutput, chainIdGiven: given("chainId") },
  );
}

/**
 * Writes a real network's genesis.json: the validators file's set and stakes, the L1 section from the deployment
 * (checked to be for the same set and chain id), and no dev accounts unless --dev. Returns what it wrote (the
 * devnet lays its node homes out from it).
 */
export async function runNetworkGenesis(
  flags: NetworkGenesisFlags,
  io: { out: Output; chainIdGiven: boolean; now?: () => number },
): Promise<Genesis> {
  const l1FlagsGiven = L1_FLAGS.filter((f) => flags[f] !== undefined);
  if (flags.deployment !== undefined && l1FlagsGiven.length > 0)
    throw new UsageError(
      "give either --deployment or the --l1-chain-id/--checkpoint-manager/--bridge/--deployment-block flags",
    );
  if (flags.deployment === undefined && l1FlagsGiven.length < L1_FLAGS.length)
    throw new UsageError(
      "the L1 contracts are needed: pass --deployment FILE (from `outrigger deploy`) or all of --l1-chain-id, " +
        "--checkpoint-manager, --bridge and --deployment-block",
    );
  const validators = await readValidatorsFile(flags.validatorsFile);
  let deployment: Deployment | null = null;
  if (flags.deployment !== undefined) {
    try {
      deployment = await readDeployment(flags.deployment);
    } catch (err) {
      throw new NetworkGenesisError(`deployment file ${flags.deployment}: ${errorMessage(err)}`);
    }
  }
  let chainId = flags.chainId;
  if (deployment !== null) {
    if (!io.chainIdGiven) chainId = deployment.sidechainId;
    checkDeploymentMatches(deployment, validators, chainId);
  } else if (!io.chainIdGiven) {
    throw new UsageError(
      "--chain-id is needed without --deployment (the deployment records the sidechain id)",
    );
  }
  const l1: NonNullable<GenesisJson["l1"]> =
    deployment !== null
      ? l1FromDeployment(deployment, flags.depositConfirmations)
      : {
          chainId: String(flags.l1ChainId),
          checkpointManager: flags.checkpointManager as Address,
          bridge: flags.bridge as Address,
          deploymentBlock: flags.deploymentBlock as number,
          confirmations: flags.depositConfirmations,
        };
  const alloc =
    flags.alloc === undefined ? [] : parseAllocFile(await readText(flags.alloc, "alloc file"), flags.alloc);
  const genesis = buildNetworkGenesis({
    chainId,
    validators,
    l1,
    dev: flags.dev,
    alloc,
    genesisTime: flags.genesisTime ?? (io.now ?? Date.now)(),
    params: {
      ...flags.params,
      ...(flags.epochLength === undefined ? {} : { epochLength: flags.epochLength }),
    },
  });
  await writeGenesisFile(flags.out, genesisFileText(genesis), flags.force);
  const hash = genesisHash(genesis);
  if (flags.json) {
    io.out.write(
      `${toJson({ file: flags.out, chainId: genesis.chainId, genesisHash: hash, dev: flags.dev, validators, l1: genesis.l1 })}\n`,
    );
    return genesis;
  }
  const lines = [
    `genesis written to ${flags.out} (chain id ${genesis.chainId}, genesis hash ${hash})`,
    ...validators.map(
      (v) =>
        `  validator ${v.address}  power ${v.power}  ${v.p2pAddress}${v.name === undefined ? "" : `  ${v.name}`}`,
    ),
    `  L1 chain ${l1.chainId}: CheckpointManager ${l1.checkpointManager}, Bridge ${l1.bridge}, from block ${l1.deploymentBlock}`,
    flags.dev
      ? "  WARNING: --dev: the well-known dev accounts are funded; never use this genesis for real value"
      : "",
  ];
  io.out.write(`${lines.filter((l) => l !== "").join("\n")}\n`);
  return genesis;
}

async function writeGenesisFile(path: string, text: string, force: boolean): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, { flag: force ? "w" : "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST")
      throw new NetworkGenesisError(`${path} already exists; pass --force to overwrite it`);
    throw new NetworkGenesisError(`cannot write ${path}: ${errorMessage(err)}`);
  }
}
