import { z } from "zod";
import type { Deployment } from "../contracts/deployment.ts";
import { validateAppGenesis } from "../node/app/genesisState.ts";
import { DEFAULT_EVIDENCE_MAX_AGE_HEIGHTS, DEFAULT_SLASHING_PARAMS } from "../node/app/params.ts";
import {
  canonicalGenesisJson,
  type Genesis,
  type GenesisJson,
  parseGenesis,
} from "../node/config/genesis.ts";
import { type Address, hashValidatorSet, privateKeyToAddress } from "../node/crypto/index.ts";
import { errorMessage } from "../node/util/errors.ts";
import { DEVNET_DEFAULTS } from "./defaults.ts";
import { devAccountKey } from "./devKeys.ts";
import {
  checkpointValidatorSet,
  type NetworkValidator,
  parseAddress,
  parseJsonList,
  ValidatorsFileError,
  zodProblem,
} from "./validatorsFile.ts";

/** A genesis that cannot be built from what it was given (a bad alloc, a deployment for another set...). */
export class NetworkGenesisError extends Error {
  override readonly name = "NetworkGenesisError";
}

export type ChainParamsJson = Pick<
  GenesisJson,
  | "epochLength"
  | "unbondingEpochs"
  | "minGasPrice"
  | "maxClockDriftMs"
  | "timeouts"
  | "slashing"
  | "evidenceMaxAgeHeights"
>;

/**
 * A real network's parameters: validators on different machines get CometBFT-like round timeouts, and an epoch
 * (one checkpoint to L1 each) of 600 blocks, about ten minutes, so checkpoint gas stays small on a paid L1.
 */
export const NETWORK_DEFAULTS: ChainParamsJson = {
  epochLength: 600,
  unbondingEpochs: 2,
  minGasPrice: DEVNET_DEFAULTS.minGasPrice.toString(),
  maxClockDriftMs: DEVNET_DEFAULTS.maxClockDriftMs,
  timeouts: {
    proposeMs: 3_000,
    proposeDeltaMs: 500,
    prevoteMs: 1_000,
    prevoteDeltaMs: 500,
    precommitMs: 1_000,
    precommitDeltaMs: 500,
    commitMs: 1_000,
  },
  // Written out, though a genesis may leave them to the same defaults, so operators see what punishes what.
  slashing: { ...DEFAULT_SLASHING_PARAMS },
  evidenceMaxAgeHeights: DEFAULT_EVIDENCE_MAX_AGE_HEIGHTS,
};

/** The devnet's parameters (a block about every second, 20-block epochs), for a devnet built by these functions. */
export const DEVNET_PARAMS: ChainParamsJson = {
  epochLength: DEVNET_DEFAULTS.epochLength,
  unbondingEpochs: DEVNET_DEFAULTS.unbondingEpochs,
  minGasPrice: DEVNET_DEFAULTS.minGasPrice.toString(),
  maxClockDriftMs: DEVNET_DEFAULTS.maxClockDriftMs,
  timeouts: { ...DEVNET_DEFAULTS.timeouts },
  slashing: { ...DEVNET_DEFAULTS.slashing },
  evidenceMaxAgeHeights: DEVNET_DEFAULTS.evidenceMaxAgeHeights,
};

/** Balance of each validator in a --dev genesis: a little, so an operator can stake more from the same key. */
const DEV_VALIDATOR_BALANCE = 10n * 10n ** 18n;

export interface NetworkGenesisOptions {
  chainId: bigint;
  /** In the genesis in this order (the devnet's order is its key order); the chain sorts them itself. */
  validators: readonly NetworkValidator[];
  l1: GenesisJson["l1"];
  /** Adds the well-known dev accounts, their dev token and a validator balance: never for a real network. */
  dev: boolean;
  alloc?: readonly { address: Address; balance: bigint }[];
  /** Unix milliseconds. */
  genesisTime: number;
  /** Defaults to NETWORK_DEFAULTS, field by field. */
  params?: Partial<ChainParamsJson>;
}

/** A validator as the genesis lists it: the p2p fields of a validators file are not part of the chain. */
export type GenesisValidator = Pick<NetworkValidator, "address" | "stake" | "name">;

/** The inputs of a genesis; buildNetworkGenesis checks them, createNetwork (tests, benches) may override fields. */
export interface GenesisInputs extends Omit<NetworkGenesisOptions, "validators"> {
  validators: readonly GenesisValidator[];
}

/**
 * The genesis of a new network, parsed and checked as a node will check it (so a genesis the nodes would refuse
 * is never written). Without `dev` the only native supply is the validators' stakes and `alloc`.
 */
export function buildNetworkGenesis(opts: NetworkGenesisOptions): Genesis {
  try {
    const genesis = parseGenesis(networkGenesisJson(opts));
    validateAppGenesis(genesis);
    return genesis;
  } catch (err) {
    throw new NetworkGenesisError(errorMessage(err));
  }
}

/**
 * The one place a genesis document is assembled from validators, chain parameters and the dev flag: the
 * genesis command (and the devnet through it) and createNetwork's clusters all build theirs here.
 */
export function networkGenesisJson(opts: GenesisInputs): GenesisJson {
  const devAddresses = opts.dev
    ? Array.from({ length: DEVNET_DEFAULTS.devAccounts }, (_, i) => privateKeyToAddress(devAccountKey(i)))
    : [];
  const d = DEVNET_DEFAULTS;
  return {
    chainId: opts.chainId.toString(),
    genesisTime: opts.genesisTime,
    ...NETWORK_DEFAULTS,
    ...Object.fromEntries(Object.entries(opts.params ?? {}).filter(([, v]) => v !== undefined)),
    validators: opts.validators.map((v) => ({
      address: v.address,
      stake: v.stake.toString(),
      ...(v.name === undefined ? {} : { name: v.name }),
    })),
    alloc: [
      ...devAddresses.map((address) => ({ address, balance: d.devAccountBalance.toString() })),
      ...(opts.dev
        ? opts.validators.map((v) => ({ address: v.address, balance: DEV_VALIDATOR_BALANCE.toString() }))
        : []),
      ...(opts.alloc ?? []).map((a) => ({ address: a.address, balance: a.balance.toString() })),
    ],
    nativeTokens: opts.dev
      ? [
          {
            name: d.devToken.name,
            symbol: d.devToken.symbol,
            decimals: d.devToken.decimals,
            alloc: devAddresses.map((address) => ({
              address,
              amount: (d.devToken.amount / BigInt(d.devAccounts)).toString(),
            })),
          },
        ]
      : [],
    l1: opts.l1,
    // Only the devnet funds a gas pool: on a real network its supply is the operators' decision.
    ...(opts.dev ? { gasGrant: d.gasGrant.toString(), gasPool: d.gasPool.toString() } : {}),
  };
}

/** The genesis `l1` section for a deployment; deposits count once `depositConfirmations` deep (0: finalized). */
export function l1FromDeployment(
  deployment: Deployment,
  depositConfirmations: number,
): NonNullable<GenesisJson["l1"]> {
  return {
    chainId: deployment.l1ChainId.toString(),
    checkpointManager: deployment.checkpointManager,
    bridge: deployment.bridge,
    deploymentBlock: deployment.deploymentBlock,
    confirmations: depositConfirmations,
  };
}

/**
 * Refuses a genesis the deployed contracts would not follow: another sidechain id, or a validator set other than
 * the one CheckpointManager holds (its first checkpoint would then never verify on L1).
 */
export function checkDeploymentMatches(
  deployment: Deployment,
  validators: readonly NetworkValidator[],
  chainId: bigint,
): void {
  if (deployment.sidechainId !== chainId)
    throw new NetworkGenesisError(
      `the contracts were deployed for sidechain id ${deployment.sidechainId}, not chain id ${chainId}`,
    );
  const set = checkpointValidatorSet(validators);
  if (deployment.validators !== undefined) {
    const differences = setDifferences(deployment.validators, set);
    if (differences.length > 0)
      throw new NetworkGenesisError(
        `the validators file is not the set the contracts were deployed for: ${differences.join("; ")}`,
      );
  }
  const hash = hashValidatorSet(set);
  if (hash !== deployment.initialValidatorSetHash)
    throw new NetworkGenesisError(
      `the validators file's set hash ${hash} is not the deployment's initialValidatorSetHash ${deployment.initialValidatorSetHash}`,
    );
}

function setDifferences(
  deployed: readonly { address: Address; power: bigint }[],
  file: readonly { address: Address; power: bigint }[],
): string[] {
  const inFile = new Map(file.map((v) => [v.address, v.power]));
  const inDeployment = new Map(deployed.map((v) => [v.address, v.power]));
  const out: string[] = [];
  for (const [address, power] of inDeployment) {
    const filePower = inFile.get(address);
    if (filePower === undefined) out.push(`${address} is missing from the file`);
    else if (filePower !== power)
      out.push(`${address} has power ${filePower} in the file, ${power} in the deployment`);
  }
  for (const address of inFile.keys())
    if (!inDeployment.has(address)) out.push(`${address} is not in the deployment`);
  return out;
}

const allocSchema = z.strictObject({
  address: z.string(),
  balance: z.string().regex(/^(0|[1-9][0-9]*)$/, "expected a decimal integer string (base units)"),
});

/** An alloc file: a JSON list of { address, balance } with the balance in base units as a decimal string. */
export function parseAllocFile(text: string, source: string): { address: Address; balance: bigint }[] {
  return parseJsonList(text, source).map((raw, i) => {
    const parsed = allocSchema.safeParse(raw);
    if (!parsed.success) throw new ValidatorsFileError(`${source}: entry ${i}: ${zodProblem(parsed.error)}`);
    return {
      address: parseAddress(parsed.data.address, `${source}: entry ${i}: address`),
      balance: BigInt(parsed.data.balance),
    };
  });
}

/** The genesis file's bytes: the canonical form, indented for people. Every node gets the same file. */
export function genesisFileText(genesis: Genesis): string {
  return `${JSON.stringify(JSON.parse(canonicalGenesisJson(genesis)), null, 2)}\n`;
}
