import fc from "fast-check";
import { parseConfigText, renderConfigFile } from "../../node/config/configFile.ts";
import { CONFIG_KEYS } from "../../node/config/configKeys.ts";
import { ConfigError } from "../../node/config/errors.ts";
import { canonicalGenesisJson, type GenesisJson, parseGenesis } from "../../node/config/genesis.ts";
import { configFromEnv, configFromFlags, resolveNodeConfig } from "../../node/config/nodeConfig.ts";
import { chainOptions } from "../../node/config/serviceOptions.ts";
import { expectTyped, type FuzzTarget, syncTarget } from "./harness.ts";
import { editJson } from "./jsonEdit.ts";

/**
 * The node's config: config.toml through parseConfigText then the full resolution with environment and flag
 * layers (as `outrigger node` runs them), and genesis.json as the node reads it (JSON.parse, which the node
 * wraps in a ConfigError, then parseGenesis and the genesis hash). Only ConfigError may come out.
 */

const VALID_TOML = [
  renderConfigFile({}),
  renderConfigFile({ l1RpcUrl: "http://127.0.0.1:8545", metricsPort: 9100 }),
];

/** Edits of text as an operator's typo or a truncated write would make them. */
type TextEdit =
  | { kind: "insert"; at: number; text: string }
  | { kind: "delete"; at: number; length: number }
  | { kind: "truncate"; at: number }
  | { kind: "line"; at: number; text: string }
  | { kind: "swapLines"; a: number; b: number };

const TOML_SNIPPETS = [
  "=",
  '"',
  "'",
  "[",
  "]",
  "[[",
  "]]",
  "{",
  "}",
  ",",
  "\n",
  "#",
  "\\",
  "\\u",
  "0x",
  "1e999",
  "-0",
  "inf",
  "nan",
  "1979-05-27T07:32:00Z",
  '"""',
  "'''",
  "= []",
  "= {}",
  '= [1, "a"]',
  "= -1",
  "= 99999999",
  "= true",
  "[node]",
  "[p2p]",
  "[rpc]",
  "[l1]",
  "[unknown]",
  "x.y = 1",
  "__proto__ = 1",
  "constructor = {}",
];

const textEditArb: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...TOML_SNIPPETS), fc.string({ maxLength: 12 })),
  }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.nat({ max: 40 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("line" as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom(...TOML_SNIPPETS),
      fc
        .tuple(
          fc.constantFrom(...CONFIG_KEYS.map((k) => k.key)),
          fc.constantFrom(...TOML_SNIPPETS.filter((s) => s.startsWith("="))),
        )
        .map(([key, value]) => `${key} ${value}`),
    ),
  }),
  fc.record({ kind: fc.constant("swapLines" as const), a: fc.nat(), b: fc.nat() }),
);

function applyTextEdit(text: string, edit: TextEdit): string {
  const at = (n: number) => n % (text.length + 1);
  switch (edit.kind) {
    case "insert":
      return text.slice(0, at(edit.at)) + edit.text + text.slice(at(edit.at));
    case "delete":
      return text.slice(0, at(edit.at)) + text.slice(at(edit.at) + edit.length);
    case "truncate":
      return text.slice(0, at(edit.at));
    case "line": {
      const lines = text.split("\n");
      lines[edit.at % lines.length] = edit.text;
      return lines.join("\n");
    }
    case "swapLines": {
      const lines = text.split("\n");
      const a = edit.a % lines.length;
      const b = edit.b % lines.length;
      [lines[a], lines[b]] = [lines[b] ?? "", lines[a] ?? ""];
      return lines.join("\n");
    }
  }
}

function editedText(valid: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...valid), fc.array(textEditArb, { minLength: 1, maxLength: 4 }))
    .map(([text, edits]) => edits.reduce(applyTextEdit, text));
}

const tomlArb = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...VALID_TOML) },
  { weight: 6, arbitrary: editedText(VALID_TOML) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
);

/** A value as text: what an environment variable or a flag holds. */
const settingTextArb = fc.oneof(
  fc.constantFrom(
    "",
    "0",
    "65535",
    "65536",
    "-1",
    "true",
    "false",
    "TRUE",
    "1e3",
    "0x10",
    " 1",
    "a,b,,c",
    "*",
  ),
  fc.string({ maxLength: 30 }),
);

const layerTextsArb = fc.dictionary(fc.constantFrom(...CONFIG_KEYS.map((k) => k.field)), settingTextArb, {
  maxKeys: 5,
});

function resolve(toml: string, env: Record<string, string>, flags: Record<string, string>): void {
  const file = parseConfigText(toml, "config.toml");
  const envLayer = configFromEnv(
    Object.fromEntries(
      Object.entries(env).map(([field, text]) => [
        CONFIG_KEYS.find((k) => k.field === field)?.env ?? field,
        text,
      ]),
    ),
  );
  resolveNodeConfig([file, envLayer, configFromFlags(flags)]);
}

const GENESIS: GenesisJson = {
  chainId: "7447",
  genesisTime: 1_700_000_000_000,
  epochLength: 20,
  unbondingEpochs: 2,
  minGasPrice: "1000000000",
  maxClockDriftMs: 2000,
  timeouts: {
    proposeMs: 1000,
    proposeDeltaMs: 500,
    prevoteMs: 500,
    prevoteDeltaMs: 250,
    precommitMs: 500,
    precommitDeltaMs: 250,
    commitMs: 500,
  },
  validators: [{ address: `0x${"ab".repeat(20)}`, stake: "100000000000000000000", name: "v1" }],
  alloc: [{ address: `0x${"cd".repeat(20)}`, balance: "5" }],
  nativeTokens: [
    { name: "Odol", symbol: "ODOL", decimals: 18, alloc: [{ address: `0x${"cd".repeat(20)}`, amount: "7" }] },
  ],
  l1: {
    chainId: "11155111",
    checkpointManager: `0x${"12".repeat(20)}`,
    bridge: `0x${"34".repeat(20)}`,
    deploymentBlock: 100,
    confirmations: 12,
  },
  gasGrant: "1000",
  gasPool: "1000000",
  slashing: { doubleSignSlashPpm: 50_000, jailHeights: 600 },
  evidenceMaxAgeHeights: 100_000,
};
const GENESIS_TEXT = [JSON.stringify(GENESIS, null, 2), JSON.stringify({ ...GENESIS, l1: null })];

const jsonLeafArb = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    "0",
    "01",
    "-1",
    "1e3",
    `0x${"ab".repeat(20)}`,
    `0x${"AB".repeat(21)}`,
    2 ** 53,
    1e308,
    -0,
    0.5,
    "",
    null,
  ),
);

const genesisTextArb = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...GENESIS_TEXT) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        fc.constantFrom(GENESIS, { ...GENESIS, l1: null }),
        fc.array(fc.record({ path: fc.nat(), value: jsonLeafArb, remove: fc.boolean() }), {
          minLength: 1,
          maxLength: 3,
        }),
      )
      .map(([doc, edits]) => JSON.stringify(edits.reduce(editJson, doc))),
  },
  { weight: 2, arbitrary: editedText(GENESIS_TEXT) },
  { weight: 1, arbitrary: fc.json() },
);

/** As cli/run/node.ts reads genesis.json, then what the node derives from it first. */
function readGenesis(text: string): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`genesis is not valid JSON: ${String(err)}`);
  }
  const genesis = parseGenesis(json);
  canonicalGenesisJson(genesis);
  chainOptions(genesis);
}

export const configTargets: FuzzTarget[] = [
  syncTarget("config.toml", 3, tomlArb, (text) =>
    expectTyped(() => parseConfigText(text, "config.toml"), [ConfigError], "parseConfigText"),
  ),
  syncTarget("config resolution", 2, fc.tuple(tomlArb, layerTextsArb, layerTextsArb), ([toml, env, flags]) =>
    expectTyped(() => resolve(toml, env, flags), [ConfigError], "resolveNodeConfig"),
  ),
  syncTarget("genesis.json", 3, genesisTextArb, (text) =>
    expectTyped(() => readGenesis(text), [ConfigError], "parseGenesis"),
  ),
];
