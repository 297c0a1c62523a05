import { connect, type Socket } from "node:net";
import WebSocket from "ws";
import { errorMessage } from "../../node/util/errors.ts";
import {
  type HostileCase,
  type HttpCase,
  requestCount,
  type SlowLorisCase,
  type SocketCase,
  type WsCase,
  type WsConnectionsCase,
} from "./cases.ts";
import { judgeHttp, judgeWsResponses, preview } from "./judge.ts";

/** Sends the corpus to nodes over HTTP, WebSocket and raw TCP and judges every answer against its case. */

export interface CaseOutcome {
  family: string;
  name: string;
  /** The node's HTTP URL it was sent to. */
  url: string;
  requests: number;
  /** Why the answer was not the expected one; null when it was. */
  unexpected: string | null;
  /** How long the case took, answers included. */
  ms: number;
}

export interface DriverOptions {
  /** HTTP URLs of the nodes; cases are spread over them in turn. */
  urls: readonly string[];
  /** Cases in flight at once. */
  concurrency: number;
  /** The longest any one answer may take. */
  answerTimeoutMs: number;
  /** Called with each outcome as it is known (progress output). */
  onOutcome?: (outcome: CaseOutcome) => void;
}

function wsUrlOf(url: string): string {
  return url.replace(/^http/, "ws");
}

function fetchFailure(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return `no answer: ${cause?.code ?? ""} ${cause?.message ?? errorMessage(err)}`.trim();
}

async function runHttp(c: HttpCase, url: string, timeoutMs: number): Promise<string | null> {
  const method = c.method ?? "POST";
  const target = new URL(c.path ?? "/", url).toString();
  try {
    const res = await fetch(target, {
      method,
      headers: { "content-type": "application/json", ...c.headers },
      ...(method === "GET" || method === "HEAD" ? {} : { body: c.body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return judgeHttp({ status: res.status, text }, c.expect);
  } catch (err) {
    return fetchFailure(err);
  }
}

type WsEvent = { kind: "message"; data: unknown } | { kind: "close"; code: number };

/** A WebSocket whose messages and close are read as a queue, each read with a deadline. */
class WsReader {
  private readonly events: WsEvent[] = [];
  private wake: (() => void) | null = null;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(String(data));
      } catch {
        parsed = String(data);
      }
      // Subscription notifications are not answers to anything sent.
      if ((parsed as { method?: unknown })?.method === "eth_subscription") return;
      this.push({ kind: "message", data: parsed });
    });
    ws.on("close", (code) => this.push({ kind: "close", code }));
    ws.on("error", () => {});
  }

  private push(event: WsEvent): void {
    this.events.push(event);
    this.wake?.();
  }

  async next(deadline: number): Promise<WsEvent | null> {
    while (this.events.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.events.shift() ?? null;
  }
}

async function openWs(url: string, timeoutMs: number): Promise<WebSocket> {
  const ws = new WebSocket(wsUrlOf(url), { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("websocket did not open")), timeoutMs);
    ws.once("open", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return ws;
}

async function runWs(c: WsCase, url: string, timeoutMs: number): Promise<string | null> {
  let ws: WebSocket;
  try {
    ws = await openWs(url, timeoutMs);
  } catch (err) {
    return `websocket failed to open: ${errorMessage(err)}`;
  }
  const reader = new WsReader(ws);
  try {
    for (const frame of c.frames) ws.send(frame.data, { binary: frame.binary });
    const deadline = Date.now() + timeoutMs;
    if ("closeCode" in c.expect) {
      for (;;) {
        const event = await reader.next(deadline);
        if (event === null) return `not closed, expected a close with ${c.expect.closeCode}`;
        if (event.kind === "close")
          return event.code === c.expect.closeCode
            ? null
            : `closed with ${event.code}, expected ${c.expect.closeCode}`;
        return `answered ${preview(event.data)}, expected a close with ${c.expect.closeCode}`;
      }
    }
    const want = c.expect.errorCodes.length + c.expect.results;
    const responses: unknown[] = [];
    while (responses.length < want) {
      const event = await reader.next(deadline);
      if (event === null) return `${responses.length} of ${want} answers came`;
      if (event.kind === "close") return `closed with ${event.code} after ${responses.length} answers`;
      responses.push(event.data);
    }
    const why = judgeWsResponses(responses, c.expect);
    if (why !== null) return why;
    // The connection still serves after all that.
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: "probe", method: "eth_chainId", params: [] }));
    const probe = await reader.next(Date.now() + timeoutMs);
    if (probe?.kind !== "message" || (probe.data as { id?: unknown })?.id !== "probe")
      return `no answer to a valid request afterwards: ${preview(probe)}`;
    return null;
  } finally {
    ws.terminate();
  }
}

function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port) };
}

const STATUS_LINE = /HTTP\/1\.[01] (\d{3})/g;

async function runSocket(c: SocketCase, url: string, timeoutMs: number): Promise<string | null> {
  const { host, port } = hostPort(url);
  const accepted = c.expect.statuses;
  const most = Math.max(...accepted.map((a) => a.length));
  const received = await new Promise<{ text: string; error: string | null }>((resolve) => {
    let text = "";
    const socket = connect({ host, port });
    const finish = (error: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, error });
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on("connect", () => socket.write(c.bytes));
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if ([...text.matchAll(STATUS_LINE)].length >= most) finish(null);
    });
    socket.on("close", () => finish(null));
    socket.on("error", (err) => finish(text === "" ? errorMessage(err) : null));
  });
  const statuses = [...received.text.matchAll(STATUS_LINE)].map((m) => Number(m[1]));
  if (accepted.some((a) => a.join(",") === statuses.join(","))) return null;
  const how = received.error ?? (statuses.length === 0 ? "no status line" : `statuses ${statuses.join(",")}`);
  return `${how}, expected ${accepted.map((a) => a.join(",")).join(" or ")}: ${preview(received.text)}`;
}

async function runSlowLoris(c: SlowLorisCase, url: string, timeoutMs: number): Promise<string | null> {
  const { host, port } = hostPort(url);
  const head = `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n`;
  // Headers that take over 15 minutes to finish, or a body that does once the headers are in.
  const slow = c.trickle === "headers" ? `${head}X-Slow: ${"s".repeat(1000)}` : " ".repeat(1000);
  const prefix = c.trickle === "headers" ? "" : `${head}Content-Length: 1002\r\n\r\n{`;
  const start = Date.now();
  const sockets: Socket[] = [];
  const closedAt: (number | null)[] = [];
  const timers: NodeJS.Timeout[] = [];
  for (let i = 0; i < c.sockets; i++) {
    const socket = connect({ host, port });
    if (prefix !== "") socket.write(prefix);
    sockets.push(socket);
    closedAt.push(null);
    let sent = 0;
    const timer = setInterval(() => {
      if (!socket.writable || sent >= slow.length) return;
      socket.write(slow[sent++] as string);
    }, 1000);
    timers.push(timer);
    socket.on("close", () => {
      closedAt[i] = Date.now() - start;
      clearInterval(timer);
    });
    socket.on("error", () => {});
    socket.on("data", () => {});
  }
  // Others are served meanwhile: a valid request every two seconds, each answered within the answer timeout.
  const failedProbes: string[] = [];
  let probes = 0;
  try {
    while (closedAt.some((t) => t === null) && Date.now() - start < c.closeWithinMs) {
      probes++;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}',
          signal: AbortSignal.timeout(timeoutMs),
        });
        const body = (await res.json()) as { result?: unknown };
        if (typeof body.result !== "string") failedProbes.push(preview(body));
      } catch (err) {
        failedProbes.push(fetchFailure(err));
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  } finally {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
  }
  const open = closedAt.filter((t) => t === null).length;
  if (failedProbes.length > 0)
    return `${failedProbes.length} of ${probes} requests from others failed meanwhile: ${failedProbes[0]}`;
  if (open > 0) return `${open} of ${c.sockets} slow connections still open after ${c.closeWithinMs} ms`;
  if (probes === 0) return "no request from others was tried while the slow connections were open";
  return null;
}

async function runWsConnections(
  c: WsConnectionsCase,
  url: string,
  timeoutMs: number,
): Promise<string | null> {
  const opened = await Promise.allSettled(
    Array.from({ length: c.connections }, () => openWs(url, timeoutMs)),
  );
  const sockets = opened.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
  try {
    const failures = opened.flatMap((o) => (o.status === "rejected" ? [errorMessage(o.reason)] : []));
    const other = failures.filter((f) => !f.includes("503"));
    if (other.length > 0) return `${other.length} connections failed other than with 503: ${other[0]}`;
    if (failures.length < c.minRefused)
      return `${failures.length} of ${c.connections} connections refused, expected at least ${c.minRefused}`;
    // Those taken are served.
    const answers = await Promise.all(
      sockets.map(async (ws, i) => {
        const reader = new WsReader(ws);
        ws.send(JSON.stringify({ jsonrpc: "2.0", id: i, method: "eth_chainId", params: [] }));
        const event = await reader.next(Date.now() + timeoutMs);
        return event?.kind === "message" && (event.data as { result?: unknown })?.result !== undefined;
      }),
    );
    const unserved = answers.filter((ok) => !ok).length;
    if (unserved > 0) return `${unserved} of ${sockets.length} accepted connections got no answer`;
  } finally {
    await Promise.all(
      sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once("close", () => resolve());
            ws.close();
            setTimeout(resolve, 2000).unref();
          }),
      ),
    );
  }
  // The node counts a connection gone once it has seen its close: retried for a moment.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const ws = await openWs(url, timeoutMs);
      ws.terminate();
      return null;
    } catch (err) {
      if (Date.now() > deadline) return `no connection taken after the others closed: ${errorMessage(err)}`;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function runCase(c: HostileCase, url: string, timeoutMs: number): Promise<string | null> {
  switch (c.transport) {
    case "http":
      return runHttp(c, url, timeoutMs);
    case "ws":
      return runWs(c, url, timeoutMs);
    case "socket":
      return runSocket(c, url, timeoutMs);
    case "slowloris":
      return runSlowLoris(c, url, timeoutMs);
    case "ws-connections":
      return runWsConnections(c, url, timeoutMs);
  }
}

/** Runs every case (slow-loris ones alongside the others, on the first node) and returns their outcomes in order. */
export async function runCorpus(cases: readonly HostileCase[], opts: DriverOptions): Promise<CaseOutcome[]> {
  if (opts.urls.length === 0) throw new Error("no node URL to send the corpus to");
  const outcomes: CaseOutcome[] = new Array(cases.length);
  const settle = async (i: number, url: string): Promise<void> => {
    const c = cases[i] as HostileCase;
    let unexpected: string | null;
    const start = Date.now();
    try {
      unexpected = await runCase(c, url, opts.answerTimeoutMs);
    } catch (err) {
      unexpected = `the driver failed: ${errorMessage(err)}`;
    }
    const ms = Date.now() - start;
    const outcome = { family: c.family, name: c.name, url, requests: requestCount(c), unexpected, ms };
    outcomes[i] = outcome;
    opts.onOutcome?.(outcome);
  };
  const background: Promise<void>[] = [];
  const queue: number[] = [];
  const last: number[] = [];
  for (const [i, c] of cases.entries()) {
    // Slow-loris runs alongside everything else; the connection flood alone at the end (it would starve others).
    if (c.transport === "slowloris") background.push(settle(i, opts.urls[0] as string));
    else if (c.transport === "ws-connections") last.push(i);
    else queue.push(i);
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, opts.concurrency) }, async () => {
      while (next < queue.length) {
        const at = next++;
        const i = queue[at] as number;
        await settle(i, opts.urls[at % opts.urls.length] as string);
      }
    }),
  );
  for (const i of last) await settle(i, opts.urls[0] as string);
  await Promise.all(background);
  return outcomes;
}

export interface FamilySummary {
  family: string;
  cases: number;
  sent: number;
  asExpected: number;
  unexpected: number;
}

/** Requests sent, and cases answered as expected or not, per family (in order of first appearance). */
export function summarize(outcomes: readonly CaseOutcome[]): FamilySummary[] {
  const byFamily = new Map<string, FamilySummary>();
  for (const o of outcomes) {
    const s = byFamily.get(o.family) ?? { family: o.family, cases: 0, sent: 0, asExpected: 0, unexpected: 0 };
    s.cases++;
    s.sent += o.requests;
    if (o.unexpected === null) s.asExpected++;
    else s.unexpected++;
    byFamily.set(o.family, s);
  }
  return [...byFamily.values()];
}

export function formatTable(summary: readonly FamilySummary[]): string {
  const rows = [
    ["family", "cases", "sent", "as expected", "unexpected"],
    ...summary.map((s) => [s.family, `${s.cases}`, `${s.sent}`, `${s.asExpected}`, `${s.unexpected}`]),
  ];
  const total = summary.reduce(
    (t, s) => ({
      cases: t.cases + s.cases,
      sent: t.sent + s.sent,
      ok: t.ok + s.asExpected,
      bad: t.bad + s.unexpected,
    }),
    { cases: 0, sent: 0, ok: 0, bad: 0 },
  );
  rows.push(["total", `${total.cases}`, `${total.sent}`, `${total.ok}`, `${total.bad}`]);
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, col) => (col === 0 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0)))
        .join("  "),
    )
    .join("\n");
}
