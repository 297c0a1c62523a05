import { type Address, type Hex, isAddress, ZERO_HASH } from "../crypto/index.ts";
import {
  DEFAULT_BLOCK_GAS_LIMIT,
  MAX_BLOCK_GAS_LIMIT,
  MAX_TOKEN_NAME_BYTES,
  MAX_TOKEN_SYMBOL_BYTES,
  MAX_VALIDATORS,
  type Validator,
} from "../types/index.ts";
import {
  BRIDGE_ADDRESS,
  bridgedTokenAddress,
  COMMUNITY_POOL_ADDRESS,
  GAS_POOL_ADDRESS,
  nativeTokenAddress,
  STAKING_ADDRESS,
} from "./addresses.ts";
import { AppError } from "./errors.ts";
import {
  type ChainParams,
  DEFAULT_EVIDENCE_MAX_AGE_HEIGHTS,
  DEFAULT_SLASHING_PARAMS,
  MAX_SIGNED_BLOCKS_WINDOW,
  PPM,
  type SlashingParams,
} from "./params.ts";
import { MAX_TOTAL_POWER, MIN_STAKE } from "./stakeUnits.ts";
import { powerOf } from "./staking.ts";
import { LedgerState } from "./state.ts";
import { chainAppHash, collectWrites, type StateWrite, withAppHash } from "./stateCodec.ts";

/**
 * The app's part of genesis. node/config's parsed Genesis has this shape (and more), amounts already bigint.
 * Validator stakes are native supply created locked in the staking contract, on top of `alloc`.
 */
export interface AppGenesis {
  chainId: bigint;
  minGasPrice: bigint;
  epochLength: number;
  unbondingEpochs: number;
  alloc: readonly { address: Address; balance: bigint }[];
  validators: readonly { address: Address; stake: bigint }[];
  nativeTokens: readonly {
    name: string;
    symbol: string;
    decimals: number;
    alloc: readonly { address: Address; amount: bigint }[];
  }[];
  /** The L1 contracts; null or absent for a chain without a bridge. */
  l1?: { bridge: Address } | null;
  /** The most gas a block's transactions may use; DEFAULT_BLOCK_GAS_LIMIT when absent. */
  blockGasLimit?: bigint;
  /**
   * Native base units the gas pool grants, once, to a deposit's recipient holding less, so a user who bridged
   * tokens can pay for their first transactions (DESIGN.md §4). Absent or 0: no grant.
   */
  gasGrant?: bigint;
  /** The gas pool's balance at genesis (native supply, like alloc); base fees refill it. Absent: 0. */
  gasPool?: bigint;
  /** Punishment parameters (DESIGN.md §4); each absent field takes DEFAULT_SLASHING_PARAMS'. */
  slashing?: Partial<SlashingParams>;
  /** How old double-sign evidence may be, in heights; absent: DEFAULT_EVIDENCE_MAX_AGE_HEIGHTS. */
  evidenceMaxAgeHeights?: number;
}

export interface InitialState {
  state: LedgerState;
  /** Sorted by address; power = stake / 10^18. */
  validators: Validator[];
  appHash: Hex;
  /** The whole genesis state as writes (with the appHash entry): what a fresh node persists first. */
  writes: StateWrite[];
}

const UINT256_MAX = (1n << 256n) - 1n;
const MAX_SAFE_CHAIN_ID = BigInt(Number.MAX_SAFE_INTEGER);

function fail(message: string): never {
  throw new AppError("invalid-genesis", `invalid genesis: ${message}`);
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function checkText(value: unknown, maxBytes: number, what: string): void {
  if (typeof value !== "string" || value.length === 0) fail(`${what} must be a non-empty string`);
  const bytes = utf8.encode(value);
  if (utf8Decoder.decode(bytes) !== value) fail(`${what} is not well-formed Unicode`);
  if (bytes.length > maxBytes) fail(`${what} is longer than ${maxBytes} bytes`);
}

function checkAmount(value: unknown, what: string): bigint {
  if (typeof value !== "bigint" || value < 0n || value > UINT256_MAX)
    fail(`${what} must be a uint256 bigint`);
  return value;
}

function checkAccount(value: unknown, reserved: Set<Address>, what: string): Address {
  if (!isAddress(value)) fail(`${what} must be a lowercase 20-byte hex address`);
  if (reserved.has(value)) fail(`${what} ${value} is a system contract or token address`);
  return value;
}

/** Checks what a parser cannot: uniqueness, minimum stakes, reserved addresses and the power cap. */
export function validateAppGenesis(g: AppGenesis): ChainParams {
  // Wallets and the EVM's Common hold chain ids as JavaScript numbers.
  if (typeof g.chainId !== "bigint" || g.chainId <= 0n || g.chainId > MAX_SAFE_CHAIN_ID)
    fail(`chainId must be an integer in 1..${MAX_SAFE_CHAIN_ID}`);
  const blockGasLimit = g.blockGasLimit ?? DEFAULT_BLOCK_GAS_LIMIT;
  if (typeof blockGasLimit !== "bigint" || blockGasLimit < 21_000n || blockGasLimit > MAX_BLOCK_GAS_LIMIT)
    fail(`blockGasLimit must be an integer in 21000..${MAX_BLOCK_GAS_LIMIT}`);
  checkAmount(g.minGasPrice, "minGasPrice");
  if (!Number.isSafeInteger(g.epochLength) || g.epochLength < 1) fail("epochLength must be an integer >= 1");
  if (!Number.isSafeInteger(g.unbondingEpochs) || g.unbondingEpochs < 0) {
    fail("unbondingEpochs must be an integer >= 0");
  }

  const slashing = validateSlashing(g.slashing ?? {});
  const evidenceMaxAgeHeights = g.evidenceMaxAgeHeights ?? DEFAULT_EVIDENCE_MAX_AGE_HEIGHTS;
  if (!Number.isSafeInteger(evidenceMaxAgeHeights) || evidenceMaxAgeHeights < 1)
    fail("evidenceMaxAgeHeights must be an integer >= 1");

  const tokenAddresses = new Set<Address>();
  const symbols = new Set<string>();
  for (const [i, t] of g.nativeTokens.entries()) {
    checkText(t.name, MAX_TOKEN_NAME_BYTES, `nativeTokens[${i}].name`);
    checkText(t.symbol, MAX_TOKEN_SYMBOL_BYTES, `nativeTokens[${i}].symbol`);
    if (!Number.isInteger(t.decimals) || t.decimals < 0 || t.decimals > 255) {
      fail(`nativeTokens[${i}].decimals must be an integer in 0..255`);
    }
    if (symbols.has(t.symbol)) fail(`native token symbol ${t.symbol} declared twice`);
    symbols.add(t.symbol);
    tokenAddresses.add(nativeTokenAddress(t.symbol));
  }
  const reserved = new Set<Address>([
    BRIDGE_ADDRESS,
    STAKING_ADDRESS,
    GAS_POOL_ADDRESS,
    COMMUNITY_POOL_ADDRESS,
    bridgedTokenAddress(`0x${"00".repeat(20)}`),
  ]);
  for (const a of tokenAddresses) reserved.add(a);

  let supply = 0n;
  const allocated = new Set<Address>();
  for (const [i, a] of g.alloc.entries()) {
    const address = checkAccount(a.address, reserved, `alloc[${i}].address`);
    if (allocated.has(address)) fail(`alloc lists ${address} twice`);
    allocated.add(address);
    supply += checkAmount(a.balance, `alloc[${i}].balance`);
  }

  if (g.validators.length === 0) fail("at least one validator is required");
  if (g.validators.length > MAX_VALIDATORS) fail(`more than ${MAX_VALIDATORS} validators`);
  const validators = new Set<Address>();
  for (const [i, v] of g.validators.entries()) {
    const address = checkAccount(v.address, reserved, `validators[${i}].address`);
    if (validators.has(address)) fail(`validator ${address} listed twice`);
    validators.add(address);
    if (checkAmount(v.stake, `validators[${i}].stake`) < MIN_STAKE) {
      fail(`validators[${i}].stake is below the minimum of ${MIN_STAKE} (one token)`);
    }
    supply += v.stake;
  }
  const gasGrant = checkAmount(g.gasGrant ?? 0n, "gasGrant");
  supply += checkAmount(g.gasPool ?? 0n, "gasPool");
  if (supply > UINT256_MAX) fail("the native supply exceeds uint256");
  // The supply bounds the total stake, so a set built from stakes can never break CometBFT's power cap.
  if (powerOf(supply) > MAX_TOTAL_POWER)
    fail(`the native supply exceeds the power cap ${MAX_TOTAL_POWER} tokens`);

  for (const [i, t] of g.nativeTokens.entries()) {
    const holders = new Set<Address>();
    let total = 0n;
    for (const [j, a] of t.alloc.entries()) {
      const address = checkAccount(a.address, reserved, `nativeTokens[${i}].alloc[${j}].address`);
      if (holders.has(address)) fail(`nativeTokens[${i}].alloc lists ${address} twice`);
      holders.add(address);
      total += checkAmount(a.amount, `nativeTokens[${i}].alloc[${j}].amount`);
    }
    if (total > UINT256_MAX) fail(`nativeTokens[${i}] total supply exceeds uint256`);
  }
  return {
    chainId: g.chainId,
    baseFee: g.minGasPrice,
    blockGasLimit,
    epochLength: g.epochLength,
    unbondingEpochs: g.unbondingEpochs,
    l1Bridge: g.l1 ? (g.l1.bridge.toLowerCase() as Address) : null,
    gasGrant,
    slashing,
    evidenceMaxAgeHeights,
  };
}

function validateSlashing(given: Partial<SlashingParams>): SlashingParams {
  const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  const s: SlashingParams = { ...DEFAULT_SLASHING_PARAMS, ...set };
  const integerIn = (value: number, min: number, max: number, what: string) => {
    if (!Number.isSafeInteger(value) || value < min || value > max)
      fail(`slashing.${what} must be an integer in ${min}..${max}`);
  };
  integerIn(s.doubleSignSlashPpm, 0, PPM, "doubleSignSlashPpm");
  integerIn(s.downtimeSlashPpm, 0, PPM, "downtimeSlashPpm");
  integerIn(s.signedBlocksWindow, 1, MAX_SIGNED_BLOCKS_WINDOW, "signedBlocksWindow");
  integerIn(s.minSignedPpm, 0, PPM, "minSignedPpm");
  integerIn(s.jailHeights, 0, Number.MAX_SAFE_INTEGER, "jailHeights");
  return {
    doubleSignSlashPpm: s.doubleSignSlashPpm,
    downtimeSlashPpm: s.downtimeSlashPpm,
    signedBlocksWindow: s.signedBlocksWindow,
    minSignedPpm: s.minSignedPpm,
    jailHeights: s.jailHeights,
  };
}

/** The state before block 1, its validator set and the genesis appHash (chained from 32 zero bytes). */
export function initialState(genesis: AppGenesis): InitialState {
  validateAppGenesis(genesis);
  const state = new LedgerState();
  state.setHeight(0);
  state.setNextWithdrawalId(0n);
  for (const a of genesis.alloc) state.addBalance(a.address, a.balance);
  // Absent and zero write nothing, so a genesis without a pool keeps its appHash.
  if ((genesis.gasPool ?? 0n) > 0n) state.addBalance(GAS_POOL_ADDRESS, genesis.gasPool ?? 0n);
  for (const v of genesis.validators) {
    state.setStake(v.address, v.stake);
    state.setValidatorPower(v.address, powerOf(v.stake));
  }
  for (const t of genesis.nativeTokens) {
    const address = nativeTokenAddress(t.symbol);
    let totalSupply = 0n;
    for (const a of t.alloc) {
      state.setTokenBalance(address, a.address, a.amount);
      totalSupply += a.amount;
    }
    state.tokens.set(address, {
      address,
      l1Token: null,
      name: t.name,
      symbol: t.symbol,
      decimals: t.decimals,
      totalSupply,
    });
  }
  const writes = collectWrites(state);
  const appHash = chainAppHash(ZERO_HASH, writes);
  const validators = state.validators
    .entries()
    .map(([address, power]) => ({ address: address as Address, power }));
  return { state, validators, appHash, writes: withAppHash(writes, appHash) };
}
