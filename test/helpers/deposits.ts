import { type Address, type Hex, ZERO_HASH } from "../../node/crypto/index.ts";
import type { ClaimVerdict, DepositConfirmer } from "../../node/deposits/index.ts";
import { L1UnavailableError } from "../../node/l1/index.ts";
import { type DepositClaim, depositHash, ETH_TOKEN } from "../../node/types/index.ts";

export const L1_TOKEN: Address = "0x00000000000000000000000000000000000a0a0a";
export const DEPOSITOR: Address = "0x00000000000000000000000000000000000d0d0d";
export const RECIPIENT: Address = "0x00000000000000000000000000000000000e0e0e";

/** A USDC-like ERC20 deposit with a distinct L1 tx hash per nonce. */
export function testClaim(nonce: bigint, overrides: Partial<DepositClaim> = {}): DepositClaim {
  return {
    nonce,
    l1Token: L1_TOKEN,
    from: DEPOSITOR,
    to: RECIPIENT,
    amount: 1_000n,
    name: "USD Coin",
    symbol: "USDC",
    decimals: 6,
    l1TxHash: `0x${nonce.toString(16).padStart(64, "e")}` as Hex,
    ...overrides,
  };
}

/** An ETH deposit (Bridge records "Ether"/"ETH"/18 for it). */
export function ethClaim(nonce: bigint, amount: bigint, to: Address = RECIPIENT): DepositClaim {
  return testClaim(nonce, { l1Token: ETH_TOKEN, to, amount, name: "Ether", symbol: "ETH", decimals: 18 });
}

/**
 * A stand-in for Bridge.depositHash on L1: what `confirmedDepositHash` answers by nonce (ZERO_HASH when
 * absent), with a switch that makes L1 unreachable and a count of reads.
 */
export class FakeL1Deposits {
  readonly hashes = new Map<bigint, Hex>();
  reads = 0;
  down = false;
  /** When set, each read waits for this before answering (to interleave concurrent callers). */
  gate: Promise<void> | null = null;

  /** Records `claim` as a final deposit on L1. */
  deposit(claim: DepositClaim): void {
    this.hashes.set(claim.nonce, depositHash(claim));
  }

  async confirmedDepositHash(nonce: bigint): Promise<Hex> {
    this.reads++;
    if (this.gate !== null) await this.gate;
    if (this.down) throw new L1UnavailableError(`L1 depositHash(${nonce}): connect ECONNREFUSED`);
    return this.hashes.get(nonce) ?? ZERO_HASH;
  }
}

/** A confirmer whose verdicts the test sets by nonce ("confirmed" when unset), or that throws when L1 is down. */
export class ScriptedConfirmer implements DepositConfirmer {
  readonly verdicts = new Map<bigint, ClaimVerdict>();
  readonly checked: bigint[] = [];
  down = false;

  async check(claim: DepositClaim): Promise<ClaimVerdict> {
    this.checked.push(claim.nonce);
    if (this.down) throw new L1UnavailableError("L1 block number: timed out after 5000 ms");
    return this.verdicts.get(claim.nonce) ?? "confirmed";
  }
}
