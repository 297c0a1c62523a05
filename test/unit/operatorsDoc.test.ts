import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import {
  environmentNames,
  OperatorsDocError,
  parseOperatorsDoc,
  readOperatorsDoc,
} from "../helpers/operatorsDoc.ts";

const fence = "```";

describe("the annotations of docs/operators.md", () => {
  it("reads machines, background and skipped blocks, preludes, copies and the environment", () => {
    const steps = parseOperatorsDoc(
      [
        "<!-- environment -->",
        `${fence}sh`,
        "export A_VAR=1 B_VAR=2",
        fence,
        "<!-- machine: all, test: skip (needs a network, and git) -->",
        `${fence}sh`,
        "git clone x",
        fence,
        "<!-- machine: A,E, prelude -->",
        "",
        `${fence}sh`,
        "f() { :; }",
        fence,
        "<!-- machine: E, run: background -->",
        `${fence}sh`,
        "outrigger node",
        fence,
        "<!-- copy: B,C:~/outrigger/$MY_NAME.json -> A:~/network/ -->",
        `${fence}ini`,
        "[Unit]",
        fence,
      ].join("\n"),
    );
    assert.deepEqual(
      steps.map((s) => s.kind),
      ["environment", "run", "prelude", "run", "copy"],
    );
    assert.deepEqual(steps[1], {
      kind: "run",
      machines: ["A", "B", "C", "D"],
      background: false,
      skip: true,
      code: "git clone x\n",
      line: 6,
    });
    assert.deepEqual(steps[2], { kind: "prelude", machines: ["A", "E"], code: "f() { :; }\n", line: 11 });
    assert.equal(steps[3]?.kind === "run" && steps[3].background, true);
    assert.deepEqual(steps[4], {
      kind: "copy",
      from: ["B", "C"],
      path: "~/outrigger/$MY_NAME.json",
      to: ["A"],
      dir: "~/network/",
      line: 18,
    });
  });

  it("refuses a sh block without an annotation right before it, and unknown options", () => {
    assert.throws(() => parseOperatorsDoc(`text\n${fence}sh\nls\n${fence}\n`), OperatorsDocError);
    assert.throws(
      () => parseOperatorsDoc(`<!-- machine: A -->\nsome prose\n${fence}sh\nls\n${fence}\n`),
      /line 3: a sh block without/,
    );
    assert.throws(
      () => parseOperatorsDoc(`<!-- machine: A, run: later -->\n${fence}sh\nls\n${fence}\n`),
      /unknown block option/,
    );
    assert.throws(() => parseOperatorsDoc("<!-- copy: A:~/x -> B:~/y -->\n"), /copy must read/);
  });

  it("lists the names an environment block sets", () => {
    assert.deepEqual(
      [...environmentNames('export A=1 B_2="x y"\n# C=3 in a comment\nD=$HOME/x\n')],
      ["A", "B_2", "D"],
    );
  });

  it("docs/operators.md itself parses, with its node, relayer, stake and withdraw-stake blocks", async () => {
    const steps = await readOperatorsDoc(join(resolve(import.meta.dirname, "../.."), "docs/operators.md"));
    const code = steps.flatMap((s) => ("code" in s ? [s.code] : [])).join("\n");
    for (const command of [
      "outrigger node",
      "outrigger relayer",
      "outrigger stake",
      "outrigger withdraw-stake",
    ])
      assert.ok(code.includes(command), command);
    assert.equal(steps.filter((s) => s.kind === "environment").length, 1);
  });
});
