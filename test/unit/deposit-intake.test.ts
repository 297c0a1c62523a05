import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Address, Hex } from "../../node/crypto/index.ts";
import {
  ClaimPool,
  createDepositConfirmer,
  DepositIntake,
  MAX_PENDING_CLAIMS,
} from "../../node/deposits/index.ts";
import { L1UnavailableError } from "../../node/l1/index.ts";
import { type DepositClaim, decodeDepositClaim, encodeDepositClaim } from "../../node/types/index.ts";
import { FakeL1Deposits, testClaim } from "../helpers/deposits.ts";

function pool(start = 0n) {
  const state = { next: start };
  return { state, pool: new ClaimPool(() => state.next) };
}

const DEPOSITOR_ALT: Address = "0x00000000000000000000000000000000000c0c0c";

const nonces = (claims: DepositClaim[]) => claims.map((c) => c.nonce);

describe("ClaimPool", () => {
  it("classifies nonces against the next nonce and its window, and adds each nonce once", () => {
    const { pool: p } = pool(10n);
    const last = 10n + BigInt(MAX_PENDING_CLAIMS) - 1n;
    assert.equal(p.classify(9n), "minted");
    assert.equal(p.classify(0n), "minted");
    assert.equal(p.classify(10n), "new");
    assert.equal(p.classify(last), "new", "the last nonce inside the window");
    assert.equal(p.classify(last + 1n), "too-far");

    assert.equal(p.add(testClaim(9n)), "minted");
    assert.equal(p.add(testClaim(last + 1n)), "too-far");
    assert.equal(p.size, 0, "neither a minted nor a too-far claim is held");
    assert.equal(p.add(testClaim(12n)), "added");
    assert.equal(p.add(testClaim(last)), "added");
    assert.equal(p.classify(12n), "known");
    assert.equal(p.add(testClaim(12n, { amount: 999n })), "known", "a second claim for a nonce is refused");
    assert.equal(p.get(12n)?.amount, 1_000n, "the first claim for a nonce stays");
    assert.equal(p.get(11n), null);
    assert.equal(p.size, 2);
  });

  it("ready() returns the consecutive run from the next nonce, capped, and stops at a gap", () => {
    const { state, pool: p } = pool(5n);
    for (const n of [8n, 6n, 5n, 10n]) assert.equal(p.add(testClaim(n)), "added");
    assert.deepEqual(nonces(p.ready(100)), [5n, 6n], "7 is missing");
    assert.deepEqual(nonces(p.ready(1)), [5n]);
    assert.deepEqual(p.ready(0), []);
    p.add(testClaim(7n));
    assert.deepEqual(nonces(p.ready(100)), [5n, 6n, 7n, 8n]);
    assert.deepEqual(nonces(p.ready(3)), [5n, 6n, 7n]);
    state.next = 4n;
    assert.deepEqual(p.ready(100), [], "nothing is ready while the next nonce itself is missing");
  });

  it("prune() drops minted claims only, and the window moves with the next nonce", () => {
    const { state, pool: p } = pool(0n);
    for (const n of [0n, 1n, 2n, 4n]) p.add(testClaim(n));
    const far = BigInt(MAX_PENDING_CLAIMS);
    assert.equal(p.classify(far), "too-far");
    state.next = 3n;
    assert.equal(p.size, 4, "nothing is dropped before prune()");
    assert.deepEqual(p.ready(10), [], "3 is missing");
    p.prune();
    assert.equal(p.size, 1);
    assert.equal(p.get(0n), null);
    assert.equal(p.get(2n), null);
    assert.equal(p.get(4n)?.nonce, 4n);
    assert.equal(p.classify(far), "new", "the window moved");
    assert.equal(p.add(testClaim(far)), "added");
    p.add(testClaim(3n));
    assert.deepEqual(nonces(p.ready(10)), [3n, 4n]);
  });
});

describe("DepositConfirmer", () => {
  it("confirms a claim matching L1's depositHash and answers it again from its cache", async () => {
    const l1 = new FakeL1Deposits();
    const claim = testClaim(3n);
    l1.deposit(claim);
    const confirmer = createDepositConfirmer(l1);
    assert.equal(await confirmer.check(claim), "confirmed");
    assert.equal(l1.reads, 1);
    assert.equal(await confirmer.check(claim), "confirmed");
    assert.equal(await confirmer.check({ ...claim, amount: 1n }), "mismatch");
    assert.equal(l1.reads, 1, "a final hash is read from L1 once");
    l1.down = true;
    assert.equal(await confirmer.check(claim), "confirmed", "a cached answer needs no L1");
  });

  it("says mismatch when any hashed field differs, token metadata included; the L1 tx hash is not hashed", async () => {
    const l1 = new FakeL1Deposits();
    const claim = testClaim(1n);
    l1.deposit(claim);
    const confirmer = createDepositConfirmer(l1);
    const other: Address = "0x00000000000000000000000000000000000f0f0f";
    const changed: Record<string, Partial<DepositClaim>> = {
      l1Token: { l1Token: other },
      from: { from: other },
      to: { to: other },
      amount: { amount: 1_001n },
      name: { name: "USD Coin " },
      symbol: { symbol: "USDT" },
      decimals: { decimals: 18 },
      "decimals that are no uint8": { decimals: 256 },
    };
    for (const [field, change] of Object.entries(changed)) {
      assert.equal(await confirmer.check({ ...claim, ...change }), "mismatch", field);
    }
    assert.equal(await confirmer.check({ ...claim, l1TxHash: `0x${"ab".repeat(32)}` as Hex }), "confirmed");
    assert.equal(await confirmer.check(claim), "confirmed");
  });

  it("does not cache unconfirmed: a deposit that becomes final on L1 later confirms", async () => {
    const l1 = new FakeL1Deposits();
    const claim = testClaim(2n);
    const confirmer = createDepositConfirmer(l1);
    assert.equal(await confirmer.check(claim), "unconfirmed");
    assert.equal(await confirmer.check(claim), "unconfirmed");
    assert.equal(l1.reads, 2, "each check of an unconfirmed deposit asks L1 again");
    l1.deposit(claim);
    assert.equal(await confirmer.check(claim), "confirmed");
    assert.equal(await confirmer.check(claim), "confirmed");
    assert.equal(l1.reads, 3);
  });

  it("propagates L1 failures instead of judging the claim, and recovers when L1 answers again", async () => {
    const l1 = new FakeL1Deposits();
    const claim = testClaim(0n);
    l1.deposit(claim);
    l1.down = true;
    const confirmer = createDepositConfirmer(l1);
    await assert.rejects(confirmer.check(claim), L1UnavailableError);
    await assert.rejects(confirmer.check({ ...claim, amount: 5n }), L1UnavailableError);
    l1.down = false;
    assert.equal(await confirmer.check(claim), "confirmed");
  });
});

function intake(opts: { next?: bigint; confirmer?: boolean } = {}) {
  const l1 = new FakeL1Deposits();
  const { state, pool: p } = pool(opts.next ?? 5n);
  const published: Uint8Array[] = [];
  const m = new DepositIntake({
    pool: p,
    confirmer: opts.confirmer === false ? null : createDepositConfirmer(l1),
    publish: (data) => published.push(data),
  });
  return { l1, state, pool: p, published, intake: m };
}

describe("DepositIntake.submit", () => {
  it("answers minted and known nonces from state without asking L1", async () => {
    const { l1, pool: p, published, intake: m } = intake({ next: 5n });
    p.add(testClaim(6n));
    assert.deepEqual(await m.submit(testClaim(4n)), { ok: true, status: "minted" });
    assert.deepEqual(await m.submit(testClaim(6n)), { ok: true, status: "pending" });
    assert.equal(l1.reads, 0);
    assert.equal(published.length, 0);
    const far = await m.submit(testClaim(5n + BigInt(MAX_PENDING_CLAIMS)));
    assert.equal(far.ok, false);
    assert.match(far.ok ? "" : far.message, /too far ahead/);
    assert.equal(l1.reads, 0);
  });

  it("refuses mismatched, unconfirmed and unconfirmable claims with a clear message, leaving the pool as it was", async () => {
    const { l1, pool: p, published, intake: m } = intake({ next: 5n });
    l1.deposit(testClaim(5n));
    const mismatch = await m.submit(testClaim(5n, { to: DEPOSITOR_ALT }));
    assert.deepEqual(mismatch, { ok: false, message: "deposit claim 5 does not match L1" });
    const unconfirmed = await m.submit(testClaim(6n));
    assert.deepEqual(unconfirmed, { ok: false, message: "deposit 6 is not on L1 or not final there yet" });
    l1.down = true;
    // Nonce 5's final hash is cached by now; nonce 6's is not, so this one needs L1.
    const down = await m.submit(testClaim(6n));
    assert.equal(down.ok, false);
    assert.match(down.ok ? "" : down.message, /^cannot confirm deposit 6: .*ECONNREFUSED/);
    assert.equal(p.size, 0);
    assert.equal(published.length, 0);
    // The forged claim did not take nonce 5: the true one still gets in.
    l1.down = false;
    assert.deepEqual(await m.submit(testClaim(5n)), { ok: true, status: "pending" });
    assert.deepEqual(p.get(5n), testClaim(5n));
  });

  it("refuses every claim on a node without L1", async () => {
    const { pool: p, intake: m } = intake({ confirmer: false });
    const result = await m.submit(testClaim(5n));
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : result.message, /no L1 connection/);
    assert.equal(p.size, 0);
  });

  it("adds a confirmed claim once and publishes it once, also when it is submitted twice at the same time", async () => {
    const { l1, pool: p, published, intake: m } = intake({ next: 5n });
    const claim = testClaim(5n);
    l1.deposit(claim);
    let open: () => void = () => undefined;
    l1.gate = new Promise((resolve) => {
      open = resolve;
    });
    const both = Promise.all([m.submit(claim), m.submit(claim)]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(l1.reads, 2, "both submissions are waiting on L1 together");
    open();
    assert.deepEqual(await both, [
      { ok: true, status: "pending" },
      { ok: true, status: "pending" },
    ]);
    assert.equal(p.size, 1);
    assert.deepEqual(p.get(5n), claim);
    assert.equal(published.length, 1, "published exactly once");
    assert.deepEqual(decodeDepositClaim(published[0] as Uint8Array), claim);
    l1.gate = null;
    assert.deepEqual(await m.submit(claim), { ok: true, status: "pending" });
    assert.equal(published.length, 1, "a known claim is not published again");
    assert.equal(l1.reads, 2);
  });
});

describe("DepositIntake.validateGossip", () => {
  it("rejects bytes that are not a claim and claims L1 contradicts", async () => {
    const { l1, pool: p, intake: m } = intake({ next: 5n });
    l1.deposit(testClaim(5n));
    const good = encodeDepositClaim(testClaim(5n));
    const garbage = [
      new Uint8Array(),
      Uint8Array.of(0xc0),
      Uint8Array.of(0xff, 0x01, 0x02),
      good.subarray(0, good.length - 1),
      Uint8Array.from([...good, 0x00]),
    ];
    for (const [i, bytes] of garbage.entries())
      assert.equal(await m.validateGossip(bytes), "reject", `#${i}`);
    assert.equal(l1.reads, 0, "garbage never reaches L1");
    const forged = encodeDepositClaim(testClaim(5n, { amount: 10n ** 24n }));
    assert.equal(await m.validateGossip(forged), "reject");
    assert.equal(p.size, 0);
  });

  it("ignores what it cannot judge now: unconfirmed, L1 down, known, minted, or no L1", async () => {
    const { l1, pool: p, intake: m } = intake({ next: 5n });
    const claim = testClaim(5n);
    assert.equal(await m.validateGossip(encodeDepositClaim(claim)), "ignore", "not final on L1 yet");
    l1.deposit(claim);
    l1.down = true;
    assert.equal(await m.validateGossip(encodeDepositClaim(claim)), "ignore", "L1 down");
    assert.equal(p.size, 0);
    l1.down = false;
    const reads = l1.reads;
    assert.equal(await m.validateGossip(encodeDepositClaim(testClaim(4n))), "ignore", "minted");
    p.add(testClaim(7n));
    assert.equal(await m.validateGossip(encodeDepositClaim(testClaim(7n))), "ignore", "known");
    assert.equal(l1.reads, reads, "minted and known claims are not checked on L1");
    const noL1 = intake({ confirmer: false });
    assert.equal(await noL1.intake.validateGossip(encodeDepositClaim(claim)), "ignore");
    assert.equal(noL1.pool.size, 0);
  });

  it("accepts a claim L1 confirms and holds it in the pool, without publishing it itself", async () => {
    const { l1, pool: p, published, intake: m } = intake({ next: 5n });
    const claim = testClaim(6n, { name: "Ünïcode ✓", symbol: "UNI", decimals: 0 });
    l1.deposit(claim);
    assert.equal(await m.validateGossip(encodeDepositClaim(claim)), "accept");
    assert.deepEqual(p.get(6n), claim);
    assert.equal(published.length, 0, "gossipsub forwards an accepted message; the intake does not");
    assert.equal(await m.validateGossip(encodeDepositClaim(claim)), "ignore", "a duplicate is ignored");
    assert.equal(p.size, 1);
  });
});
