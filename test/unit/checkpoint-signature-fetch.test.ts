import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type CheckpointSignatureMessage,
  decodeCheckpointSignature,
  encodeCheckpointSignature,
  SignatureFetch,
  type SignatureFetchOptions,
} from "../../node/checkpoint/index.ts";
import type { CertifiedCheckpoint } from "../../node/types/index.ts";
import { silentLogger } from "../../node/util/logger.ts";
import { type CheckpointNode, checkpointNodes } from "../helpers/checkpointNodes.ts";

const OPTS: SignatureFetchOptions = { checkEveryMs: 1_000, pendingMs: 3_000, retryMs: 5_000, peersPerAsk: 3 };

/** The `online` nodes sign checkpoint `number` and receive each other's signatures over gossip. */
async function signAmong(online: CheckpointNode[], number = 1): Promise<void> {
  for (const node of online) await node.coordinator.onEpochEnd(number, true);
  for (const node of online) {
    for (const other of online) {
      if (other === node) continue;
      const data = other.published.at(-1) as Uint8Array;
      if ((await node.coordinator.validate(data)) === "accept") node.coordinator.onMessage(data);
    }
  }
}

/** SignatureFetch for `node`, asking the other nodes (by index) through their own SignatureFetch's serve(). */
function fetcherFor(
  nodes: CheckpointNode[],
  index: number,
  opts: { answer?: (peer: number, items: Uint8Array[]) => Uint8Array[]; stored?: CertifiedCheckpoint } = {},
) {
  const clock = { now: 0 };
  const asked: string[] = [];
  const warnings: string[] = [];
  const fetched: number[] = [];
  const servers = nodes.map(
    (n) =>
      new SignatureFetch(OPTS, {
        coordinator: n.coordinator,
        reqresp: { handleHeld: async () => {}, requestHeld: async () => [] },
        peers: () => [],
        stored: async () => opts.stored ?? null,
        now: () => 0,
        logger: silentLogger,
      }),
  );
  const fetch = new SignatureFetch(OPTS, {
    coordinator: (nodes[index] as CheckpointNode).coordinator,
    reqresp: {
      handleHeld: async () => {},
      requestHeld: async (peer, request) => {
        asked.push(`${peer}:${request.number}`);
        const i = Number(peer);
        const items = await (servers[i] as SignatureFetch).serve(request.number);
        return opts.answer ? opts.answer(i, items) : items;
      },
    },
    peers: () => nodes.map((_, i) => String(i)).filter((p) => p !== String(index)),
    stored: async () => null,
    now: () => clock.now,
    logger: { ...silentLogger, warn: (_o, msg) => void warnings.push(msg ?? "") },
    onFetched: (n) => void fetched.push(n),
    random: () => 0,
  });
  return { fetch, clock, asked, warnings, fetched };
}

describe("SignatureFetch", () => {
  it("a restarted validator that missed the others' signatures gets them by request and certifies", async () => {
    const nodes = checkpointNodes(4);
    // Three signatures reach quorum: only nodes 0 and 1 signed while node 3 was away, and node 2 is down.
    await signAmong(nodes.slice(0, 2));
    const late = nodes[3] as CheckpointNode;
    assert.equal(late.coordinator.heldSignatures(1).length, 0, "node 3 restarted after the epoch's end");
    await late.coordinator.onEpochEnd(1, true);
    assert.equal(late.coordinator.certified(1), null, "its own signature alone");

    const { fetch, asked, fetched } = fetcherFor(nodes, 3);
    assert.equal(await fetch.tick(), 2, "just started: it asks at once and gets nodes 0's and 1's");
    assert.deepEqual(asked.sort(), ["0:1", "1:1", "2:1"]);
    const certified = late.coordinator.certified(1);
    assert.ok(certified, "certified from fetched signatures");
    assert.equal(certified.signatures.length, 3);
    assert.equal(late.certified.length, 1, "onCertified fired");
    assert.deepEqual(fetched, [2]);
    assert.equal(await fetch.tick(), 0);
    assert.equal(asked.length, 3, "certified: it asks no more");

    const other = checkpointNodes(4);
    await signAmong(other.slice(0, 2));
    await other[3]?.coordinator.onEpochEnd(1, true);
    const included = fetcherFor(other, 3);
    other[3]?.coordinator.included(1);
    assert.equal(await included.fetch.tick(), 0);
    assert.deepEqual(included.asked, [], "a block carries it already: nothing to ask for");
  });

  it("waits pendingMs before asking, except right after a start, and asks again only after retryMs", async () => {
    const head = { value: 5 };
    const nodes = checkpointNodes(4, head);
    await nodes[0]?.coordinator.onEpochEnd(1, true);
    const { fetch, clock, asked } = fetcherFor(nodes, 0);
    assert.equal(await fetch.tick(), 0);
    assert.deepEqual(
      asked.sort(),
      ["1:1", "2:1", "3:1"],
      "just started: asked at once (nobody had anything)",
    );
    for (clock.now = 1_000; clock.now < 5_000; clock.now += 1_000) await fetch.tick();
    assert.equal(asked.length, 3, "not again before retryMs");
    clock.now = 5_000;
    await fetch.tick();
    assert.equal(asked.length, 6);

    // The next epoch ends: its checkpoint gets pendingMs to certify by gossip before anyone is asked.
    head.value = 10;
    await nodes[0]?.coordinator.onEpochEnd(2, true);
    asked.length = 0;
    for (clock.now = 6_000; clock.now < 9_000; clock.now += 1_000) await fetch.tick();
    assert.deepEqual(asked, [], "pending for less than pendingMs");
    clock.now = 9_000;
    await fetch.tick();
    assert.deepEqual(asked.sort(), ["1:2", "2:2", "3:2"]);
  });

  it("a forged signature in an answer discards the whole answer, with a warning", async () => {
    const nodes = checkpointNodes(4);
    await signAmong(nodes.slice(0, 3));
    const late = nodes[3] as CheckpointNode;
    await late.coordinator.onEpochEnd(1, true);
    const forge = (items: Uint8Array[]): Uint8Array[] => {
      const [first] = items.map(decodeCheckpointSignature);
      assert.ok(first);
      const other = nodes.find((n) => n.validator.address !== first.signer)?.validator.address;
      assert.ok(other);
      const forged: CheckpointSignatureMessage = { ...first, signer: other };
      return [...items, encodeCheckpointSignature(forged)];
    };
    const { fetch, warnings } = fetcherFor(nodes, 3, { answer: (_peer, items) => forge(items) });
    assert.equal(await fetch.tick(), 0);
    assert.equal(late.coordinator.heldSignatures(1).length, 1, "only its own: nothing fetched was taken");
    assert.equal(late.coordinator.certified(1), null);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0] ?? "", /invalid checkpoint signature; answer dropped/);
  });

  it("serves the pending checkpoint's signatures, else a stored certified one", async () => {
    const nodes = checkpointNodes(4);
    await signAmong(nodes.slice(0, 3));
    const certified = nodes[0]?.coordinator.certified(1);
    assert.ok(certified);
    const served = (await fetcherFor(nodes, 3).fetch.serve(1)).map(decodeCheckpointSignature);
    assert.deepEqual(served, [], "node 3 holds nothing for checkpoint 1");
    const [, , , , server] = [...nodes, ...checkpointNodes(1)];
    assert.ok(server);
    const fromStore = new SignatureFetch(OPTS, {
      coordinator: server.coordinator,
      reqresp: { handleHeld: async () => {}, requestHeld: async () => [] },
      peers: () => [],
      stored: async (number) => (number === 1 ? certified : null),
      now: () => 0,
      logger: silentLogger,
    });
    const stored = (await fromStore.serve(1)).map(decodeCheckpointSignature);
    assert.deepEqual(
      stored.map((m) => m.signer),
      certified.signatures.map((s) => s.validator),
    );
    const pending = (
      await new SignatureFetch(OPTS, {
        coordinator: (nodes[1] as CheckpointNode).coordinator,
        reqresp: { handleHeld: async () => {}, requestHeld: async () => [] },
        peers: () => [],
        stored: async () => null,
        now: () => 0,
        logger: silentLogger,
      }).serve(1)
    ).map(decodeCheckpointSignature);
    assert.equal(pending.length, 3);
    assert.ok(pending.every((m) => m.number === 1 && m.gossipId === undefined));
    assert.deepEqual(await fromStore.serve(2), [], "nothing held, nothing stored");
  });
});

describe("CheckpointCoordinator, resumed", () => {
  it("a checkpoint first taken up without signing (sync) is signed once when called again with sign", async () => {
    const [node] = checkpointNodes(4);
    assert.ok(node);
    await node.coordinator.onEpochEnd(1, false);
    assert.equal(node.published.length, 0);
    assert.equal(node.coordinator.awaitingSignatures(), 1);
    await node.coordinator.onEpochEnd(1, true);
    await node.coordinator.onEpochEnd(1, true);
    assert.equal(node.published.length, 1, "signed and gossiped once");
    assert.equal(decodeCheckpointSignature(node.published[0] as Uint8Array).signer, node.validator.address);
    assert.equal(node.coordinator.heldSignatures(1).length, 1);
  });
});
