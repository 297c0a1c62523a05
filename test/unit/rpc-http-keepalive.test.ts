import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it } from "node:test";
import { FakeRpcBackend } from "../helpers/rpcBackend.ts";
import { startRpc } from "../helpers/rpcServer.ts";

/** Node's own idle keep-alive timeout, which the RPC server must outlast. */
const NODE_DEFAULT_KEEP_ALIVE_MS = 5_000;

function request(body: string): string {
  return `POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body}`;
}

describe("rpc over HTTP: keep-alive", () => {
  it("keeps an idle keep-alive connection open past Node's 5 s default, and says how long it will", async (t) => {
    const backend = new FakeRpcBackend({ alloc: {} });
    backend.mine();
    const { server } = await startRpc(t, backend);
    const url = new URL(server.url);
    const socket = connect({ port: Number(url.port), host: url.hostname });
    t.after(() => socket.destroy());
    let received = "";
    let closed = false;
    socket.on("data", (d: Buffer) => {
      received += d.toString("latin1");
    });
    socket.on("close", () => {
      closed = true;
    });
    const answers = () => received.split("HTTP/1.1 200").length - 1;
    const until = async (check: () => boolean, what: string) => {
      const deadline = Date.now() + 10_000;
      while (!check()) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const call = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
    socket.write(request(call));
    await until(() => answers() === 1 && received.endsWith("}"), "the first answer");
    assert.match(received, /Keep-Alive: timeout=120/i);
    await new Promise((r) => setTimeout(r, NODE_DEFAULT_KEEP_ALIVE_MS + 500));
    assert.equal(closed, false, "the server closed the idle connection");
    socket.write(request(call));
    await until(() => answers() === 2, "the second answer on the same connection");
  });
});
