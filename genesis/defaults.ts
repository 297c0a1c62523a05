import { DEFAULT_EVIDENCE_MAX_AGE_HEIGHTS, DEFAULT_SLASHING_PARAMS } from "../node/app/params.ts";
import type { GenesisJson } from "../node/config/genesis.ts";

const TOKEN = 10n ** 18n;

/**
 * Devnet parameters: about one block a second (commitMs is the block interval; the other timeouts only matter
 * when a round fails), a short epoch so checkpoints and set changes are seen within a minute.
 */
export const DEVNET_DEFAULTS = {
  chainId: 7447n,
  epochLength: 20,
  unbondingEpochs: 2,
  minGasPrice: 1_000_000_000n,
  maxClockDriftMs: 2_000,
  validatorStake: 1_000n * TOKEN,
  devAccountBalance: 10_000n * TOKEN,
  devAccounts: 10,
  /** A bridged user's first gas (0.01 native: hundreds of transfers at the base fee) from a pool of 1,000. */
  gasGrant: TOKEN / 100n,
  gasPool: 1_000n * TOKEN,
  timeouts: {
    proposeMs: 1_000,
    proposeDeltaMs: 500,
    prevoteMs: 300,
    prevoteDeltaMs: 200,
    precommitMs: 300,
    precommitDeltaMs: 200,
    commitMs: 750,
  } satisfies GenesisJson["timeouts"],
  /** A real network's punishment parameters: a jail of 600 heights is about ten minutes at one block a second. */
  slashing: DEFAULT_SLASHING_PARAMS,
  evidenceMaxAgeHeights: DEFAULT_EVIDENCE_MAX_AGE_HEIGHTS,
  devToken: { name: "Outrigger Dev Token", symbol: "DEV", decimals: 18, amount: 1_000_000n * TOKEN },
  /** The L1 ERC20 the devnet deploys for bridging, minted to every dev account. */
  testToken: { name: "Test Token", symbol: "TST", decimals: 18, amount: 1_000_000n * TOKEN },
} as const;
