import { type Address, bytesToHex, concatBytes, hexToBytes, keccak256 } from "../../crypto/index.ts";
import type { LedgerState } from "../state.ts";
import { type AuthorizationTuple, recoverAuthority, type SignerRecovery } from "../transaction.ts";
import { EXISTING_AUTHORITY_REFUND } from "./intrinsicGas.ts";

/** EIP-7702's delegation designator: this prefix and the delegate's address are the authority's whole code. */
export const DELEGATION_PREFIX = Uint8Array.of(0xef, 0x01, 0x00);
const DESIGNATOR_LENGTH = DELEGATION_PREFIX.length + 20;
const ZERO_ADDRESS: Address = `0x${"00".repeat(20)}`;
/** EIP-2681: a nonce stays below 2^64 - 1. */
const MAX_NONCE = (1n << 64n) - 1n;

/** The delegate's address when `code` is a delegation designator, else null. */
export function delegateOf(code: Uint8Array): Address | null {
  if (code.length !== DESIGNATOR_LENGTH) return null;
  for (const [i, byte] of DELEGATION_PREFIX.entries()) if (code[i] !== byte) return null;
  return bytesToHex(code.subarray(DELEGATION_PREFIX.length)) as Address;
}

/**
 * Applies a set-code transaction's authorizations to `state` in order, after the sender's nonce was used and before
 * its call, as EIP-7702 specifies: a tuple for another chain, with a nonce that is not the authority's, with an
 * invalid signature, or whose authority has code that is not a delegation is skipped; a valid one sets (or, to the
 * zero address, clears) the authority's delegation and uses its nonce. `warm` receives every recovered authority on
 * this chain, valid or not (it joins the accessed addresses). Returns the refund owed for authorities that already
 * existed, which the transaction's refund cap bounds like any other.
 */
export function applyAuthorizations(
  state: LedgerState,
  authorizations: readonly AuthorizationTuple[],
  chainId: bigint,
  modules: { warm: (address: Address) => void; recover?: SignerRecovery },
): bigint {
  const { warm } = modules;
  let refund = 0n;
  for (const auth of authorizations) {
    if (auth.chainId !== 0n && auth.chainId !== chainId) continue;
    if (auth.nonce >= MAX_NONCE) continue;
    // After the cheap checks: a recovery is what a tuple costs to process.
    const authority = recoverAuthority(
      { ...auth, address: auth.address.toLowerCase() as Address },
      modules.recover,
    );
    if (authority === null) continue;
    warm(authority);
    const code = state.codeOf(authority);
    if (code.length > 0 && delegateOf(code) === null) continue;
    const account = state.account(authority);
    if (account.nonce !== auth.nonce) continue;
    // setAccount drops an empty account, so a stored one is one that exists in Ethereum's sense.
    if (state.accounts.get(authority) !== undefined) refund += EXISTING_AUTHORITY_REFUND;
    const nonce = auth.nonce + 1n;
    const delegate = auth.address.toLowerCase() as Address;
    if (delegate === ZERO_ADDRESS) {
      state.setAccount(authority, { nonce, balance: account.balance });
      continue;
    }
    const designator = concatBytes(DELEGATION_PREFIX, hexToBytes(delegate, 20));
    const codeHash = bytesToHex(keccak256(designator));
    state.code.set(codeHash, designator);
    state.setAccount(authority, { nonce, balance: account.balance, codeHash });
  }
  return refund;
}
