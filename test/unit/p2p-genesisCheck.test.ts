import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import * as lp from "it-length-prefixed";
import type { Hex } from "../../node/crypto/index.ts";
import { genesisProtocolId } from "../../node/p2p/genesisCheck.ts";
import type { P2pLogger } from "../../node/p2p/logger.ts";
import { Network } from "../../node/p2p/network.ts";
import { CHAIN_ID, connected, GENESIS_HASH, newKey, sleep, waitFor } from "../helpers/p2p.ts";

const OTHER_GENESIS = `0x${"99".repeat(32)}` as Hex;

interface Logged {
  msg: string;
  obj: Record<string, unknown>;
}

function recordingLogger(into: Logged[]): P2pLogger {
  const record = (obj: object, msg = "") => into.push({ msg, obj: obj as Record<string, unknown> });
  return { debug() {}, info() {}, warn: record, error: record };
}

async function start(
  t: TestContext,
  opts: { genesisHash?: Hex; chainId?: bigint; bootstrap?: string[]; logs?: Logged[] } = {},
): Promise<Network> {
  const network = await Network.create(
    {
      chainId: opts.chainId ?? CHAIN_ID,
      genesisHash: opts.genesisHash ?? GENESIS_HASH,
      privateKey: await newKey(),
      listen: ["/ip4/127.0.0.1/tcp/0"],
      bootstrap: opts.bootstrap ?? [],
      redial: { minMs: 50, maxMs: 200 },
    },
    { logger: recordingLogger(opts.logs ?? []) },
  );
  t.after(() => network.stop());
  return network;
}

const refusals = (logs: Logged[]) => logs.filter((l) => l.msg.startsWith("peer refused"));

describe("genesis check on every new connection", () => {
  it("keeps a peer with the same genesis hash", async (t) => {
    const logs: Logged[] = [];
    const a = await start(t, { logs });
    const b = await start(t, { bootstrap: a.host.multiaddrs(), logs });
    await waitFor(() => connected(a, b), "a and b connected");
    // Both sides have asked by now or will within the redial period; neither may refuse the other.
    await sleep(300);
    assert.ok(connected(a, b));
    assert.deepEqual(refusals(logs), []);
  });

  it("disconnects a peer with another genesis hash, says why, and keeps it out while it redials", async (t) => {
    const logsA: Logged[] = [];
    const a = await start(t, { logs: logsA });
    const b = await start(t, { genesisHash: OTHER_GENESIS, bootstrap: a.host.multiaddrs() });
    await waitFor(() => refusals(logsA).length > 0, "a refuses b");
    const [refusal] = refusals(logsA);
    assert.match(refusal?.msg ?? "", /genesis hash differs/);
    assert.equal(refusal?.obj.peer, b.peerId);
    assert.equal(refusal?.obj.theirGenesis, OTHER_GENESIS);
    assert.equal(refusal?.obj.ourGenesis, GENESIS_HASH);
    await waitFor(() => !connected(a, b), "a and b disconnected");
    // b redials every 50-200 ms; the refusal lasts a minute, so no connection comes back meanwhile.
    for (let i = 0; i < 10; i++) {
      await sleep(100);
      assert.equal(connected(a, b), false);
    }
  });

  it("disconnects a peer on another chain id (it does not serve our chain's protocol)", async (t) => {
    const logsA: Logged[] = [];
    const a = await start(t, { logs: logsA });
    const b = await start(t, { chainId: CHAIN_ID + 1n, bootstrap: a.host.multiaddrs() });
    await waitFor(() => refusals(logsA).length > 0, "a refuses b");
    assert.match(refusals(logsA)[0]?.msg ?? "", /another chain/);
    await waitFor(() => !connected(a, b), "a and b disconnected");
  });

  it("refuses a peer that answers something other than a 32-byte hash", async (t) => {
    const logsA: Logged[] = [];
    const a = await start(t, { logs: logsA });
    const b = await start(t);
    const protocol = genesisProtocolId(CHAIN_ID);
    await b.host.libp2p.unhandle(protocol);
    await b.host.libp2p.handle(protocol, ({ stream }) => {
      void stream.sink([lp.encode.single(new Uint8Array(5))]);
    });
    await b.host.libp2p.dial(a.host.libp2p.getMultiaddrs()[0] ?? assert.fail("a has no address"));
    await waitFor(() => refusals(logsA).length > 0, "a refuses b");
    assert.match(String(refusals(logsA)[0]?.obj.err), /5 bytes/);
    await waitFor(() => !connected(a, b), "a and b disconnected");
  });
});
