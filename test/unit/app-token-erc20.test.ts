import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Signature, TypedDataEncoder, type Wallet } from "ethers";
import { decodeRevertReason, erc20Interface, nativeTokenAddress } from "../../node/app/index.ts";
import { Revert } from "../../node/app/revert.ts";
import { LedgerState, type TokenInfo } from "../../node/app/state.ts";
import {
  burnToken,
  type TokenCallContext,
  tokenCall,
  tokenCallGas,
  transferToken,
} from "../../node/app/tokens.ts";
import type { Address, Hex } from "../../node/crypto/index.ts";
import { addr, alice, bob, CHAIN_ID, carol } from "../helpers/appFixture.ts";

const erc20 = erc20Interface;
const ZERO: Address = `0x${"00".repeat(20)}`;
const MAX_UINT256 = (1n << 256n) - 1n;
const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const NOW = 1_700_000_000n;
const CTX: TokenCallContext = { chainId: CHAIN_ID, time: NOW, readOnly: false };
const READ_ONLY: TokenCallContext = { ...CTX, readOnly: true };

const TOKEN: TokenInfo = {
  address: nativeTokenAddress("ODOL"),
  l1Token: null,
  name: "Outrigger Dollar",
  symbol: "ODOL",
  decimals: 6,
  totalSupply: 1_000_000n,
};
const OTHER_TOKEN: Address = nativeTokenAddress("OTHER");

/** Alice holds the whole supply; bob and carol hold nothing. */
function ledger(): LedgerState {
  const state = new LedgerState();
  state.tokens.set(TOKEN.address, TOKEN);
  state.setTokenBalance(TOKEN.address, addr(alice), TOKEN.totalSupply);
  return state;
}

/** Every table's entries: what "the state did not change" compares. */
const snapshot = (state: LedgerState) => state.tables().map((t) => t.entries());

/** As the callers run a call: on an overlay kept only if the call succeeds. */
function run(
  state: LedgerState,
  from: Address,
  fn: string,
  args: unknown[] = [],
  ctx: TokenCallContext = CTX,
): { returnData: Hex; logs: { address: Address; topics: Hex[]; data: Hex }[] } {
  const scratch = state.child();
  const result = tokenCall(scratch, TOKEN, from, erc20.encodeFunctionData(fn, args) as Hex, ctx);
  scratch.mergeIntoParent();
  return result;
}

function view(state: LedgerState, fn: string, args: unknown[] = [], ctx: TokenCallContext = CTX): unknown {
  return erc20.decodeFunctionResult(fn, run(state, ZERO, fn, args, ctx).returnData)[0];
}

function reverted(fn: () => unknown): Revert {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof Revert, `expected a Revert, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a Revert");
}

/** Asserts the call reverts with this custom error (decoded as ethers decodes it) and changes nothing. */
function assertCustomError(state: LedgerState, fn: () => unknown, name: string, args: unknown[]): Revert {
  const before = snapshot(state);
  const err = reverted(fn);
  const parsed = erc20.parseError(err.data);
  const decoded = [...(parsed?.args ?? [])].map((a) => (typeof a === "string" ? a.toLowerCase() : a));
  assert.deepEqual([parsed?.name, decoded], [name, args]);
  assert.equal(err.message, `${name}(${args.map(String).join(", ")})`);
  assert.deepEqual(snapshot(state), before);
  return err;
}

function parsedLogs(logs: { address: Address; topics: Hex[]; data: Hex }[]) {
  return logs.map((log) => {
    const parsed = erc20.parseLog(log);
    return [
      log.address,
      parsed?.name,
      ...[...(parsed?.args ?? [])].map((a) => (typeof a === "string" ? a.toLowerCase() : a)),
    ];
  });
}

const domain = (overrides: { chainId?: bigint; verifyingContract?: Address } = {}) => ({
  name: TOKEN.name,
  version: "1",
  chainId: CHAIN_ID,
  verifyingContract: TOKEN.address,
  ...overrides,
});

const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

interface Permit {
  owner: Address;
  spender: Address;
  value: bigint;
  deadline: bigint;
  v: number;
  r: Hex;
  s: Hex;
}

async function signPermit(
  signer: Wallet,
  message: { owner?: Address; spender: Address; value: bigint; nonce?: bigint; deadline?: bigint },
  domainOverrides: { chainId?: bigint; verifyingContract?: Address } = {},
): Promise<Permit> {
  const full = {
    owner: message.owner ?? addr(signer),
    spender: message.spender,
    value: message.value,
    nonce: message.nonce ?? 0n,
    deadline: message.deadline ?? NOW + 3600n,
  };
  const sig = Signature.from(await signer.signTypedData(domain(domainOverrides), PERMIT_TYPES, full));
  return { ...full, v: sig.v, r: sig.r as Hex, s: sig.s as Hex };
}

const permitArgs = (p: Permit) => [p.owner, p.spender, p.value, p.deadline, p.v, p.r, p.s];

describe("system token: approve, allowance, transferFrom", () => {
  it("approve sets the allowance, returns true and logs Approval; a second approve overwrites it", () => {
    const state = ledger();
    const result = run(state, addr(alice), "approve", [addr(bob), 500n]);
    assert.equal(erc20.decodeFunctionResult("approve", result.returnData)[0], true);
    assert.deepEqual(parsedLogs(result.logs), [[TOKEN.address, "Approval", addr(alice), addr(bob), 500n]]);
    assert.equal(view(state, "allowance", [addr(alice), addr(bob)]), 500n);
    assert.equal(view(state, "allowance", [addr(bob), addr(alice)]), 0n);

    run(state, addr(alice), "approve", [addr(bob), 0n]);
    assert.equal(view(state, "allowance", [addr(alice), addr(bob)]), 0n);
    assert.deepEqual(state.allowances.entries(), []);
  });

  it("transferFrom spends the allowance and logs only Transfer, as OpenZeppelin 5 does", () => {
    const state = ledger();
    run(state, addr(alice), "approve", [addr(bob), 100n]);
    const result = run(state, addr(bob), "transferFrom", [addr(alice), addr(carol), 30n]);
    assert.equal(erc20.decodeFunctionResult("transferFrom", result.returnData)[0], true);
    assert.deepEqual(parsedLogs(result.logs), [[TOKEN.address, "Transfer", addr(alice), addr(carol), 30n]]);
    assert.equal(view(state, "allowance", [addr(alice), addr(bob)]), 70n);
    assert.equal(view(state, "balanceOf", [addr(alice)]), TOKEN.totalSupply - 30n);
    assert.equal(view(state, "balanceOf", [addr(carol)]), 30n);
    assert.equal(view(state, "balanceOf", [addr(bob)]), 0n);
  });

  it("an allowance of 2^256-1 is infinite: transferFrom leaves it as it is", () => {
    const state = ledger();
    run(state, addr(alice), "approve", [addr(bob), MAX_UINT256]);
    run(state, addr(bob), "transferFrom", [addr(alice), addr(bob), 10n]);
    const result = run(state, addr(bob), "transferFrom", [addr(alice), addr(carol), 20n]);
    assert.deepEqual(parsedLogs(result.logs), [[TOKEN.address, "Transfer", addr(alice), addr(carol), 20n]]);
    assert.equal(view(state, "allowance", [addr(alice), addr(bob)]), MAX_UINT256);
    assert.equal(view(state, "balanceOf", [addr(bob)]), 10n);
  });

  it("refuses more than the allowance with ERC20InsufficientAllowance(spender, allowance, needed)", () => {
    const state = ledger();
    run(state, addr(alice), "approve", [addr(bob), 10n]);
    assertCustomError(
      state,
      () => run(state, addr(bob), "transferFrom", [addr(alice), addr(carol), 11n]),
      "ERC20InsufficientAllowance",
      [addr(bob), 10n, 11n],
    );
    assertCustomError(
      state,
      () => run(state, addr(carol), "transferFrom", [addr(alice), addr(carol), 1n]),
      "ERC20InsufficientAllowance",
      [addr(carol), 0n, 1n],
    );
  });

  it("refuses more than the balance with ERC20InsufficientBalance(sender, balance, needed), allowance kept", () => {
    const state = ledger();
    assertCustomError(
      state,
      () => run(state, addr(bob), "transfer", [addr(alice), 1n]),
      "ERC20InsufficientBalance",
      [addr(bob), 0n, 1n],
    );
    run(state, addr(alice), "transfer", [addr(bob), 4n]);
    run(state, addr(bob), "approve", [addr(carol), 50n]);
    assertCustomError(
      state,
      () => run(state, addr(carol), "transferFrom", [addr(bob), addr(carol), 5n]),
      "ERC20InsufficientBalance",
      [addr(bob), 4n, 5n],
    );
    assert.equal(view(state, "allowance", [addr(bob), addr(carol)]), 50n);
  });

  it("refuses the zero address where OpenZeppelin does", () => {
    const state = ledger();
    assertCustomError(state, () => run(state, addr(alice), "approve", [ZERO, 1n]), "ERC20InvalidSpender", [
      ZERO,
    ]);
    assertCustomError(state, () => run(state, ZERO, "approve", [addr(bob), 1n]), "ERC20InvalidApprover", [
      ZERO,
    ]);
    assertCustomError(state, () => run(state, addr(alice), "transfer", [ZERO, 1n]), "ERC20InvalidReceiver", [
      ZERO,
    ]);
    assertCustomError(state, () => run(state, ZERO, "transfer", [addr(bob), 0n]), "ERC20InvalidSender", [
      ZERO,
    ]);
    run(state, addr(alice), "approve", [addr(bob), 5n]);
    assertCustomError(
      state,
      () => run(state, addr(bob), "transferFrom", [addr(alice), ZERO, 1n]),
      "ERC20InvalidReceiver",
      [ZERO],
    );
    // OpenZeppelin spends the allowance first, and its _approve refuses the zero owner even for nothing.
    assertCustomError(
      state,
      () => run(state, addr(bob), "transferFrom", [ZERO, addr(carol), 0n]),
      "ERC20InvalidApprover",
      [ZERO],
    );
  });

  it("transferToken and burnToken revert with the same custom errors", () => {
    const state = ledger();
    assertCustomError(
      state,
      () => transferToken(state, TOKEN.address, addr(bob), addr(alice), 2n),
      "ERC20InsufficientBalance",
      [addr(bob), 0n, 2n],
    );
    assertCustomError(
      state,
      () => transferToken(state, TOKEN.address, addr(alice), ZERO, 2n),
      "ERC20InvalidReceiver",
      [ZERO],
    );
    assertCustomError(
      state,
      () => burnToken(state, TOKEN, addr(alice), TOKEN.totalSupply + 1n),
      "ERC20InsufficientBalance",
      [addr(alice), TOKEN.totalSupply, TOKEN.totalSupply + 1n],
    );
    assertCustomError(state, () => burnToken(state, TOKEN, ZERO, 0n), "ERC20InvalidSender", [ZERO]);
  });

  it("answers the views and reverts with a reason on an unknown selector", () => {
    const state = ledger();
    assert.equal(view(state, "name"), "Outrigger Dollar");
    assert.equal(view(state, "symbol"), "ODOL");
    assert.equal(view(state, "decimals"), 6n);
    assert.equal(view(state, "totalSupply"), TOKEN.totalSupply);
    assert.equal(view(state, "nonces", [addr(alice)]), 0n);
    const err = reverted(() => tokenCall(state, TOKEN, addr(alice), "0xdeadbeef", CTX));
    assert.equal(
      decodeRevertReason(err.data),
      "system contract: unknown function selector or malformed arguments",
    );
  });
});

describe("system token: EIP-2612 permit", () => {
  it("DOMAIN_SEPARATOR and eip712Domain() describe the domain {name, '1', chainId, token}", () => {
    const state = ledger();
    assert.equal(view(state, "DOMAIN_SEPARATOR"), TypedDataEncoder.hashDomain(domain()));
    const other = view(state, "DOMAIN_SEPARATOR", [], { ...CTX, chainId: CHAIN_ID + 1n });
    assert.equal(other, TypedDataEncoder.hashDomain(domain({ chainId: CHAIN_ID + 1n })));
    const fields = erc20.decodeFunctionResult("eip712Domain", run(state, ZERO, "eip712Domain").returnData);
    assert.deepEqual(
      [fields[0], fields[1], fields[2], fields[3], fields[4].toLowerCase(), fields[5], [...fields[6]]],
      ["0x0f", TOKEN.name, "1", CHAIN_ID, TOKEN.address, `0x${"00".repeat(32)}`, []],
    );
  });

  it("accepts the owner's signature from anyone: nonce used, allowance set, Approval logged", async () => {
    const state = ledger();
    const permit = await signPermit(alice, { spender: addr(bob), value: 777n });
    const result = run(state, addr(carol), "permit", permitArgs(permit));
    assert.equal(result.returnData, "0x");
    assert.deepEqual(parsedLogs(result.logs), [[TOKEN.address, "Approval", addr(alice), addr(bob), 777n]]);
    assert.equal(view(state, "allowance", [addr(alice), addr(bob)]), 777n);
    assert.equal(view(state, "nonces", [addr(alice)]), 1n);

    const next = await signPermit(alice, { spender: addr(bob), value: 1n, nonce: 1n, deadline: NOW });
    run(state, addr(bob), "permit", permitArgs(next));
    assert.equal(view(state, "allowance", [addr(alice), addr(bob)]), 1n);
    assert.equal(view(state, "nonces", [addr(alice)]), 2n);
  });

  it("refuses a replayed permit: the nonce has moved, so the signature recovers someone else", async () => {
    const state = ledger();
    const permit = await signPermit(alice, { spender: addr(bob), value: 5n });
    run(state, addr(bob), "permit", permitArgs(permit));
    run(state, addr(alice), "approve", [addr(bob), 0n]);
    const err = reverted(() => run(state, addr(bob), "permit", permitArgs(permit)));
    const parsed = erc20.parseError(err.data);
    assert.equal(parsed?.name, "ERC2612InvalidSigner");
    assert.notEqual(parsed?.args[0].toLowerCase(), addr(alice));
    assert.equal(parsed?.args[1].toLowerCase(), addr(alice));
    assert.equal(view(state, "nonces", [addr(alice)]), 1n);
    assert.equal(view(state, "allowance", [addr(alice), addr(bob)]), 0n);
  });

  it("refuses a deadline before the block time with ERC2612ExpiredSignature(deadline)", async () => {
    const state = ledger();
    const permit = await signPermit(alice, { spender: addr(bob), value: 5n, deadline: NOW - 1n });
    assertCustomError(
      state,
      () => run(state, addr(bob), "permit", permitArgs(permit)),
      "ERC2612ExpiredSignature",
      [NOW - 1n],
    );
  });

  it("refuses a signature over another chain's or another token's domain", async () => {
    for (const overrides of [{ chainId: CHAIN_ID + 1n }, { verifyingContract: OTHER_TOKEN }]) {
      const state = ledger();
      const before = snapshot(state);
      const permit = await signPermit(alice, { spender: addr(bob), value: 5n }, overrides);
      const err = reverted(() => run(state, addr(bob), "permit", permitArgs(permit)));
      const parsed = erc20.parseError(err.data);
      assert.equal(
        parsed?.name,
        "ERC2612InvalidSigner",
        JSON.stringify(overrides, (_, v) => String(v)),
      );
      assert.notEqual(parsed?.args[0].toLowerCase(), addr(alice));
      assert.equal(parsed?.args[1].toLowerCase(), addr(alice));
      assert.deepEqual(snapshot(state), before);
    }
  });

  it("refuses a permit for an owner who did not sign it", async () => {
    const state = ledger();
    const permit = await signPermit(bob, { owner: addr(alice), spender: addr(bob), value: 5n });
    assertCustomError(
      state,
      () => run(state, addr(bob), "permit", permitArgs(permit)),
      "ERC2612InvalidSigner",
      [addr(bob), addr(alice)],
    );
  });

  it("refuses the high-s twin of a valid signature, and signatures ecrecover cannot recover", async () => {
    const state = ledger();
    const permit = await signPermit(alice, { spender: addr(bob), value: 5n });
    const highS = `0x${(CURVE_ORDER - BigInt(permit.s)).toString(16).padStart(64, "0")}` as Hex;
    const twin = { ...permit, s: highS, v: permit.v === 27 ? 28 : 27 };
    assertCustomError(
      state,
      () => run(state, addr(bob), "permit", permitArgs(twin)),
      "ECDSAInvalidSignatureS",
      [highS],
    );
    for (const bad of [
      { ...permit, v: 29 },
      { ...permit, r: `0x${"00".repeat(32)}` as Hex },
    ]) {
      assertCustomError(
        state,
        () => run(state, addr(bob), "permit", permitArgs(bad)),
        "ECDSAInvalidSignature",
        [],
      );
    }
    // The valid form still works: nothing above used the nonce.
    run(state, addr(bob), "permit", permitArgs(permit));
    assert.equal(view(state, "allowance", [addr(alice), addr(bob)]), 5n);
  });
});

describe("system token: STATICCALL and failed calls", () => {
  it("read-only calls serve the views but revert every write with empty data, writing nothing", async () => {
    const state = ledger();
    run(state, addr(alice), "approve", [addr(bob), MAX_UINT256]);
    const before = snapshot(state);
    const permit = await signPermit(alice, { spender: carol.address as Address, value: 1n });
    const writes: [Address, string, unknown[]][] = [
      [addr(alice), "transfer", [addr(bob), 1n]],
      [addr(alice), "approve", [addr(carol), 1n]],
      [addr(bob), "transferFrom", [addr(alice), addr(bob), 1n]],
      [addr(carol), "permit", permitArgs(permit)],
    ];
    for (const [from, fn, args] of writes) {
      // Straight on the state, no overlay: the write guard must stop before the first write.
      const data = erc20.encodeFunctionData(fn, args) as Hex;
      const err = reverted(() => tokenCall(state, TOKEN, from, data, READ_ONLY));
      assert.equal(err.data, "0x", fn);
      assert.deepEqual(snapshot(state), before, fn);
    }
    assert.equal(view(state, "balanceOf", [addr(alice)], READ_ONLY), TOKEN.totalSupply);
    assert.equal(view(state, "allowance", [addr(alice), addr(bob)], READ_ONLY), MAX_UINT256);
    assert.equal(view(state, "nonces", [addr(alice)], READ_ONLY), 0n);
  });

  it("read-only calls still revert with the checks that come before the write, as on the EVM", () => {
    const state = ledger();
    const data = erc20.encodeFunctionData("transfer", [addr(alice), 1n]) as Hex;
    assertCustomError(
      state,
      () => tokenCall(state, TOKEN, addr(bob), data, READ_ONLY),
      "ERC20InsufficientBalance",
      [addr(bob), 0n, 1n],
    );
  });

  it("a permit that fails after using the nonce leaves the parent state as it was", async () => {
    const state = ledger();
    const before = snapshot(state);
    const permit = await signPermit(bob, { owner: addr(alice), spender: addr(bob), value: 5n });
    const scratch = state.child();
    reverted(() =>
      tokenCall(
        scratch,
        TOKEN,
        addr(bob),
        erc20.encodeFunctionData("permit", permitArgs(permit)) as Hex,
        CTX,
      ),
    );
    // The overlay did use the nonce before the signer check failed; dropping it is what undoes that.
    assert.equal(scratch.permitNonce(TOKEN.address, addr(alice)), 1n);
    assert.deepEqual(snapshot(state), before);
    assert.equal(state.permitNonce(TOKEN.address, addr(alice)), 0n);
  });
});

describe("system token: gas schedule", () => {
  it("charges a fixed gas per function beyond the intrinsic, whatever the outcome", () => {
    const gasOf = (fn: string, args: unknown[]) => tokenCallGas(erc20.encodeFunctionData(fn, args) as Hex);
    assert.equal(gasOf("transfer", [addr(bob), 1n]), 30_000n);
    assert.equal(gasOf("approve", [addr(bob), 1n]), 25_000n);
    assert.equal(gasOf("transferFrom", [addr(alice), addr(bob), 1n]), 36_000n);
    assert.equal(
      gasOf("permit", [addr(alice), addr(bob), 1n, 0n, 27, `0x${"11".repeat(32)}`, `0x${"22".repeat(32)}`]),
      40_000n,
    );
    for (const fn of ["name", "symbol", "decimals", "totalSupply", "DOMAIN_SEPARATOR", "eip712Domain"])
      assert.equal(gasOf(fn, []), 2_600n, fn);
    assert.equal(gasOf("balanceOf", [addr(bob)]), 2_600n);
    assert.equal(gasOf("allowance", [addr(alice), addr(bob)]), 2_600n);
    assert.equal(gasOf("nonces", [addr(alice)]), 2_600n);
    assert.equal(tokenCallGas("0xdeadbeef"), 2_600n);
    assert.equal(tokenCallGas("0x"), 2_600n);
    // The selector decides, in either case, even when the arguments are malformed.
    assert.equal(tokenCallGas("0xA9059CBB00"), 30_000n);
  });
});
