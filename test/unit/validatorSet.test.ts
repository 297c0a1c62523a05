import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  MAX_INT64,
  maxMinPriorityDiff,
  newValidatorPriority,
} from "../../node/consensus/proposerPriority.ts";
import {
  MAX_TOTAL_VOTING_POWER,
  ValidatorSet,
  ValidatorSetError,
  type ValidatorSetErrorCode,
} from "../../node/consensus/validatorSet.ts";
import { type Address, hashValidatorSet } from "../../node/crypto/index.ts";
import type { Validator } from "../../node/types/shapes.ts";

const addr = (n: number): Address => `0x${n.toString(16).padStart(40, "0")}`;

/** CometBFT's tests name validators "v1", "v2", ...; zero right-padding keeps their byte order. */
const v = (name: string): Address => `0x${Buffer.from(name, "latin1").toString("hex").padEnd(40, "0")}`;

const vals = (...entries: [string, bigint][]): Validator[] =>
  entries.map(([name, power]) => ({ address: v(name), power }));

const testValSet = (n: number, power: bigint): Validator[] =>
  Array.from({ length: n }, (_, i) => ({ address: v(`v${i + 1}`), power }));

const powers = (set: ValidatorSet): Map<Address, bigint> =>
  new Map(set.validators.map((x) => [x.address, x.power]));

const throwsCode = (fn: () => unknown, code: ValidatorSetErrorCode) =>
  assert.throws(fn, (e: unknown) => e instanceof ValidatorSetError && e.code === code);

/** CometBFT verifyValidatorSet: centred (sum in (-n, n)) and scaled (spread <= 2 x total). */
function assertCentredAndScaled(set: ValidatorSet): void {
  const ps = set.priorities().map((x) => x.priority);
  const sum = ps.reduce((a, b) => a + b, 0n);
  const n = BigInt(set.size);
  assert.ok(sum > -n && sum < n, `sum ${sum} outside (-${n}, ${n})`);
  assert.ok(maxMinPriorityDiff(ps) <= 2n * set.totalPower, "spread exceeds the 2P window");
}

describe("ValidatorSet.create", () => {
  it("sorts by address, totals the power and answers membership", () => {
    const set = ValidatorSet.create([
      { address: addr(3), power: 30n },
      { address: addr(1), power: 10n },
      { address: addr(2), power: 20n },
    ]);
    assert.deepEqual(
      set.validators.map((x) => x.address),
      [addr(1), addr(2), addr(3)],
    );
    assert.equal(set.totalPower, 60n);
    assert.equal(set.size, 3);
    assert.equal(set.powerOf(addr(2)), 20n);
    assert.equal(set.powerOf(addr(9)), 0n);
    assert.equal(set.has(addr(3)), true);
    assert.equal(set.has(addr(4)), false);
    assert.equal(set.priorityOf(addr(9)), undefined);
  });

  it("starts like NewValidatorSet: zero priorities, then one run (the highest power proposes round 0)", () => {
    const set = ValidatorSet.create([
      { address: addr(1), power: 10n },
      { address: addr(2), power: 20n },
      { address: addr(3), power: 30n },
    ]);
    assert.equal(set.proposer(0), addr(3));
    assert.deepEqual(
      set.priorities().map((x) => x.priority),
      [10n, 20n, -30n],
    );
    assertCentredAndScaled(set);
  });

  it("rejects what NewValidatorSet rejects (TestUpdatesForNewValidatorSet and overflow) and bad addresses", () => {
    throwsCode(() => ValidatorSet.create([]), "empty");
    throwsCode(() => ValidatorSet.create(vals(["v1", 100n], ["v1", 123n], ["v1", 234n])), "duplicate");
    throwsCode(() => ValidatorSet.create(vals(["v1", 0n], ["v2", 22n], ["v3", 33n])), "invalid-power");
    throwsCode(() => ValidatorSet.create(vals(["v1", 10n], ["v2", -20n], ["v3", 30n])), "invalid-power");
    throwsCode(
      () => ValidatorSet.create(vals(["a", MAX_INT64], ["b", MAX_INT64], ["c", MAX_INT64])),
      "power-overflow",
    );
    throwsCode(() => ValidatorSet.create(vals(["a", MAX_TOTAL_VOTING_POWER], ["b", 1n])), "power-overflow");
    assert.equal(ValidatorSet.create(vals(["a", MAX_TOTAL_VOTING_POWER])).totalPower, MAX_TOTAL_VOTING_POWER);
    throwsCode(
      () => ValidatorSet.create([{ address: `0x${"AB".repeat(20)}`, power: 1n }]),
      "invalid-address",
    );
    throwsCode(
      () => ValidatorSet.create([{ address: `0x${"ab".repeat(19)}`, power: 1n }]),
      "invalid-address",
    );
    throwsCode(
      () => ValidatorSet.create([{ address: addr(1), power: 1 as unknown as bigint }]),
      "invalid-power",
    );
  });

  it("is independent of input order and copies its input", () => {
    const input = vals(["v1", 5n], ["v2", 7n], ["v3", 9n]);
    const a = ValidatorSet.create(input);
    const b = ValidatorSet.create([...input].reverse());
    assert.equal(a.equals(b), true, "input order changed the set");
    (input[0] as Validator).power = 1000n;
    assert.equal(a.powerOf(v("v1")), 5n);
    assert.equal(
      Object.isFrozen(a.validators) && Object.isFrozen(a.validators[0]),
      true,
      "validators are mutable",
    );
  });
});

describe("hash and thresholds", () => {
  it("hashes addresses and powers only, as hashValidatorSet does", () => {
    const set = ValidatorSet.create(vals(["v2", 7n], ["v1", 5n]));
    assert.equal(
      set.hash(),
      hashValidatorSet([
        { address: v("v1"), power: 5n },
        { address: v("v2"), power: 7n },
      ]),
    );
    // Priorities change every height; the commitment must not.
    assert.equal(set.next().hash(), set.hash());
    assert.notEqual(set.withUpdates(vals(["v1", 6n])).hash(), set.hash());
    // The next height's set takes the hash over; a power change is hashed afresh, before or after next().
    const updated = set
      .withUpdates(vals(["v1", 6n]))
      .next()
      .next();
    assert.equal(
      updated.hash(),
      hashValidatorSet([
        { address: v("v1"), power: 6n },
        { address: v("v2"), power: 7n },
      ]),
    );
    assert.equal(
      ValidatorSet.create(vals(["v1", 6n], ["v2", 7n]))
        .next()
        .hash(),
      updated.hash(),
    );
  });

  it("hasTwoThirds is power*3 > total*2 and hasOneThird is power*3 > total", () => {
    const set = ValidatorSet.create(testValSet(3, 1n)); // total 3
    assert.equal(set.hasTwoThirds(2n), false);
    assert.equal(set.hasTwoThirds(3n), true);
    assert.equal(set.hasOneThird(1n), false);
    assert.equal(set.hasOneThird(2n), true);
    const hundred = ValidatorSet.create(vals(["a", 100n]));
    assert.deepEqual([hundred.hasTwoThirds(66n), hundred.hasTwoThirds(67n)], [false, true]);
    assert.deepEqual([hundred.hasOneThird(33n), hundred.hasOneThird(34n)], [false, true]);
  });
});

describe("withUpdates (UpdateWithChangeSet)", () => {
  it("applies the TestValSetUpdatesBasicTestsExecute cases and leaves the set centred and scaled", () => {
    const cases: [Validator[], Validator[], Validator[]][] = [
      [testValSet(2, 10n), [], testValSet(2, 10n)],
      [testValSet(2, 10n), vals(["v2", 22n], ["v1", 11n]), vals(["v2", 22n], ["v1", 11n])],
      [
        vals(["v2", 20n], ["v1", 10n]),
        vals(["v4", 40n], ["v3", 30n]),
        vals(["v4", 40n], ["v3", 30n], ["v2", 20n], ["v1", 10n]),
      ],
      [vals(["v3", 20n], ["v1", 10n]), vals(["v2", 30n]), vals(["v2", 30n], ["v3", 20n], ["v1", 10n])],
      [vals(["v3", 20n], ["v2", 10n]), vals(["v1", 30n]), vals(["v1", 30n], ["v3", 20n], ["v2", 10n])],
      [vals(["v3", 30n], ["v2", 20n], ["v1", 10n]), vals(["v2", 0n]), vals(["v3", 30n], ["v1", 10n])],
    ];
    for (const [start, changes, expected] of cases) {
      const set = ValidatorSet.create(start).withUpdates(changes);
      assert.deepEqual(powers(set), new Map(expected.map((x) => [x.address, x.power])));
      assert.deepEqual(
        set.validators.map((x) => x.address),
        [...set.validators.map((x) => x.address)].sort(),
      );
      assertCentredAndScaled(set);
    }
  });

  it("returns the same set for an empty change list (CometBFT returns before rescaling)", () => {
    const set = ValidatorSet.restore({
      validators: [
        { address: addr(1), power: 1n, priority: 500n },
        { address: addr(2), power: 1n, priority: -3n },
      ],
      proposer: null,
    });
    assert.equal(set.withUpdates([]), set);
    // Any real change does rescale: 503 is past the window of 4, ratio ceil(503/4) = 126 gives 3 and 0, centred.
    assert.deepEqual(
      set
        .withUpdates([{ address: addr(1), power: 1n }])
        .priorities()
        .map((x) => x.priority),
      [2n, -1n],
    );
  });

  it("keeps an updated validator's priority", () => {
    const start = ValidatorSet.create(vals(["v1", 10n], ["v2", 20n], ["v3", 30n])).next();
    const updated = start.withUpdates(vals(["v2", 120n]));
    // The spread stays inside the larger window and the sum is unchanged, so nothing moves.
    assert.deepEqual(
      updated.priorities().map((x) => x.priority),
      start.priorities().map((x) => x.priority),
    );
    assert.equal(updated.powerOf(v("v2")), 120n);
  });

  it("prices new validators at -1.125 x (total after updates, before removals), then centres with floor", () => {
    const start = ValidatorSet.restore({
      validators: vals(["v1", 10n], ["v2", 20n], ["v3", 30n]).map((x) => ({ ...x, priority: 0n })),
      proposer: null,
    });
    const changed = start.withUpdates(vals(["v3", 0n], ["v4", 40n]));
    // T = 60 + 40 = 100 counts v3's power although v3 leaves: -(100 + 12) = -112.
    assert.equal(newValidatorPriority(100n), -112n);
    // Sum -112 over 3 validators: floor gives -38 (truncation would give -37).
    assert.deepEqual(
      changed.priorities().map((x) => [x.address, x.priority]),
      [
        [v("v1"), 38n],
        [v("v2"), 38n],
        [v("v4"), -74n],
      ],
    );
  });

  it("puts several new validators at one equal priority below everyone (TestValSetUpdatePriorityOrderTests)", () => {
    const fixed: [Validator[], Validator[], Validator[]][] = [
      [vals(["v3", 1000n], ["v1", 1n], ["v2", 1n]), vals(["v3", 0n]), []],
      [vals(["v3", 1000n], ["v2", 10n], ["v1", 1n]), vals(["v3", 0n]), []],
      [
        vals(["v3", 1000n], ["v2", 2n], ["v1", 1n]),
        vals(["v3", 0n], ["v2", 1n]),
        vals(["v5", 50n], ["v4", 40n]),
      ],
    ];
    const check = (start: Validator[], changes: Validator[], added: Validator[], runs: number) => {
      const set = ValidatorSet.create(start)
        .copyIncrementProposerPriority(runs)
        .withUpdates([...changes, ...added]);
      assertCentredAndScaled(set);
      if (added.length === 0) return;
      const byPriority = set
        .priorities()
        .sort((a, b) => (a.priority < b.priority ? -1 : a.priority > b.priority ? 1 : 0));
      const lowest = byPriority.slice(0, added.length);
      assert.deepEqual(new Set(lowest.map((x) => x.address)), new Set(added.map((x) => x.address)));
      assert.equal(new Set(lowest.map((x) => x.priority)).size, 1);
      const rest = byPriority.slice(added.length);
      assert.ok(
        rest.every((x) => x.priority > (lowest[0]?.priority as bigint)),
        "an old validator ties or undercuts the new ones",
      );
    };
    for (const [start, changes, added] of fixed) check(start, changes, added, 37);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 0, max: 2 ** 32 }),
        (base, addedPowers, runs, seed) => {
          const start = base.map((p, i) => ({ address: addr(i), power: BigInt(p) }));
          // Keep at least one old validator, change some and delete some, chosen by the seed's bits.
          const changes = start.slice(1).flatMap((x, i) => {
            const bits = (seed >>> (2 * (i % 16))) & 3;
            if (bits === 0) return [{ address: x.address, power: 0n }];
            if (bits === 1) return [{ address: x.address, power: x.power + 7n }];
            return [];
          });
          const added = addedPowers.map((p, i) => ({ address: addr(1000 + i), power: BigInt(p) }));
          check(start, changes, added, runs);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("gives the same set for any order of the same changes (TestValSetUpdatesOrderIndependence)", () => {
    const cases: [Validator[], Validator[]][] = [
      [
        vals(["v4", 40n], ["v3", 30n], ["v2", 10n], ["v1", 10n]),
        vals(["v4", 44n], ["v3", 33n], ["v2", 22n], ["v1", 11n]),
      ],
      [vals(["v2", 20n], ["v1", 10n]), vals(["v3", 30n], ["v4", 40n], ["v5", 50n], ["v6", 60n])],
      [vals(["v4", 40n], ["v3", 30n], ["v2", 20n], ["v1", 10n]), vals(["v1", 0n], ["v3", 0n], ["v4", 0n])],
      [
        vals(["v4", 40n], ["v3", 30n], ["v2", 20n], ["v1", 10n]),
        vals(["v1", 0n], ["v3", 0n], ["v2", 22n], ["v5", 50n], ["v4", 44n]),
      ],
    ];
    for (const [start, changes] of cases) {
      const base = ValidatorSet.create(start).next();
      const expected = base.withUpdates(changes);
      fc.assert(
        fc.property(fc.shuffledSubarray(changes, { minLength: changes.length }), (perm) => {
          const got = base.withUpdates(perm);
          assert.equal(got.equals(expected), true, "change order changed the result");
          assertCentredAndScaled(got);
        }),
        { numRuns: 20 },
      );
    }
  });

  it("rejects duplicates, negatives, unknown removals and emptying the set, leaving the set untouched", () => {
    const cases: [Validator[], Validator[], ValidatorSetErrorCode][] = [
      [testValSet(2, 10n), vals(["v1", 11n], ["v1", 22n]), "duplicate"],
      [testValSet(2, 10n), vals(["v2", 11n], ["v2", 22n]), "duplicate"],
      [testValSet(2, 10n), vals(["v1", 11n], ["v2", 22n], ["v1", 12n]), "duplicate"],
      [testValSet(3, 10n), vals(["v1", 11n], ["v3", 22n], ["v1", 12n]), "duplicate"],
      [testValSet(2, 10n), vals(["v1", 0n], ["v1", 0n]), "duplicate"],
      [testValSet(2, 10n), vals(["v2", 0n], ["v2", 0n]), "duplicate"],
      [testValSet(2, 10n), vals(["v1", 0n], ["v2", 0n], ["v1", 0n]), "duplicate"],
      [testValSet(3, 10n), vals(["v1", 0n], ["v3", 0n], ["v1", 0n]), "duplicate"],
      [testValSet(2, 10n), vals(["v1", 0n], ["v2", 20n], ["v1", 30n]), "duplicate"],
      [testValSet(2, 10n), vals(["v1", 0n], ["v2", 20n], ["v2", 30n], ["v1", 0n]), "duplicate"],
      [testValSet(3, 10n), vals(["v1", 0n], ["v3", 5n], ["v2", 20n], ["v2", 30n], ["v1", 0n]), "duplicate"],
      [testValSet(2, 10n), vals(["v1", -123n]), "invalid-power"],
      [testValSet(2, 10n), vals(["v2", -123n]), "invalid-power"],
      [testValSet(2, 10n), vals(["v3", 0n]), "unknown-validator"],
      [vals(["v1", 10n], ["v2", 20n], ["v3", 30n]), vals(["v1", 0n], ["v2", 0n], ["v3", 0n]), "empty-result"],
      [testValSet(2, 10n), [{ address: "0x12" as Address, power: 1n }], "invalid-address"],
    ];
    for (const [start, changes, code] of cases) {
      const set = ValidatorSet.create(start);
      const before = set.snapshot();
      const changesCopy = changes.map((x) => ({ ...x }));
      throwsCode(() => set.withUpdates(changes), code);
      assert.deepEqual(set.snapshot(), before);
      assert.deepEqual(changes, changesCopy);
    }
  });

  it("enforces MaxTotalVotingPower = MaxInt64 / 8 like TestValSetUpdatesOverflows", () => {
    const max = MAX_TOTAL_VOTING_POWER;
    assert.equal(max, 1_152_921_504_606_846_975n);
    const cases: [Validator[], Validator[]][] = [
      [testValSet(2, 10n), vals(["v1", MAX_INT64])],
      [testValSet(2, 10n), vals(["v2", MAX_INT64])],
      [testValSet(1, max), vals(["v2", MAX_INT64])],
      [testValSet(1, max - 1n), vals(["v2", 5n])],
      [testValSet(2, max / 3n), vals(["v3", max / 2n])],
      [testValSet(1, max), vals(["v2", max])],
    ];
    for (const [start, changes] of cases) {
      const set = ValidatorSet.create(start);
      throwsCode(() => set.withUpdates(changes), "power-overflow");
    }
  });

  it("accepts updates that only fit once decreases apply first (TestValSetUpdateOverflowRelated)", () => {
    const max = MAX_TOTAL_VOTING_POWER;
    const ok: [Validator[], Validator[], Validator[]][] = [
      [
        vals(["v2", max - 1n], ["v1", 1n]),
        vals(["v1", max - 1n], ["v2", 1n]),
        vals(["v1", max - 1n], ["v2", 1n]),
      ],
      [
        vals(["v2", max - 1n], ["v1", 1n]),
        vals(["v1", max / 2n - 1n], ["v2", max / 2n]),
        vals(["v2", max / 2n], ["v1", max / 2n - 1n]),
      ],
      [
        vals(["v1", max - 2n], ["v2", 1n], ["v3", 1n]),
        vals(["v4", max - 2n], ["v1", 0n]),
        vals(["v4", max - 2n], ["v2", 1n], ["v3", 1n]),
      ],
      [
        vals(["v1", max / 4n], ["v2", max / 4n], ["v3", max / 4n], ["v4", max / 4n]),
        vals(["v5", 3n], ["v1", max / 2n - 2n], ["v3", max / 2n - 3n], ["v4", 2n], ["v2", 0n]),
        vals(["v1", max / 2n - 2n], ["v3", max / 2n - 3n], ["v5", 3n], ["v4", 2n]),
      ],
    ];
    for (const [start, changes, expected] of ok) {
      const set = ValidatorSet.create(start).withUpdates(changes);
      assert.deepEqual(powers(set), new Map(expected.map((x) => [x.address, x.power])));
      assertCentredAndScaled(set);
    }
    const nine = ValidatorSet.create(testValSet(9, 1n));
    const eight = Array.from({ length: 8 }, (_, i) => ({ address: v(`v${i + 1}`), power: max }));
    throwsCode(() => nine.withUpdates([...eight, { address: v("v9"), power: 8n }]), "power-overflow");
  });

  it("keeps the recorded proposer while it stays a member, else falls back to the highest priority", () => {
    const set = ValidatorSet.create(vals(["v1", 10n], ["v2", 20n], ["v3", 30n]));
    assert.equal(set.proposer(0), v("v3"));
    assert.equal(set.withUpdates(vals(["v1", 11n])).proposer(0), v("v3"));
    const without = set.withUpdates(vals(["v3", 0n]));
    assert.equal(without.snapshot().proposer, null);
    const top = without.priorities().reduce((a, b) => (b.priority > a.priority ? b : a));
    assert.equal(without.proposer(0), top.address);
  });

  it("keeps the set within limits through random update sequences", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 10_000 })), {
          maxLength: 10,
        }),
        (start, ops) => {
          let set = ValidatorSet.create(start.map((p, i) => ({ address: addr(i), power: BigInt(p) })));
          for (const [id, power] of ops) {
            const address = addr(id);
            if (power === 0 && (!set.has(address) || set.size === 1)) continue;
            const expectedTotal = set.totalPower - set.powerOf(address) + BigInt(power);
            set = set.withUpdates([{ address, power: BigInt(power) }]);
            assert.equal(set.totalPower, expectedTotal);
            assert.equal(set.powerOf(address), BigInt(power));
            assertCentredAndScaled(set);
            set = set.next();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("snapshot and restore", () => {
  it("round-trips exactly, including the recorded proposer (TestNewValidatorSetFromExistingValidators)", () => {
    const set = ValidatorSet.create(
      Array.from({ length: 5 }, (_, i) => ({ address: addr(i + 1), power: BigInt(i + 1) })),
    ).copyIncrementProposerPriority(5);
    const restored = ValidatorSet.restore(set.snapshot());
    assert.equal(restored.equals(set), true, "restore changed the set");
    assert.equal(
      restored.copyIncrementProposerPriority(3).equals(set.copyIncrementProposerPriority(3)),
      true,
      "diverged",
    );
    // NewValidatorSet over the same validators resets priorities: a different set.
    assert.equal(ValidatorSet.create(set.validators.map((x) => ({ ...x }))).equals(set), false);
  });

  it("does not recentre or rescale what it restores, and hands out copies", () => {
    const snapshot = {
      validators: [
        { address: addr(2), power: 1n, priority: 900n },
        { address: addr(1), power: 1n, priority: 5n },
      ],
      proposer: addr(2),
    };
    const set = ValidatorSet.restore(snapshot);
    assert.deepEqual(set.priorities(), [
      { address: addr(1), power: 1n, priority: 5n },
      { address: addr(2), power: 1n, priority: 900n },
    ]);
    assert.equal(set.proposer(0), addr(2));
    (set.priorities()[0] as { priority: bigint }).priority = 77n;
    assert.equal(set.priorityOf(addr(1)), 5n);
    // next() does rescale first: ratio ceil(895/4) = 224 gives 0 and 4, centred to -2 and 2, then one run.
    assert.deepEqual(
      set
        .next()
        .priorities()
        .map((x) => x.priority),
      [-1n, 1n],
    );
  });

  it("validates snapshots", () => {
    const ok = { address: addr(1), power: 1n, priority: 0n };
    throwsCode(() => ValidatorSet.restore({ validators: [], proposer: null }), "empty");
    throwsCode(() => ValidatorSet.restore({ validators: [ok, ok], proposer: null }), "duplicate");
    throwsCode(
      () => ValidatorSet.restore({ validators: [{ ...ok, power: 0n }], proposer: null }),
      "invalid-power",
    );
    throwsCode(
      () => ValidatorSet.restore({ validators: [{ ...ok, priority: MAX_INT64 + 1n }], proposer: null }),
      "invalid-priority",
    );
    throwsCode(() => ValidatorSet.restore({ validators: [ok], proposer: addr(2) }), "invalid-proposer");
    throwsCode(
      () =>
        ValidatorSet.restore({ validators: [{ ...ok, power: MAX_TOTAL_VOTING_POWER + 1n }], proposer: null }),
      "power-overflow",
    );
    throwsCode(
      () => ValidatorSet.restore({ validators: [{ ...ok, address: "0xAB" as Address }], proposer: null }),
      "invalid-address",
    );
  });

  it("next() and copyIncrementProposerPriority never change the original", () => {
    const set = ValidatorSet.create(vals(["v1", 3n], ["v2", 5n]));
    const before = set.snapshot();
    set.next();
    set.copyIncrementProposerPriority(7);
    set.proposer(50);
    set.withUpdates(vals(["v3", 4n]));
    assert.deepEqual(set.snapshot(), before);
    throwsCode(() => set.copyIncrementProposerPriority(0), "invalid-round");
  });
});
