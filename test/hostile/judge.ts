import { type AnswerRule, Code, type HttpAnswer } from "./cases.ts";

/** Why one JSON-RPC answer breaks its rule, or null when it keeps it. */
function judgeOne(answer: unknown, rule: AnswerRule): string | null {
  if (typeof answer !== "object" || answer === null || Array.isArray(answer))
    return `not a response object: ${preview(answer)}`;
  const a = answer as { jsonrpc?: unknown; error?: { code?: unknown }; result?: unknown };
  if (a.jsonrpc !== "2.0") return `jsonrpc is ${preview(a.jsonrpc)}`;
  if (a.error !== undefined) {
    const code = a.error?.code;
    if (code === Code.Internal) return "internal error -32603";
    if (typeof code !== "number" || !rule.codes.includes(code))
      return `error code ${preview(code)}, expected ${describeRule(rule)}`;
    return null;
  }
  if (!("result" in a)) return "neither result nor error";
  return rule.resultOk ? null : `a result ${preview(a.result)}, expected ${describeRule(rule)}`;
}

function describeRule(rule: AnswerRule): string {
  const parts = rule.codes.map(String);
  if (rule.resultOk) parts.push("a result");
  return parts.join(" or ");
}

export function preview(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 120 ? `${text.slice(0, 120)}...` : text;
}

/** Why an HTTP answer is not the expected one, or null. */
export function judgeHttp(
  observed: { status: number; text: string },
  expect: { status: number; answer: HttpAnswer },
): string | null {
  if (observed.status !== expect.status)
    return `HTTP ${observed.status}, expected ${expect.status}: ${preview(observed.text)}`;
  const { answer } = expect;
  if (answer.kind === "none") return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(observed.text);
  } catch {
    return `the answer is not JSON: ${preview(observed.text)}`;
  }
  if (answer.kind === "single") {
    if (Array.isArray(parsed)) return `a batch answer, expected one response: ${preview(parsed)}`;
    return judgeOne(parsed, answer);
  }
  if (!Array.isArray(parsed)) return `one response, expected a batch of ${answer.length}: ${preview(parsed)}`;
  if (parsed.length !== answer.length) return `${parsed.length} responses, expected ${answer.length}`;
  for (const [i, item] of parsed.entries()) {
    const why = judgeOne(item, answer);
    if (why !== null) return `batch item ${i}: ${why}`;
  }
  return null;
}

/** Why WebSocket responses are not the expected ones, or null. */
export function judgeWsResponses(
  responses: unknown[],
  expect: { errorCodes: readonly number[]; results: number },
): string | null {
  const codes: number[] = [];
  let results = 0;
  for (const r of responses) {
    const m = r as { error?: { code?: unknown }; result?: unknown };
    if (m?.error !== undefined) {
      const code = m.error?.code;
      if (code === Code.Internal) return "internal error -32603";
      codes.push(typeof code === "number" ? code : Number.NaN);
    } else if (m !== null && typeof m === "object" && "result" in m) results++;
    else return `not a response: ${preview(r)}`;
  }
  const got = [...codes].sort((a, b) => a - b).join(",");
  const want = [...expect.errorCodes].sort((a, b) => a - b).join(",");
  if (got !== want || results !== expect.results)
    return `${results} results and errors [${summarize(codes)}], expected ${expect.results} results and errors [${summarize(expect.errorCodes)}]`;
  return null;
}

/** [-32700 x3, -32600] rather than every code. */
function summarize(codes: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([c, n]) => (n === 1 ? `${c}` : `${c} x${n}`)).join(", ");
}
