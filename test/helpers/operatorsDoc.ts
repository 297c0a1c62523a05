import { readFile } from "node:fs/promises";

/**
 * The runnable steps of docs/operators.md, read from its annotations, so the e2e test runs exactly what the page
 * says. Each ```sh block is preceded by one HTML comment saying what it is:
 * - `<!-- environment -->`: the variables every block uses (the test runs it, then overrides some of them);
 * - `<!-- machine: A,B, prelude -->`: shell definitions put before every block run on those machines;
 * - `<!-- machine: all -->` (A to D) or `<!-- machine: E -->`: run there, in order, to completion;
 *   `run: background` for a long-running command, `test: skip (why)` for what the test cannot run.
 * A comment `<!-- copy: B,C:~/path -> A:~/dir/ -->` on its own stands for a file an operator sends to another.
 */

export const ALL_MACHINES = ["A", "B", "C", "D"] as const;

export type DocStep =
  | { kind: "environment"; code: string; line: number }
  | { kind: "prelude"; machines: string[]; code: string; line: number }
  | { kind: "run"; machines: string[]; background: boolean; skip: boolean; code: string; line: number }
  | { kind: "copy"; from: string[]; path: string; to: string[]; dir: string; line: number };

export class OperatorsDocError extends Error {
  override readonly name = "OperatorsDocError";
}

const COMMENT = /^<!--\s*(.*?)\s*-->$/;

function machineList(text: string, line: number): string[] {
  const machines = text
    .split(",")
    .map((m) => m.trim())
    .flatMap((m) => (m === "all" ? [...ALL_MACHINES] : [m]));
  for (const m of machines)
    if (!/^[A-Z]$/.test(m))
      throw new OperatorsDocError(`line ${line}: bad machine name ${JSON.stringify(m)}`);
  return machines;
}

function parseCopy(spec: string, line: number): DocStep {
  const match = /^([A-Z,]+):(\S+)\s*->\s*([A-Z,]+):(\S+\/)$/.exec(spec);
  if (match === null)
    throw new OperatorsDocError(`line ${line}: copy must read "FROM:~/file -> TO:~/dir/", got ${spec}`);
  const [, from, path, to, dir] = match as unknown as [string, string, string, string, string];
  return { kind: "copy", from: machineList(from, line), path, to: machineList(to, line), dir, line };
}

/** The annotation of a ```sh block: `machine: LIST` then `, prelude`, `, run: background`, `, test: skip (...)`. */
function parseBlockAnnotation(text: string, code: string, line: number): DocStep {
  if (text === "environment") return { kind: "environment", code, line };
  const match = /^machine:\s*([A-Za-z,]+)((?:,\s+.*)?)$/.exec(text);
  if (match === null) throw new OperatorsDocError(`line ${line}: a sh block needs <!-- machine: ... -->`);
  const machines = machineList(match[1] as string, line);
  // The skip reason is free text (commas included): it ends the annotation.
  const skipAt = (match[2] ?? "").search(/,\s+test: skip/);
  const skip = skipAt >= 0;
  const options = (skip ? (match[2] ?? "").slice(0, skipAt) : (match[2] ?? ""))
    .split(/,\s+/)
    .map((o) => o.trim())
    .filter(Boolean);
  let background = false;
  let prelude = false;
  for (const option of options) {
    if (option === "prelude") prelude = true;
    else if (option === "run: background") background = true;
    else throw new OperatorsDocError(`line ${line}: unknown block option ${JSON.stringify(option)}`);
  }
  if (prelude) return { kind: "prelude", machines, code, line };
  return { kind: "run", machines, background, skip, code, line };
}

export function parseOperatorsDoc(text: string): DocStep[] {
  const lines = text.split("\n");
  const steps: DocStep[] = [];
  let pending: { text: string; line: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trimEnd();
    const comment = COMMENT.exec(line);
    if (comment !== null) {
      const body = comment[1] as string;
      if (body.startsWith("copy:")) steps.push(parseCopy(body.slice(5).trim(), i + 1));
      else pending = { text: body, line: i + 1 };
      continue;
    }
    if (line.startsWith("```")) {
      const lang = line.slice(3).trim();
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !(lines[i] as string).startsWith("```"); i++)
        body.push(lines[i] as string);
      if (i >= lines.length) throw new OperatorsDocError(`line ${start + 1}: unclosed code block`);
      if (lang === "sh") {
        if (pending === null)
          throw new OperatorsDocError(`line ${start + 1}: a sh block without a <!-- machine: ... --> line`);
        steps.push(parseBlockAnnotation(pending.text, `${body.join("\n")}\n`, start + 1));
      }
      pending = null;
      continue;
    }
    // An annotation belongs to the block right after it (blank lines aside), never to a later one.
    if (line !== "") pending = null;
  }
  return steps;
}

export async function readOperatorsDoc(path: string): Promise<DocStep[]> {
  return parseOperatorsDoc(await readFile(path, "utf8"));
}

/** The names the environment block sets (`export A=1 B=2`, `NAME=...`), so the test overrides only those. */
export function environmentNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const raw of code.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    for (const match of line.matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=/g)) names.add(match[1] as string);
  }
  return names;
}
