// Container health probe: exit 0 when URL answers. `probe.mjs rpc URL` asks eth_chainId of a JSON-RPC server
// (the L1); `probe.mjs get URL` fetches a page (the relayer's /metrics).
const [mode, url] = process.argv.slice(2);
const request =
  mode === "rpc"
    ? {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      }
    : { method: "GET" };
if ((mode !== "rpc" && mode !== "get") || !url) {
  process.stderr.write("usage: probe.mjs rpc|get URL\n");
  process.exit(2);
}
try {
  const res = await fetch(url, { ...request, signal: AbortSignal.timeout(4_000) });
  const body = await res.text();
  const ok = res.ok && (mode === "get" || "result" in JSON.parse(body));
  process.exit(ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`${url}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
