import { type AppGenesis, nativeTokenAddress } from "../../node/app/index.ts";
import { type Address, type Hex, privateKeyToAddress } from "../../node/crypto/index.ts";

// Apart from appFixture.ts (which re-exports all of it) so that a bench can build the test chain without loading
// ethers' Wallet: the bench measures the node's memory, not its own.

export const CHAIN_ID = 7447n;
export const GWEI = 10n ** 9n;
export const ETHER = 10n ** 18n;
export const BASE_FEE = GWEI;

/** A key that signs in tests: an ethers Wallet is one too. */
export interface TestSigner {
  readonly privateKey: string;
  readonly address: string;
}

/** Deterministic keys so failures reproduce. */
export function testKey(i: number): { privateKey: Hex; address: Address } {
  const privateKey: Hex = `0x${(0x1000 + i).toString(16).padStart(64, "0")}`;
  return { privateKey, address: privateKeyToAddress(privateKey) };
}

export const addr = (w: Pick<TestSigner, "address">): Address => w.address.toLowerCase() as Address;

/** The test genesis's funded accounts; val1 and val2 are its validators (funded too, so they can stake more). */
export const TEST_KEYS = {
  alice: testKey(1),
  bob: testKey(2),
  carol: testKey(3),
  val1: testKey(10),
  val2: testKey(11),
} as const;

/** Receives fees in tests; holds nothing at genesis. */
export const PROPOSER: Address = "0x00000000000000000000000000000000000000fe";

export const ODOL = nativeTokenAddress("ODOL");

export function testGenesis(overrides: Partial<AppGenesis> = {}): AppGenesis {
  const { alice, bob, carol, val1, val2 } = TEST_KEYS;
  return {
    chainId: CHAIN_ID,
    minGasPrice: BASE_FEE,
    epochLength: 4,
    unbondingEpochs: 1,
    alloc: [alice, bob, carol, val1, val2].map((k) => ({ address: k.address, balance: 1000n * ETHER })),
    validators: [
      { address: val1.address, stake: 10n * ETHER },
      { address: val2.address, stake: 10n * ETHER },
    ],
    nativeTokens: [
      {
        name: "Outrigger Dollar",
        symbol: "ODOL",
        decimals: 6,
        alloc: [{ address: alice.address, amount: 1_000_000n }],
      },
    ],
    ...overrides,
  };
}
