import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VoteType } from "../../node/crypto/index.ts";
import { poolKey } from "./keys.ts";
import { SimNetwork } from "./network.ts";
import { Rng } from "./rng.ts";
import { Scheduler } from "./scheduler.ts";
import { createScheme, type SchemeName } from "./signing.ts";

describe("sim harness: rng", () => {
  it("is reproducible per seed and differs across seeds", () => {
    const draw = (seed: number): number[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 8 }, () => rng.u32());
    };
    assert.deepEqual(draw(7), draw(7));
    assert.notDeepEqual(draw(7), draw(8));
    assert.notDeepEqual(draw(7), draw(7 + 2 ** 32));
  });

  it("forks streams that do not shift each other", () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const childA = a.fork("x");
    const childB = b.fork("x");
    childA.u32();
    assert.equal(a.u32(), b.u32());
    childB.u32();
    assert.equal(childA.u32(), childB.u32());
  });

  it("draws integers in range, roughly uniformly", () => {
    const rng = new Rng(3);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) {
      const k = rng.int(0, 3);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const c of counts) assert.ok(c > 9_000 && c < 11_000, `bucket ${c}`);
    assert.throws(() => rng.int(2, 1), RangeError);
  });
});

describe("sim harness: scheduler", () => {
  it("runs by time, then in scheduling order, and stops at the limit", async () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.at(20, () => seen.push("b"));
    s.at(10, () => seen.push("a"));
    s.at(20, () => {
      seen.push("c");
      s.after(0, () => seen.push("d"));
    });
    s.at(100, () => seen.push("late"));
    assert.equal(await s.run(50, () => false), "timeLimit");
    assert.deepEqual(seen, ["a", "b", "c", "d"]);
    assert.equal(s.now, 50);
  });

  it("stops as soon as done() holds", async () => {
    const s = new Scheduler();
    let n = 0;
    for (let i = 1; i <= 10; i++) s.at(i, () => n++);
    assert.equal(await s.run(1_000, () => n === 3), "done");
    assert.equal(s.now, 3);
  });

  it("skips a cancelled task", async () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.at(10, () => seen.push("kept"));
    const cancel = s.at(20, () => seen.push("cancelled"));
    s.at(5, () => cancel());
    assert.equal(await s.run(100, () => false), "idle");
    assert.deepEqual(seen, ["kept"]);
    assert.equal(s.eventsRun, 2);
  });

  it("lets the promise chains a task starts finish before the clock moves on", async () => {
    const s = new Scheduler();
    const seen: string[] = [];
    s.at(10, () => {
      s.markAsync();
      void (async () => {
        for (let i = 0; i < 5; i++) await Promise.resolve();
        seen.push(`async done at ${s.now}`);
        s.after(0, () => seen.push(`follow-up at ${s.now}`));
      })();
    });
    s.at(11, () => seen.push(`next task at ${s.now}`));
    await s.run(100, () => false);
    assert.deepEqual(seen, ["async done at 10", "follow-up at 10", "next task at 11"]);
  });
});

describe("sim harness: network", () => {
  const params = {
    minDelayMs: 5,
    maxDelayMs: 50,
    slowProb: 0,
    slowFactor: 1,
    dropProb: 0,
    duplicateProb: 0,
    gstMs: 0,
  };

  it("cuts links across groups only while a partition is active; ungrouped nodes bridge", () => {
    const s = new Scheduler();
    const net = new SimNetwork<string>(
      s,
      new Rng(1),
      params,
      [{ startMs: 100, healMs: 200, groups: [[0, 1], [2]] }],
      () => {},
    );
    assert.equal(net.connected(0, 2, 50), true);
    assert.equal(net.connected(0, 2, 150), false);
    assert.equal(net.connected(0, 1, 150), true);
    assert.equal(net.connected(3, 2, 150), true);
    assert.equal(net.connected(0, 2, 200), true);
  });

  it("delivers within the delay bounds, reorders, and drops only before GST", async () => {
    const s = new Scheduler();
    const got: [number, string][] = [];
    const net = new SimNetwork<string>(
      s,
      new Rng(2),
      { ...params, dropProb: 0.5, gstMs: 1_000 },
      [],
      (_to, _f, m) => got.push([s.now, m]),
    );
    for (let i = 0; i < 200; i++) net.send(0, 1, `early${i}`);
    await s.run(1_000, () => false);
    const early = got.length;
    assert.ok(early > 60 && early < 140, `about half of the early messages arrive, got ${early}`);
    for (let i = 0; i < 200; i++) net.send(0, 1, `late${i}`);
    await s.run(10_000, () => false);
    assert.equal(got.length - early, 200);
    const order = got.slice(early).map(([, m]) => Number(m.slice(4)));
    assert.notDeepEqual(
      order,
      [...order].sort((a, b) => a - b),
      "random delays reorder",
    );
    for (const [t] of got.slice(early)) assert.ok(t >= 1_000 + 5 - 1e-9 && t <= 1_000 + 50 + 1e-9);
  });
});

describe("sim harness: signing schemes", () => {
  for (const name of ["fast", "secp256k1"] as SchemeName[]) {
    it(`${name}: a signature verifies as its signer only, and not once the message changes`, () => {
      const scheme = createScheme(name, 77n);
      const [alice, bob] = [scheme.register(poolKey(0)), scheme.register(poolKey(1))];
      const unsigned = { type: VoteType.Prevote, height: 3, round: 1, blockHash: null, validator: alice };
      const vote = scheme.signVote(poolKey(0), unsigned);
      assert.equal(scheme.verifier.voteSigner(77n, vote), alice);
      assert.notEqual(scheme.verifier.voteSigner(77n, { ...vote, round: 2 }), alice);
      assert.notEqual(scheme.verifier.voteSigner(78n, vote), alice);
      // Bob signing a vote that claims to be Alice's does not make it Alice's.
      const forged = scheme.signVote(poolKey(1), unsigned);
      assert.equal(scheme.verifier.voteSigner(77n, forged), bob);
      const proposal = scheme.signProposal(poolKey(1), {
        height: 3,
        round: 0,
        polRound: -1,
        blockHash: `0x${"ab".repeat(32)}`,
        proposer: bob,
      });
      assert.equal(scheme.verifier.proposalSigner(77n, proposal), bob);
      assert.equal(scheme.verifier.proposalSigner(77n, { ...proposal, polRound: 0 }) === bob, false);
      assert.equal(scheme.verifier.voteSigner(77n, { ...vote, signature: `0x${"00".repeat(65)}` }), null);
    });
  }

  it("fast: cannot verify a key it was never given, so a byzantine node cannot invent validators", () => {
    const scheme = createScheme("fast", 77n);
    const other = createScheme("fast", 77n);
    const address = other.register(poolKey(5));
    const vote = other.signVote(poolKey(5), {
      type: VoteType.Precommit,
      height: 1,
      round: 0,
      blockHash: null,
      validator: address,
    });
    assert.equal(scheme.verifier.voteSigner(77n, vote), null);
  });
});
