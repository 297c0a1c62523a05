import { type Cluster, FAST_TIMEOUTS } from "../../cli/devnet/cluster.ts";
import { DEVNET_DEFAULTS } from "../../genesis/defaults.ts";
import { devValidatorKey } from "../../genesis/devKeys.ts";
import { nativeTokenAddress } from "../../node/app/index.ts";
import type { GenesisJson } from "../../node/config/genesis.ts";
import { type Address, privateKeyToAddress } from "../../node/crypto/index.ts";
import type { BenchAccount } from "./accounts.ts";
import { startBenchCluster } from "./benchCluster.ts";

const TOKEN = 10n ** 18n;

/** The system token the token transfers move; every sender holds some from genesis. */
export const BENCH_TOKEN = { name: "Load Bench Token", symbol: "LOAD", decimals: 18 } as const;
export const BENCH_TOKEN_ADDRESS: Address = nativeTokenAddress(BENCH_TOKEN.symbol);

export type TimeoutPreset = "devnet" | "fast";

/**
 * The bench's genesis: the devnet's, without an L1 (no deposits or checkpoints to wait on), with every sender
 * funded in native coin (fees and values for far more transfers than a run sends) and in the bench token.
 */
export function loadGenesisOverrides(
  validators: number,
  senders: readonly BenchAccount[],
  timeouts: TimeoutPreset,
): Partial<GenesisJson> {
  const validatorAddresses = Array.from({ length: validators }, (_, i) =>
    privateKeyToAddress(devValidatorKey(i)),
  );
  return {
    timeouts: timeouts === "devnet" ? { ...DEVNET_DEFAULTS.timeouts } : { ...FAST_TIMEOUTS },
    alloc: [
      ...senders.map((s) => ({ address: s.address, balance: (100n * TOKEN).toString() })),
      ...validatorAddresses.map((address) => ({ address, balance: (10n * TOKEN).toString() })),
    ],
    nativeTokens: [
      {
        ...BENCH_TOKEN,
        alloc: senders.map((s) => ({ address: s.address, amount: (1_000n * TOKEN).toString() })),
      },
    ],
    l1: null,
  };
}

/** The load bench's cluster: its genesis (see loadGenesisOverrides), stopped on every way out. */
export function startLoadCluster(opts: {
  validators: number;
  senders: readonly BenchAccount[];
  timeouts: TimeoutPreset;
  /** Leave the nodes' homes (logs, databases) in place after stopping them. */
  keep?: boolean;
}): Promise<{ cluster: Cluster; shutdown: () => Promise<void> }> {
  return startBenchCluster({
    validators: opts.validators,
    overrides: loadGenesisOverrides(opts.validators, opts.senders, opts.timeouts),
    // A genesis of thousands of accounts on a busy machine: start-up is not what this bench measures.
    startTimeoutMs: 300_000,
    ...(opts.keep === undefined ? {} : { keep: opts.keep }),
  });
}
