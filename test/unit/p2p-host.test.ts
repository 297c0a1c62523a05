import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { multiaddr } from "@multiformats/multiaddr";
import { P2pError } from "../../node/p2p/errors.ts";
import { createP2pHost } from "../../node/p2p/host.ts";
import type { Network } from "../../node/p2p/network.ts";
import { encodePeerKeyFile, loadOrCreatePeerKey, PEER_KEY_FILE, peerIdOf } from "../../node/p2p/peerKey.ts";
import {
  CHAIN_ID,
  connected,
  GENESIS_HASH,
  Inbox,
  newKey,
  payload,
  silentLogger,
  startNetwork,
  waitFor,
} from "../helpers/p2p.ts";

async function tempHome(t: { after: (fn: () => Promise<unknown>) => void }): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), "outrigger-p2p-"));
  t.after(() => rm(home, { recursive: true, force: true }));
  return home;
}

function isPeerKeyError(err: unknown): boolean {
  assert.ok(err instanceof P2pError);
  assert.equal(err.code, "peer-key");
  assert.match(err.message, /is corrupt/);
  return true;
}

describe("p2p peer key", () => {
  it("is created with mode 0600 and the same key loads after a restart", async (t) => {
    const home = await tempHome(t);
    const first = await loadOrCreatePeerKey(home);
    const path = join(home, PEER_KEY_FILE);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const second = await loadOrCreatePeerKey(home);
    assert.equal(peerIdOf(second), peerIdOf(first));
    assert.ok(second.equals(first));
    assert.equal(JSON.parse(await readFile(path, "utf8")).peerId, peerIdOf(first));
    assert.equal(first.type, "Ed25519");
  });

  it("a corrupt file gives a clear P2pError and is left untouched", async (t) => {
    const home = await tempHome(t);
    const path = join(home, PEER_KEY_FILE);
    await loadOrCreatePeerKey(home);
    const valid = JSON.parse(await readFile(path, "utf8"));
    const other = peerIdOf(await newKey());
    const corruptions = [
      "{not json",
      "[]",
      JSON.stringify({ ...valid, type: "secp256k1" }),
      JSON.stringify({ ...valid, privateKey: "0x0801" }),
      JSON.stringify({ ...valid, privateKey: "not hex" }),
      JSON.stringify({ ...valid, peerId: other }),
    ];
    for (const text of corruptions) {
      await writeFile(path, text, { mode: 0o600 });
      await assert.rejects(loadOrCreatePeerKey(home), isPeerKeyError, text);
      assert.equal(await readFile(path, "utf8"), text, "never replaced silently");
    }
  });

  it("a file that group or others can read is refused with the chmod fix, and left as it is", async (t) => {
    const home = await tempHome(t);
    const path = join(home, PEER_KEY_FILE);
    const key = await loadOrCreatePeerKey(home);
    await chmod(path, 0o644);
    await assert.rejects(loadOrCreatePeerKey(home), (err: unknown) => {
      assert.ok(err instanceof P2pError);
      assert.equal(err.code, "peer-key");
      assert.equal(
        err.message,
        `peer key file ${path} can be read by other users (mode 0644); run \`chmod 600 ${path}\``,
      );
      return true;
    });
    assert.equal((await stat(path)).mode & 0o777, 0o644);
    await chmod(path, 0o600);
    assert.equal(peerIdOf(await loadOrCreatePeerKey(home)), peerIdOf(key));
  });

  it("reads the file `outrigger keys new --type p2p` writes (encodePeerKeyFile)", async (t) => {
    const home = await tempHome(t);
    const key = await newKey();
    await writeFile(join(home, PEER_KEY_FILE), encodePeerKeyFile(key), { mode: 0o600 });
    assert.ok((await loadOrCreatePeerKey(home)).equals(key));
  });
});

describe("p2p host", () => {
  it("rejects bootstrap addresses without a peer id, and skips its own", async (t) => {
    const key = await newKey();
    await assert.rejects(
      createP2pHost(
        {
          chainId: CHAIN_ID,
          genesisHash: GENESIS_HASH,
          privateKey: key,
          bootstrap: ["/ip4/127.0.0.1/tcp/1234"],
        },
        { logger: silentLogger },
      ),
      (err: unknown) => err instanceof P2pError && err.code === "config",
    );
    await assert.rejects(
      createP2pHost(
        { chainId: CHAIN_ID, genesisHash: GENESIS_HASH, privateKey: key, bootstrap: ["garbage"] },
        { logger: silentLogger },
      ),
      (err: unknown) => err instanceof P2pError && err.code === "config",
    );
    const self = `/ip4/127.0.0.1/tcp/9/p2p/${peerIdOf(key)}`;
    const host = await createP2pHost(
      { chainId: CHAIN_ID, genesisHash: GENESIS_HASH, privateKey: key, bootstrap: [self] },
      { logger: silentLogger },
    );
    t.after(() => host.stop());
    assert.equal(host.peerCount(), 0);
    assert.match(
      host.multiaddrs()[0] ?? "",
      new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${peerIdOf(key)}$`),
    );
  });

  it("with dialOnlyBootstrap, dials only its bootstrap addresses, never another address of a known peer", async (t) => {
    const target = await startNetwork();
    t.after(() => target.stop());
    const targetAddr = target.host.multiaddrs()[0] ?? "";
    const other = await startNetwork();
    t.after(() => other.stop());
    const otherAddr = other.host.multiaddrs()[0] ?? "";
    const strict = await startNetwork({ bootstrap: [targetAddr], dialOnlyBootstrap: true });
    t.after(() => strict.stop());
    await waitFor(() => strict.host.peerCount() === 1, "the bootstrap peer is dialled");
    await assert.rejects(
      strict.host.libp2p.dial(multiaddr(otherAddr)),
      "an address not configured is refused",
    );
    const open = await startNetwork({ bootstrap: [targetAddr] });
    t.after(() => open.stop());
    await open.host.libp2p.dial(multiaddr(otherAddr));
    assert.ok(open.host.libp2p.getConnections(other.host.peerId).length > 0, "off by default");
  });

  it("a restarted host (same key, same port) is redialled by its bootstrap peers and gets gossip again", async (t) => {
    const home = await tempHome(t);
    const key = await loadOrCreatePeerKey(home);
    const running: Network[] = [];
    t.after(() => Promise.all(running.map((n) => n.stop())));

    const a = await startNetwork({ privateKey: key });
    running.push(a);
    const address = a.host.multiaddrs()[0] ?? "";
    const b = await startNetwork({ bootstrap: [address] });
    running.push(b);
    const c = await startNetwork({ bootstrap: [address] });
    running.push(c);
    const inbox = new Inbox(a, "vote");
    new Inbox(b, "vote");
    new Inbox(c, "vote");
    await waitFor(() => connected(b, a) && connected(c, a), "b and c to connect to a");
    await waitFor(() => b.gossip.topicPeers("vote").includes(a.peerId), "b to see a's subscription");
    await b.gossip.publish("vote", payload("before"));
    await waitFor(() => inbox.deliveries(payload("before")) === 1, "gossip before the restart");

    await a.stop();
    running.splice(running.indexOf(a), 1);
    await waitFor(() => !connected(b, a) && !connected(c, a), "b and c to notice a is gone");

    // Same key from the same home, same port: b and c know it only from their bootstrap config.
    const port = address.split("/")[4];
    const restarted = await startNetwork({
      privateKey: await loadOrCreatePeerKey(home),
      listen: [`/ip4/127.0.0.1/tcp/${port}`],
    });
    running.push(restarted);
    assert.equal(restarted.peerId, a.peerId);
    const inbox2 = new Inbox(restarted, "vote");
    await waitFor(
      () => connected(b, restarted) && connected(c, restarted),
      "b and c to redial the restarted a",
    );
    await waitFor(
      () => b.gossip.topicPeers("vote").includes(restarted.peerId),
      "b to see the new subscription",
    );
    const after = payload("after");
    await b.gossip.publish("vote", after);
    await waitFor(() => inbox2.deliveries(after) === 1, "gossip after the restart");
  });
});
