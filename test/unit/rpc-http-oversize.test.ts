import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { describe, it, type TestContext } from "node:test";
import { FetchRequest } from "ethers";
import { FakeRpcBackend } from "../helpers/rpcBackend.ts";
import { startRpc } from "../helpers/rpcServer.ts";

/**
 * An oversized request always gets its 413, whatever the client: the server answers at once and closes only
 * after the client stopped sending, so no reset can overtake the answer.
 */

const TWO_MIB_TX = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "eth_sendRawTransaction",
  params: [`0x${"ab".repeat(1024 * 1024)}`],
});

async function serve(t: TestContext, opts: { maxBodyBytes?: number } = {}): Promise<URL> {
  const backend = new FakeRpcBackend({ alloc: {} });
  backend.mine();
  const { server } = await startRpc(t, backend, opts);
  return new URL(server.url);
}

function assertTooLarge(status: number, text: string, limit: number): void {
  assert.equal(status, 413, text);
  const body = JSON.parse(text) as { jsonrpc: string; id: null; error: { code: number; message: string } };
  assert.equal(body.jsonrpc, "2.0");
  assert.equal(body.error.code, -32600);
  assert.match(body.error.message, new RegExp(`too large: the limit is ${limit} bytes`));
}

interface RawExchange {
  /** What the server sent, in full. */
  response: string;
  /** Bytes of the body the client had written when the status line arrived. */
  sentWhenAnswered: number;
  /** Bytes of the body the client had written when the server closed its side (FIN); -1: it never did. */
  sentWhenClosed: number;
  /** A reset or refused write seen by the client, if any. */
  socketError: string | null;
}

/**
 * Sends the headers, then the body in slow chunks, reading whatever the server says meanwhile. The socket is
 * half-open, as a client still sending its body is: the server's FIN does not stop the writes, only a reset does.
 */
function slowPost(url: URL, headers: string, chunks: Buffer[], gapMs: number): Promise<RawExchange> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ port: Number(url.port), host: url.hostname, allowHalfOpen: true });
    let response = "";
    let sent = 0;
    let sentWhenAnswered = -1;
    let sentWhenClosed = -1;
    let socketError: string | null = null;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      socket.destroy();
      resolve({ response, sentWhenAnswered, sentWhenClosed, socketError });
    };
    socket.on("data", (d: Buffer) => {
      if (sentWhenAnswered < 0) sentWhenAnswered = sent;
      response += d.toString("latin1");
    });
    socket.on("end", () => {
      sentWhenClosed = sent;
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      socketError = err.code ?? err.message;
      finish();
    });
    socket.on("connect", async () => {
      socket.write(headers);
      for (const chunk of chunks) {
        await new Promise((r) => setTimeout(r, gapMs));
        if (finished) return;
        socket.write(chunk);
        sent += chunk.length;
      }
      // Give the server a moment to close after the last byte; a server that has not by then left it hanging.
      const deadline = Date.now() + 5_000;
      while (sentWhenClosed < 0 && !finished && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      finish();
    });
  });
}

function parseHttp(raw: string): { status: number; headers: Map<string, string>; body: string } {
  const split = raw.indexOf("\r\n\r\n");
  assert.ok(split > 0, `no complete HTTP response in ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine = "", ...lines] = raw.slice(0, split).split("\r\n");
  const headers = new Map(
    lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
  );
  return { status: Number(statusLine.split(" ")[1]), headers, body: raw.slice(split + 4) };
}

describe("rpc over HTTP: oversized requests", () => {
  it("answers every 2 MiB request through fetch (undici) with 413", async (t) => {
    const url = await serve(t);
    for (let i = 0; i < 100; i++) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: TWO_MIB_TX,
      });
      assertTooLarge(res.status, await res.text(), 1024 * 1024);
      assert.equal(res.headers.get("connection"), "close");
    }
  });

  it("answers a 2 MiB request through ethers' FetchRequest with 413", async (t) => {
    const url = await serve(t);
    for (let i = 0; i < 20; i++) {
      const req = new FetchRequest(url.href);
      req.body = TWO_MIB_TX;
      req.setHeader("content-type", "application/json");
      const res = await req.send();
      assertTooLarge(res.statusCode, res.bodyText, 1024 * 1024);
    }
  });

  it("answers a slow client at once and lets it finish its body before closing gracefully", async (t) => {
    const limit = 4096;
    const url = await serve(t, { maxBodyBytes: limit });
    const chunks = Array.from({ length: 16 }, () => Buffer.alloc(1024, "a"));
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const exchange = await slowPost(
      url,
      `POST / HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`,
      chunks,
      15,
    );
    // The declared length already tells the server: the answer comes before the body is sent.
    assert.ok(exchange.sentWhenAnswered >= 0 && exchange.sentWhenAnswered < total, JSON.stringify(exchange));
    // ...and it hangs up only once the whole body is in, with a FIN, never a reset.
    assert.equal(exchange.socketError, null);
    assert.equal(exchange.sentWhenClosed, total);
    const res = parseHttp(exchange.response);
    assert.equal(res.headers.get("connection"), "close");
    assertTooLarge(res.status, res.body, limit);
  });

  it("refuses a slow chunked body once it passes the limit, and still closes gracefully", async (t) => {
    const limit = 4096;
    const url = await serve(t, { maxBodyBytes: limit });
    const chunk = Buffer.from(`400\r\n${"a".repeat(1024)}\r\n`);
    const chunks = [...Array.from({ length: 12 }, () => chunk), Buffer.from("0\r\n\r\n")];
    const exchange = await slowPost(
      url,
      `POST / HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      chunks,
      15,
    );
    assert.equal(exchange.socketError, null);
    assert.equal(
      exchange.sentWhenClosed,
      chunks.reduce((n, c) => n + c.length, 0),
    );
    const res = parseHttp(exchange.response);
    assertTooLarge(res.status, res.body, limit);
  });

  it("cuts off a body far over the limit, after the answer is written", async (t) => {
    const limit = 4096;
    const url = await serve(t, { maxBodyBytes: limit });
    // Declared as 1 GiB and never finished: the server reads at most a few times the limit, then hangs up.
    const chunks = Array.from({ length: 64 }, () => Buffer.alloc(1024, "a"));
    const exchange = await slowPost(
      url,
      `POST / HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${2 ** 30}\r\n\r\n`,
      chunks,
      1,
    );
    assert.ok(exchange.socketError !== null || exchange.sentWhenClosed >= 0, "the connection was left open");
    assert.ok(exchange.sentWhenClosed < 64 * 1024, JSON.stringify(exchange));
    const res = parseHttp(exchange.response);
    assertTooLarge(res.status, res.body, limit);
  });
});
