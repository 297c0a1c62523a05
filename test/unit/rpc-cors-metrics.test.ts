import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NodeMetrics } from "../../node/observability/metrics.ts";
import { serveMetrics } from "../../node/util/metricsServer.ts";
import { FakeRpcBackend } from "../helpers/rpcBackend.ts";
import { startRpc } from "../helpers/rpcServer.ts";

const CALL = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });

async function postFrom(url: string, origin: string | null): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (origin !== null) headers.Origin = origin;
  return fetch(url, { method: "POST", headers, body: CALL });
}

describe("rpc CORS origins (config rpc.cors_origins)", () => {
  it("any origin by default", async (t) => {
    const { server } = await startRpc(t, new FakeRpcBackend({ alloc: {} }));
    const res = await postFrom(server.url, "https://dapp.example");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
  });

  it("only the listed origins, each answered with its own name; none when the list is empty", async (t) => {
    const backend = new FakeRpcBackend({ alloc: {} });
    const { server } = await startRpc(t, backend, { corsOrigins: ["https://wallet.example"] });
    const allowed = await postFrom(server.url, "https://wallet.example");
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://wallet.example");
    assert.equal(allowed.headers.get("vary"), "Origin");
    const other = await postFrom(server.url, "https://evil.example");
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    // Same-origin and non-browser callers (no Origin header) are served as before.
    const direct = await postFrom(server.url, null);
    assert.equal(direct.status, 200);
    assert.equal(((await direct.json()) as { result: string }).result, "0x1d17");

    const { server: closed } = await startRpc(t, backend, { corsOrigins: [] });
    const refused = await postFrom(closed.url, "https://wallet.example");
    assert.equal(refused.headers.get("access-control-allow-origin"), null);
  });
});

describe("metrics on their own port (config metrics.port)", () => {
  it("serves the registry at GET /metrics and nothing else", async (t) => {
    const metrics = new NodeMetrics();
    const server = await serveMetrics(metrics.registry, { port: 0 });
    t.after(() => server.close());
    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^# HELP outrigger_/m);
    const other = await fetch(server.url.replace("/metrics", "/"));
    assert.equal(other.status, 404);
    await other.text();
    const post = await fetch(server.url, { method: "POST", body: "{}" });
    assert.equal(post.status, 404);
    await post.text();
  });
});
