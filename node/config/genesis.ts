import { z } from "zod";
import { type Address, type Hex, keccak256Hex } from "../crypto/index.ts";
import { ConfigError } from "./errors.ts";

const uintString = z
  .string()
  .regex(/^(0|[1-9][0-9]*)$/, "a decimal integer string")
  .transform((s) => BigInt(s));
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "a 20-byte 0x address")
  .transform((s) => s.toLowerCase() as Address);
const positiveInt = z.number().int().positive();

const timeoutsSchema = z.strictObject({
  proposeMs: positiveInt,
  proposeDeltaMs: z.number().int().nonnegative(),
  prevoteMs: positiveInt,
  prevoteDeltaMs: z.number().int().nonnegative(),
  precommitMs: positiveInt,
  precommitDeltaMs: z.number().int().nonnegative(),
  commitMs: z.number().int().nonnegative(),
});

const l1Schema = z.strictObject({
  chainId: uintString,
  checkpointManager: address,
  bridge: address,
  deploymentBlock: z.number().int().nonnegative(),
  /** Blocks behind latest at which deposits count as final; 0 means use the `finalized` tag. */
  confirmations: z.number().int().nonnegative(),
});

const ppm = z.number().int().min(0).max(1_000_000);

/** Punishment parameters (DESIGN.md §4, Slashing); every field may be left out for its default. */
const slashingSchema = z.strictObject({
  /** Parts per million of the stake (and of unbonding since the infraction) a double sign loses: 50,000 = 5%. */
  doubleSignSlashPpm: ppm.optional(),
  /** Parts per million of the stake lost for downtime: 100 = 0.01%. */
  downtimeSlashPpm: ppm.optional(),
  /** The heights over which missed votes are counted: 10,000 (at most node/app's MAX_SIGNED_BLOCKS_WINDOW). */
  signedBlocksWindow: z.number().int().min(1).max(10_000_000).optional(),
  /** The least share of the window a validator must sign, in parts per million: 50,000 = 5%. */
  minSignedPpm: ppm.optional(),
  /** Heights a jailed validator waits before it may unjail: 600. */
  jailHeights: z.number().int().nonnegative().optional(),
});

/** The genesis file (JSON). Amounts are decimal strings so no JSON number ever loses precision. */
export const genesisSchema = z.strictObject({
  chainId: uintString,
  /** Unix milliseconds; block 1's time must be after it. */
  genesisTime: z.number().int().nonnegative(),
  epochLength: positiveInt,
  unbondingEpochs: z.number().int().nonnegative(),
  minGasPrice: uintString,
  /** The most gas a block's transactions may use; 30,000,000 when absent. */
  blockGasLimit: uintString.optional(),
  /** How far ahead of a validator's clock a proposed block's time may be. */
  maxClockDriftMs: positiveInt,
  timeouts: timeoutsSchema,
  validators: z
    .array(z.strictObject({ address, stake: uintString, name: z.string().max(64).optional() }))
    .min(1),
  alloc: z.array(z.strictObject({ address, balance: uintString })),
  nativeTokens: z.array(
    z.strictObject({
      name: z.string().min(1).max(64),
      symbol: z.string().min(1).max(32),
      decimals: z.number().int().min(0).max(255),
      alloc: z.array(z.strictObject({ address, amount: uintString })),
    }),
  ),
  l1: l1Schema.nullable(),
  /**
   * Native base units the gas pool grants once to a deposit's recipient holding less (DESIGN.md §4); absent: no
   * grant. `gasPool` is the pool's balance at genesis, native supply on top of alloc.
   */
  gasGrant: uintString.optional(),
  gasPool: uintString.optional(),
  slashing: slashingSchema.optional(),
  /** Double-sign evidence older than this many heights is refused (CometBFT's MaxAgeNumBlocks): 100,000. */
  evidenceMaxAgeHeights: positiveInt.optional(),
});

export type Genesis = z.output<typeof genesisSchema>;
export type GenesisJson = z.input<typeof genesisSchema>;
export type L1Genesis = z.output<typeof l1Schema>;

/** Parses and checks a genesis document; every problem is reported with its JSON path. */
export function parseGenesis(json: unknown): Genesis {
  const result = genesisSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new ConfigError(`invalid genesis: ${problems.join("; ")}`);
  }
  const genesis = result.data;
  const seen = new Set<Address>();
  for (const v of genesis.validators) {
    if (seen.has(v.address)) throw new ConfigError(`invalid genesis: validator ${v.address} listed twice`);
    seen.add(v.address);
  }
  return genesis;
}

/** Serialises with sorted keys so the same genesis always has the same bytes and hash. */
export function canonicalGenesisJson(genesis: Genesis): string {
  return stableStringify(genesisToJson(genesis));
}

/** keccak256 of the canonical JSON: nodes refuse a database or a peer set up with another genesis. */
export function genesisHash(genesis: Genesis): Hex {
  return keccak256Hex(new TextEncoder().encode(canonicalGenesisJson(genesis)));
}

export function genesisToJson(genesis: Genesis): GenesisJson {
  return JSON.parse(
    JSON.stringify(genesis, (_key, value) => (typeof value === "bigint" ? value.toString() : value)),
  );
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
