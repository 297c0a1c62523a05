import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyAuthorizations, delegateOf } from "../../node/app/evm/setCode.ts";
import { LedgerState } from "../../node/app/state.ts";
import type { AuthorizationTuple } from "../../node/app/transaction.ts";
import { type Address, bytesToHex, type Hex, hexToBytes, keccak256 } from "../../node/crypto/index.ts";

const CHAIN = 7447n;
const DELEGATE = `0x${"de".repeat(20)}` as Address;
const OTHER = `0x${"0d".repeat(20)}` as Address;
const ZERO = `0x${"00".repeat(20)}` as Address;
const authority = (i: number) => `0x${i.toString(16).padStart(40, "0")}` as Address;

const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * A tuple whose signer the fake recovery below reads from r: `authority(r)`. A null authority is a tuple with a
 * high s, which no recovery is even asked about.
 */
function tuple(over: Partial<AuthorizationTuple> & { authority: Address | null }): AuthorizationTuple {
  const { authority: who, ...fields } = over;
  const r = who === null ? 1n : BigInt(who);
  const s = who === null ? HALF_ORDER + 1n : 1n;
  return { chainId: CHAIN, address: DELEGATE, nonce: 0n, yParity: 0n, r, s, ...fields };
}

function apply(state: LedgerState, auths: AuthorizationTuple[]) {
  const warmed: Address[] = [];
  const recovered: Address[] = [];
  const recover = (_digest: Uint8Array, signature: Hex): Address => {
    const who = authority(Number.parseInt(signature.slice(2, 66), 16));
    recovered.push(who);
    return who;
  };
  const refund = applyAuthorizations(state, auths, CHAIN, { warm: (a) => warmed.push(a), recover });
  return { refund, warmed, recovered };
}

const codeHex = (state: LedgerState, address: Address): Hex => bytesToHex(state.codeOf(address));

describe("app: EIP-7702 authorizations", () => {
  it("sets 0xef0100 || delegate, uses the authority's nonce, and refunds 12,500 for an existing account", () => {
    const state = new LedgerState();
    state.setAccount(authority(1), { nonce: 3n, balance: 10n });
    const { refund, warmed } = apply(state, [
      tuple({ authority: authority(1), nonce: 3n }),
      tuple({ authority: authority(2), chainId: 0n }),
    ]);
    assert.equal(codeHex(state, authority(1)), `0xef0100${DELEGATE.slice(2)}`);
    assert.equal(delegateOf(state.codeOf(authority(1))), DELEGATE);
    assert.deepEqual(state.account(authority(1)), {
      nonce: 4n,
      balance: 10n,
      codeHash: bytesToHex(keccak256(hexToBytes(`0xef0100${DELEGATE.slice(2)}`))),
    });
    assert.equal(state.account(authority(2)).nonce, 1n);
    assert.equal(refund, 12_500n, "only authority 1 existed before");
    assert.deepEqual(warmed, [authority(1), authority(2)]);
  });

  it("skips, in order, a tuple for another chain, a bad signature, a wrong nonce, an overflowing nonce and an authority with code", () => {
    const state = new LedgerState();
    const contractCode = Uint8Array.of(0x60, 0x00);
    const hash = bytesToHex(keccak256(contractCode));
    state.code.set(hash, contractCode);
    state.setAccount(authority(5), { nonce: 1n, balance: 0n, codeHash: hash });
    state.setAccount(authority(6), { nonce: (1n << 64n) - 1n, balance: 1n });
    const { refund, warmed, recovered } = apply(state, [
      tuple({ authority: authority(1), chainId: CHAIN + 1n }),
      tuple({ authority: null }),
      tuple({ authority: authority(3), nonce: 1n }),
      tuple({ authority: authority(6), nonce: (1n << 64n) - 1n }),
      tuple({ authority: authority(5), nonce: 1n }),
    ]);
    assert.equal(refund, 0n);
    for (const i of [1, 3]) assert.deepEqual(state.account(authority(i)), { nonce: 0n, balance: 0n });
    assert.equal(state.account(authority(6)).nonce, (1n << 64n) - 1n);
    assert.deepEqual(state.codeOf(authority(5)), contractCode, "a contract's code is never replaced");
    assert.equal(state.account(authority(5)).nonce, 1n);
    // Recovered authorities on this chain are warm even when their tuple fails a later check; a tuple for another
    // chain or with an overflowing nonce costs no recovery.
    assert.deepEqual(warmed, [authority(3), authority(5)]);
    assert.deepEqual(recovered, [authority(3), authority(5)]);
  });

  it("a later tuple replaces a delegation, and one to the zero address clears it; the last valid one wins", () => {
    const state = new LedgerState();
    apply(state, [
      tuple({ authority: authority(1), nonce: 0n }),
      tuple({ authority: authority(1), nonce: 1n, address: OTHER }),
    ]);
    assert.equal(delegateOf(state.codeOf(authority(1))), OTHER);
    assert.equal(state.account(authority(1)).nonce, 2n);
    const { refund } = apply(state, [tuple({ authority: authority(1), nonce: 2n, address: ZERO })]);
    assert.equal(refund, 12_500n);
    assert.equal(codeHex(state, authority(1)), "0x");
    assert.deepEqual(state.account(authority(1)), { nonce: 3n, balance: 0n });
  });

  it("delegateOf reads only an exact 23-byte designator", () => {
    assert.equal(delegateOf(hexToBytes(`0xef0100${DELEGATE.slice(2)}`)), DELEGATE);
    assert.equal(delegateOf(hexToBytes(`0xef0100${DELEGATE.slice(2)}00`)), null);
    assert.equal(delegateOf(hexToBytes(`0xef0101${DELEGATE.slice(2)}`)), null);
    assert.equal(delegateOf(new Uint8Array(0)), null);
  });
});
