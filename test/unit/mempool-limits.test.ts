import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AppTx, CheckTxResult } from "../../node/app/index.ts";
import { type Address, type Hex, keccak256Hex } from "../../node/crypto/index.ts";
import {
  createMempool,
  type DroppedTx,
  type Mempool,
  MempoolError,
  type MempoolOptions,
} from "../../node/mempool/index.ts";

const BASE_FEE = 1_000n;

/**
 * A stand-in for the app's checkTx: a "raw transaction" is the text `sender:nonce:tip[:pad]`, so thousands of
 * them cost nothing to make and check. Accounts start at nonce 0 with plenty of funds unless a test changes them.
 */
class FakeLedger {
  readonly nonces = new Map<Address, bigint>();
  readonly balances = new Map<Address, bigint>();
  accountCalls = 0;

  raw(sender: number, nonce: number, tip: number, pad = 0): Uint8Array {
    return new TextEncoder().encode(`${sender}:${nonce}:${tip}:${"x".repeat(pad)}`);
  }

  checkTx(raw: Uint8Array): CheckTxResult {
    const [sender, nonce, tip] = new TextDecoder().decode(raw).split(":");
    const tx: AppTx = {
      hash: keccak256Hex(raw),
      raw,
      type: 2,
      chainId: 1n,
      from: `0x${Number(sender).toString(16).padStart(40, "0")}` as Address,
      to: `0x${"ee".repeat(20)}` as Address,
      nonce: BigInt(nonce ?? 0),
      value: 0n,
      data: "0x",
      gasLimit: 21_000n,
      gasPrice: null,
      maxFeePerGas: BASE_FEE + BigInt(tip ?? 0),
      maxPriorityFeePerGas: BigInt(tip ?? 0),
      accessList: [],
    };
    return { ok: true, tx };
  }

  account(address: Address): { nonce: bigint; balance: bigint } {
    this.accountCalls++;
    return { nonce: this.nonces.get(address) ?? 0n, balance: this.balances.get(address) ?? 10n ** 30n };
  }
}

const senderAddress = (i: number) => `0x${i.toString(16).padStart(40, "0")}` as Address;

function pool(ledger: FakeLedger, opts: Partial<MempoolOptions> = {}, now = () => 1_000): Mempool {
  return createMempool(
    { maxTxs: 100, maxPerSender: 16, maxTxBytes: 4096, priceBumpPercent: 10, baseFee: BASE_FEE, ...opts },
    { checkTx: (raw) => ledger.checkTx(raw), account: (a) => ledger.account(a), now },
  );
}

function addOrCode(mempool: Mempool, raw: Uint8Array): ReturnType<Mempool["add"]> | string {
  try {
    return mempool.add(raw);
  } catch (err) {
    if (err instanceof MempoolError) return err.code;
    throw err;
  }
}

describe("mempool limits: eviction", () => {
  it("a full pool evicts a transaction stuck behind a nonce gap before any includable one, whatever it pays", () => {
    const ledger = new FakeLedger();
    const mempool = pool(ledger, { maxTxs: 3 });
    const cheap = ledger.raw(1, 0, 1);
    const stuck = ledger.raw(2, 5, 100); // sender 2 has no nonce 0-4: no block can take it
    mempool.add(cheap);
    mempool.add(stuck);
    mempool.add(ledger.raw(3, 0, 50));
    assert.deepEqual(mempool.status(keccak256Hex(stuck)), { status: "queued" });
    assert.deepEqual(mempool.status(keccak256Hex(cheap)), { status: "pending" });
    const added = mempool.add(ledger.raw(4, 0, 2));
    assert.equal(added.evicted, keccak256Hex(stuck));
    const status = mempool.status(keccak256Hex(stuck));
    assert.equal(status?.status, "dropped");
    assert.equal(status?.status === "dropped" && status.reason, "evicted");
  });

  it("a transaction behind a gap never pushes out an includable one", () => {
    const ledger = new FakeLedger();
    const mempool = pool(ledger, { maxTxs: 2 });
    mempool.add(ledger.raw(1, 0, 1));
    mempool.add(ledger.raw(2, 0, 1));
    assert.equal(addOrCode(mempool, ledger.raw(3, 4, 1_000)), "pool-full");
    assert.equal(mempool.size, 2);
  });

  it("the byte cap evicts by the same order as the count cap", () => {
    const ledger = new FakeLedger();
    const mempool = pool(ledger, { maxTxs: 100, maxBytes: 1_000, maxTxBytes: 600 });
    const big = ledger.raw(1, 0, 1, 500);
    mempool.add(big);
    mempool.add(ledger.raw(2, 0, 5, 300));
    const added = mempool.add(ledger.raw(3, 0, 9, 400));
    assert.equal(added.evicted, keccak256Hex(big));
    assert.ok(mempool.bytes <= 1_000);
    // Nothing cheaper left to make room: refused, and nothing is evicted for it.
    assert.equal(addOrCode(mempool, ledger.raw(4, 0, 2, 500)), "pool-full");
    assert.equal(mempool.size, 2);
  });

  it("chooses the same victim as a scan over every sender, over a long random run", () => {
    const ledger = new FakeLedger();
    const mempool = pool(ledger, { maxTxs: 40, maxPerSender: 64 });
    const held = new Map<Hex, { sender: number; nonce: number; tip: number; seq: number }>();
    let seq = 0;
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const nextNonce = new Map<number, number>();
    let evictions = 0;
    for (let step = 0; step < 3_000; step++) {
      if (step % 97 === 96) {
        // A block: up to two transactions of each sender's includable run, its account nonce moving past them.
        const committed: Hex[] = [];
        for (const sender of new Set([...held.values()].map((t) => t.sender))) {
          let n = Number(ledger.nonces.get(senderAddress(sender)) ?? 0n);
          for (let k = random(3); k > 0; k--) {
            const next = [...held.entries()].find(([, t]) => t.sender === sender && t.nonce === n);
            if (next === undefined) break;
            committed.push(next[0]);
            held.delete(next[0]);
            n++;
          }
          ledger.nonces.set(senderAddress(sender), BigInt(n));
        }
        const update = mempool.update(committed);
        for (const hash of update.dropped) held.delete(hash);
        continue;
      }
      const sender = random(12);
      const account = Number(ledger.nonces.get(senderAddress(sender)) ?? 0n);
      const base = Math.max(nextNonce.get(sender) ?? 0, account);
      let missing = account;
      while ([...held.values()].some((t) => t.sender === sender && t.nonce === missing)) missing++;
      // Mostly the next nonce; sometimes one that leaves a gap, sometimes the one that closes a gap.
      const choice = random(6);
      const nonce = choice === 0 ? base + 1 + random(2) : choice === 1 ? missing : base;
      const tip = 1 + random(20);
      const raw = ledger.raw(sender, nonce, tip);
      const hash = keccak256Hex(raw);
      if (held.has(hash) || [...held.values()].some((t) => t.sender === sender && t.nonce === nonce))
        continue;
      const expected = expectedVictim(held, ledger, { sender, nonce, tip }, mempool.size >= 40);
      const result = addOrCode(mempool, raw);
      if (typeof result === "string") {
        if (result === "pool-full")
          assert.equal(expected, null, `step ${step}: refused, expected ${expected}`);
        continue;
      }
      assert.equal(result.evicted, expected, `step ${step}`);
      if (result.evicted !== null) {
        held.delete(result.evicted);
        evictions++;
      }
      held.set(hash, { sender, nonce, tip, seq: seq++ });
      nextNonce.set(sender, nonce + 1);
    }
    assert.equal(mempool.size, held.size);
    assert.ok(evictions >= 50, `the run evicted only ${evictions} times`);
  });

  it("adding to a full pool of many senders reads a constant number of accounts, not one per sender", () => {
    const ledger = new FakeLedger();
    const mempool = pool(ledger, { maxTxs: 5_000 });
    for (let i = 0; i < 5_000; i++) mempool.add(ledger.raw(i, 0, 1 + (i % 50)));
    ledger.accountCalls = 0;
    for (let i = 0; i < 1_000; i++) {
      const added = mempool.add(ledger.raw(10_000 + i, 0, 100));
      assert.notEqual(added.evicted, null);
    }
    assert.ok(ledger.accountCalls <= 1_000 * 3, `${ledger.accountCalls} account reads for 1,000 adds`);
    assert.equal(mempool.size, 5_000);
  });
});

/** The rule written as a scan: gapped tails first, then includable tails cheaper than the incoming one. */
function expectedVictim(
  held: Map<Hex, { sender: number; nonce: number; tip: number; seq: number }>,
  ledger: FakeLedger,
  incoming: { sender: number; nonce: number; tip: number },
  full: boolean,
): Hex | null {
  if (!full) return null;
  const bySender = new Map<number, { hash: Hex; nonce: number; tip: number; seq: number }[]>();
  for (const [hash, t] of held) bySender.set(t.sender, [...(bySender.get(t.sender) ?? []), { hash, ...t }]);
  const firstMissing = (sender: number) => {
    let n = Number(ledger.nonces.get(senderAddress(sender)) ?? 0n);
    while (bySender.get(sender)?.some((t) => t.nonce === n)) n++;
    return n;
  };
  const includable = incoming.nonce <= firstMissing(incoming.sender);
  const before = (a: { tip: number; seq: number }, b: { tip: number; seq: number }) =>
    a.tip !== b.tip ? a.tip < b.tip : a.seq > b.seq;
  let gapped: { hash: Hex; tip: number; seq: number } | null = null;
  let any: { hash: Hex; tip: number; seq: number } | null = null;
  for (const [sender, txs] of bySender) {
    const tail = txs.reduce((a, b) => (b.nonce > a.nonce ? b : a));
    if (sender === incoming.sender && incoming.nonce > tail.nonce) continue;
    if (firstMissing(sender) <= tail.nonce && (gapped === null || before(tail, gapped))) gapped = tail;
    if (any === null || before(tail, any)) any = tail;
  }
  if (gapped !== null && (includable || gapped.tip < incoming.tip)) return gapped.hash;
  if (!includable) return null;
  return any !== null && any.tip < incoming.tip ? any.hash : null;
}

describe("mempool limits: what happens to an accepted transaction is visible", () => {
  it("records replaced, nonce-used and insufficient-funds with a message, tells listeners, and forgets on re-add", () => {
    const ledger = new FakeLedger();
    let clock = 5_000;
    const mempool = pool(ledger, {}, () => clock);
    const heard: DroppedTx[] = [];
    mempool.onDropped((d) => heard.push(d));

    const first = ledger.raw(1, 0, 10);
    mempool.add(first);
    clock = 6_000;
    mempool.add(ledger.raw(1, 0, 500));
    const replaced = mempool.status(keccak256Hex(first));
    assert.ok(replaced?.status === "dropped");
    assert.equal(replaced.reason, "replaced");
    assert.match(replaced.message, /replaced by 0x/);
    assert.equal(replaced.at, 6_000);

    const stale = ledger.raw(2, 0, 1);
    const poor = ledger.raw(3, 0, 1);
    mempool.add(stale);
    mempool.add(poor);
    ledger.nonces.set(senderAddress(2), 1n); // its nonce was used by a transaction from elsewhere
    ledger.balances.set(senderAddress(3), 5n);
    const update = mempool.update([]);
    assert.deepEqual(new Set(update.dropped), new Set([keccak256Hex(stale), keccak256Hex(poor)]));
    const staleStatus = mempool.status(keccak256Hex(stale));
    assert.ok(staleStatus?.status === "dropped" && staleStatus.reason === "nonce-used");
    const poorStatus = mempool.status(keccak256Hex(poor));
    assert.ok(poorStatus?.status === "dropped" && poorStatus.reason === "insufficient-funds");
    assert.deepEqual(
      heard.map((d) => d.reason),
      ["replaced", "nonce-used", "insufficient-funds"],
    );

    ledger.balances.set(senderAddress(3), 10n ** 30n);
    mempool.add(poor);
    assert.deepEqual(mempool.status(keccak256Hex(poor)), { status: "pending" });
    assert.equal(mempool.status(`0x${"00".repeat(32)}`), null);
  });

  it("keeps a bounded number of dropped records, the oldest forgotten first", () => {
    const ledger = new FakeLedger();
    const mempool = pool(ledger, { maxTxs: 1, maxDroppedRecords: 2 });
    const raws = [1, 2, 3, 4].map((tip) => ledger.raw(tip, 0, tip));
    for (const raw of raws) mempool.add(raw);
    const statuses = raws.map((raw) => mempool.status(keccak256Hex(raw))?.status ?? null);
    assert.deepEqual(statuses, [null, "dropped", "dropped", "pending"]);
  });
});
