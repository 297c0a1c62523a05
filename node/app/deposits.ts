import {
  addressToRlp,
  type DepositClaim,
  depositTxHash,
  ETH_TOKEN,
  FALLBACK_METADATA,
  hashToRlp,
  type Log,
  MAX_DEPOSIT_CLAIMS_PER_BLOCK,
  type Receipt,
  uintToRlp,
} from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import { BRIDGE_ADDRESS, bridgedTokenAddress } from "./addresses.ts";
import { creditDeposit, type DepositCredit, metadataProblem } from "./bridge.ts";
import { AppError } from "./errors.ts";
import { payGasGrant } from "./gasGrant.ts";
import type { DepositRecord, LedgerState } from "./state.ts";

/** L1 ETH becomes an ERC20 on the sidechain, so its token is named for what it is there, not "Ether"/"ETH". */
export const WETH_METADATA = { name: "Wrapped Ether", symbol: "WETH", decimals: 18 } as const;

const UINT256_MAX = (1n << 256n) - 1n;

type Metadata = Pick<DepositCredit, "name" | "symbol" | "decimals">;

/** A credited deposit: its record in state and the receipt of its deposit transaction (type 0x7e). */
export interface DepositExecution {
  record: DepositRecord;
  receipt: Receipt;
}

/**
 * Credits a block's deposit claims in order (DESIGN.md §5). The chain passes exactly the claims validators
 * confirmed on L1, so a claim that does not continue the nonce sequence, or is malformed, is a bug: it makes the
 * block invalid instead of being skipped. Anything L1 confirmed is credited, whatever its recipient or amount.
 * Each deposit is a transaction of the block (DESIGN.md §4), with a receipt that logs what it minted and the gas
 * grant it paid (`gasGrant`: the genesis amount, 0 for none).
 */
export function executeDepositClaims(
  state: LedgerState,
  claims: readonly DepositClaim[],
  height: number,
  gasGrant: bigint,
): DepositExecution[] {
  if (claims.length > MAX_DEPOSIT_CLAIMS_PER_BLOCK) {
    throw new AppError(
      "invalid-block",
      `invalid block ${height}: ${claims.length} deposit claims, over ${MAX_DEPOSIT_CLAIMS_PER_BLOCK}`,
    );
  }
  return claims.map((claim, index) => {
    const fail = (message: string, cause?: unknown) =>
      new AppError("invalid-block", `invalid block ${height}: deposit claim ${index}: ${message}`, { cause });
    const expected = state.nextDepositNonce();
    if (claim.nonce !== expected) {
      const kind = claim.nonce < expected ? "a replay" : "a gap";
      throw fail(
        `nonce ${claim.nonce}, expected ${expected} (${kind}; claims must follow the nonce sequence)`,
      );
    }
    try {
      checkShape(claim);
    } catch (err) {
      throw fail(`malformed: ${errorMessage(err)}`, err);
    }
    return credit(state, claim, height, gasGrant);
  });
}

/** What the ledger would refuse to store; the field writers are the state codec's own. */
function checkShape(claim: DepositClaim): void {
  addressToRlp(claim.l1Token, "l1Token");
  addressToRlp(claim.from, "from");
  addressToRlp(claim.to, "to");
  uintToRlp(claim.amount, "amount");
  hashToRlp(claim.l1TxHash, "l1TxHash");
}

function credit(state: LedgerState, claim: DepositClaim, height: number, gasGrant: bigint): DepositExecution {
  const l2Token = bridgedTokenAddress(claim.l1Token);
  const existing = state.tokens.get(l2Token);
  const logs: Log[] = [];
  // Only a token lying about its L1 balances gets past uint256 in total; crediting that would make the state
  // unencodable and halt the chain, so such a deposit is recorded (its nonce used) but credits nothing.
  if (existing === undefined || existing.totalSupply + claim.amount <= UINT256_MAX) {
    const credited = creditDeposit(state, {
      l1Token: claim.l1Token,
      to: claim.to,
      amount: claim.amount,
      ...newTokenMetadata(claim),
    });
    logs.push(...credited.logs);
    // A deposit of nothing brought nothing over: granting it would let empty L1 deposits drain the pool.
    const grant = claim.amount > 0n ? payGasGrant(state, claim.to, gasGrant) : null;
    if (grant !== null) logs.push(grant);
  }
  const record: DepositRecord = {
    nonce: claim.nonce,
    l1Token: claim.l1Token,
    l2Token,
    from: claim.from,
    to: claim.to,
    amount: claim.amount,
    l1TxHash: claim.l1TxHash,
    height,
  };
  state.addDeposit(record);
  state.setNextDepositNonce(claim.nonce + 1n);
  // An unsigned system transaction: no sender pays gas, and deposits come first, so no gas precedes them either.
  const receipt: Receipt = {
    txHash: depositTxHash(claim),
    status: 1,
    gasUsed: 0n,
    cumulativeGasUsed: 0n,
    effectiveGasPrice: 0n,
    from: BRIDGE_ADDRESS,
    to: l2Token,
    logs,
    contractAddress: null,
  };
  return { record, receipt };
}

/** creditDeposit uses it only when the deposit creates the token; a confirmed deposit must never be refused. */
function newTokenMetadata(claim: DepositClaim): Metadata {
  if (claim.l1Token === ETH_TOKEN) return WETH_METADATA;
  const metadata = { name: claim.name, symbol: claim.symbol, decimals: claim.decimals };
  return metadataProblem(metadata) === null ? metadata : FALLBACK_METADATA;
}
