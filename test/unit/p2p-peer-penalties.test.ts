import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Libp2p, PeerId } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { BootstrapDialer } from "../../node/p2p/bootstrap.ts";
import { RefusedPeers } from "../../node/p2p/genesisCheck.ts";
import type { P2pLogger } from "../../node/p2p/logger.ts";
import { type DisconnectReason, PeerGuard, type PeerGuardOptions } from "../../node/p2p/peerGuard.ts";
import {
  BAN_PENALTY,
  PENALTY_WEIGHTS,
  PeerPenalties,
  type PenaltyCause,
} from "../../node/p2p/peerPenalties.ts";
import { GOSSIP_SCORE_THRESHOLDS } from "../../node/p2p/scoring.ts";
import { newKey, silentLogger, sleep } from "../helpers/p2p.ts";

const HALF_LIFE_MS = 60_000;

function penalties(clock: { now: number }, maxPeers = 1024, causes: PenaltyCause[] = []): PeerPenalties {
  return new PeerPenalties(
    { halfLifeMs: HALF_LIFE_MS, maxPeers },
    { now: () => clock.now, onPenalty: (cause) => causes.push(cause) },
  );
}

async function newPeerId(): Promise<PeerId> {
  return peerIdFromPrivateKey(await newKey());
}

interface Logged {
  fields: Record<string, unknown>;
  message: string;
}

function recordingLogger(warnings: Logged[]): P2pLogger {
  return {
    ...silentLogger,
    warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }),
  } as P2pLogger;
}

describe("peer penalties", () => {
  it("a handful of offences reaches the graylist threshold and the ban level; a lie about the chain weighs more", () => {
    const clock = { now: 0 };
    const causes: PenaltyCause[] = [];
    const book = penalties(clock, 1024, causes);
    assert.equal(book.penalty("a"), 0);
    assert.equal(book.appSpecificScore("a"), 0);
    for (let i = 0; i < 3; i++) book.add("a", "bad-request");
    assert.ok(book.penalty("a") < BAN_PENALTY, "three broken frames are not enough");
    book.add("a", "bad-response");
    assert.equal(book.penalty("a"), BAN_PENALTY);
    assert.ok(book.appSpecificScore("a") <= GOSSIP_SCORE_THRESHOLDS.graylistThreshold);
    assert.equal(book.appSpecificScore("a"), -book.penalty("a"));
    assert.deepEqual(causes, ["bad-request", "bad-request", "bad-request", "bad-response"]);

    assert.equal(PENALTY_WEIGHTS["bad-block"], 2 * PENALTY_WEIGHTS["bad-request"]);
    book.add("b", "bad-block");
    book.add("b", "bad-block");
    assert.equal(book.penalty("b"), BAN_PENALTY);
    // A quota refusal alone takes many: an eager honest peer earns one now and then.
    for (let i = 0; i < 10; i++) book.add("c", "rate-limited");
    assert.ok(book.penalty("c") < BAN_PENALTY / 4);
  });

  it("penalties halve every half-life and are forgotten once negligible", () => {
    const clock = { now: 1_000 };
    const book = penalties(clock);
    const weight = PENALTY_WEIGHTS["bad-block"];
    book.add("a", "bad-block");
    assert.equal(book.penalty("a"), weight);
    clock.now += HALF_LIFE_MS;
    assert.equal(book.penalty("a"), weight / 2);
    clock.now += HALF_LIFE_MS;
    assert.equal(book.penalty("a"), weight / 4);
    // A new offence adds to what is left, not to the original.
    book.add("a", "bad-block");
    assert.equal(book.penalty("a"), weight + weight / 4);
    assert.equal(book.size, 1);
    clock.now += 30 * HALF_LIFE_MS;
    assert.equal(book.penalty("a"), 0);
    assert.equal(book.size, 0, "a forgiven peer is no longer tracked");
  });

  it("tracks a bounded number of peers, forgetting the least penalised, never the worst or the newest", () => {
    const clock = { now: 0 };
    const book = penalties(clock, 8);
    book.add("worst", "bad-block");
    book.add("worst", "bad-block");
    for (let i = 0; i < 100; i++) book.add(`sybil-${i}`, "rate-limited");
    assert.equal(book.size, 8);
    assert.equal(book.penalty("worst"), 2 * PENALTY_WEIGHTS["bad-block"]);
    assert.equal(book.penalty("sybil-99"), PENALTY_WEIGHTS["rate-limited"]);
    assert.equal(book.penalty("sybil-0"), 0, "an early light offender was forgotten");
    // One peer's repeated small offences still add up in a full table.
    for (let i = 0; i < 3; i++) book.add("repeat", "rate-limited");
    assert.equal(book.size, 8);
    assert.equal(book.penalty("repeat"), 3 * PENALTY_WEIGHTS["rate-limited"]);
  });
});

describe("peer guard", () => {
  const OPTS: PeerGuardOptions = {
    checkEveryMs: 1_000,
    banMs: 600_000,
    graylistThreshold: GOSSIP_SCORE_THRESHOLDS.graylistThreshold,
    banPenalty: BAN_PENALTY,
  };

  it("disconnects and bans a graylisted peer and a peer penalised past the ban level, and no other", async () => {
    const [graylisted, penalised, good, persistentBad] = await Promise.all([
      newPeerId(),
      newPeerId(),
      newPeerId(),
      newPeerId(),
    ]);
    const scores = new Map([
      [graylisted.toString(), GOSSIP_SCORE_THRESHOLDS.graylistThreshold - 1],
      [penalised.toString(), -10],
      [good.toString(), GOSSIP_SCORE_THRESHOLDS.graylistThreshold + 1],
      [persistentBad.toString(), GOSSIP_SCORE_THRESHOLDS.graylistThreshold - 100],
    ]);
    const penaltyOf = new Map([
      [penalised.toString(), BAN_PENALTY],
      [good.toString(), BAN_PENALTY - 1],
    ]);
    const events: string[] = [];
    const reasons: DisconnectReason[] = [];
    const warnings: Logged[] = [];
    let finishHangUps: () => void = () => {};
    const hangUps = new Promise<void>((resolve) => {
      finishHangUps = resolve;
    });
    let connected = [graylisted, penalised, good, persistentBad];
    const guard = new PeerGuard(OPTS, {
      connectedPeers: () => connected,
      gossipScore: (peer) => scores.get(peer.toString()) ?? 0,
      penalty: (peer) => penaltyOf.get(peer) ?? 0,
      refuse: (peer, forMs) => events.push(`refuse ${peer.toString()} ${forMs}`),
      hangUp: async (peer) => {
        events.push(`hangUp ${peer.toString()}`);
        await hangUps;
      },
      isPersistent: (peer) => peer.equals(persistentBad),
      logger: recordingLogger(warnings),
      onDisconnect: (reason) => reasons.push(reason),
    });

    const out = guard.check();
    assert.deepEqual(out, [graylisted.toString(), penalised.toString(), persistentBad.toString()]);
    assert.deepEqual(reasons, ["gossip-score", "penalties", "gossip-score"]);
    for (const peer of out) {
      const refuse = events.indexOf(`refuse ${peer} ${OPTS.banMs}`);
      assert.ok(refuse >= 0 && refuse < events.indexOf(`hangUp ${peer}`), "banned before hung up");
    }
    assert.equal(warnings.length, 3, "one warn line per disconnect");
    assert.deepEqual(
      warnings.map((w) => [w.fields.peer, w.fields.reason, w.fields.persistent]),
      [
        [graylisted.toString(), "gossip-score", false],
        [penalised.toString(), "penalties", false],
        [persistentBad.toString(), "gossip-score", true],
      ],
    );
    assert.equal(warnings[0]?.fields.score, GOSSIP_SCORE_THRESHOLDS.graylistThreshold - 1);

    // While the hang-ups are under way the peers still show as connected: they are not disconnected twice.
    assert.deepEqual(guard.check(), []);
    finishHangUps();
    await sleep(0);
    connected = [good];
    assert.deepEqual(guard.check(), []);
    assert.equal(warnings.length, 3);
  });

  it("runs its check every checkEveryMs between start and stop", async () => {
    let looks = 0;
    const guard = new PeerGuard(
      { ...OPTS, checkEveryMs: 20 },
      {
        connectedPeers: () => {
          looks++;
          return [];
        },
        gossipScore: () => 0,
        penalty: () => 0,
        refuse: () => {},
        hangUp: async () => {},
        isPersistent: () => false,
        logger: silentLogger,
      },
    );
    guard.start();
    await sleep(150);
    guard.stop();
    const seen = looks;
    assert.ok(seen >= 2, `looked ${seen} times`);
    await sleep(100);
    assert.equal(looks, seen, "no look after stop");
  });
});

describe("refused peers and the bootstrap dialer", () => {
  it("a shorter refusal never cuts a longer one short", async () => {
    const clock = { now: 0 };
    const refused = new RefusedPeers(() => clock.now);
    const peer = await newPeerId();
    refused.refuse(peer, 600_000);
    refused.refuse(peer, 60_000);
    clock.now = 300_000;
    assert.equal(refused.has(peer), true);
    assert.equal(refused.remainingMs(peer), 300_000);
    clock.now = 600_000;
    assert.equal(refused.has(peer), false);
    assert.equal(refused.remainingMs(peer), 0);
  });

  it("does not redial a refused bootstrap peer until its refusal ends", async () => {
    const self = await newPeerId();
    const target = await newPeerId();
    const listeners = new Map<string, (evt: CustomEvent<PeerId>) => void>();
    const dials: number[] = [];
    let connected = true;
    const fake = {
      peerId: self,
      addEventListener: (type: string, fn: (evt: CustomEvent<PeerId>) => void) => listeners.set(type, fn),
      removeEventListener: (type: string) => listeners.delete(type),
      getConnections: () => (connected ? [{}] : []),
      dial: async () => {
        dials.push(Date.now());
        throw new Error("denied by the gater");
      },
    };
    const refusedUntil = Date.now() + 400;
    const dialer = new BootstrapDialer(
      fake as unknown as Libp2p,
      [{ peerId: target, addr: multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${target.toString()}`) }],
      { minMs: 10, maxMs: 40 },
      silentLogger,
      () => Math.max(0, refusedUntil - Date.now()),
    );
    dialer.start();
    connected = false;
    const started = Date.now();
    listeners.get("peer:disconnect")?.(new CustomEvent("peer:disconnect", { detail: target }));
    await sleep(300);
    assert.equal(dials.length, 0, "no dial while the peer is refused");
    await sleep(400);
    dialer.stop();
    assert.ok(dials.length >= 1, "the dialer redials once the refusal is over");
    const first = dials[0] ?? 0;
    assert.ok(first >= refusedUntil - 5, `first redial after ${first - started} ms`);
  });
});
