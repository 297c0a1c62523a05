import { readFile } from "node:fs/promises";
// TOML as CometBFT's config.toml: comments for operators, and smol-toml is a small, dependency-free, spec-complete parser.
import { parse, stringify, TomlError } from "smol-toml";
import { errorMessage } from "../util/errors.ts";
import { CONFIG_KEYS, type ConfigKey } from "./configKeys.ts";
import { ConfigError } from "./errors.ts";
import { type ConfigLayer, type NodeConfigInput, nodeConfigSchema } from "./nodeConfig.ts";

export const CONFIG_FILE = "config.toml";

/** Reads a node's config.toml as a config layer; an unknown section or key is an error, not a silent no-op. */
export async function readConfigFile(path: string): Promise<ConfigLayer> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ConfigError(
      `cannot read the node config ${path}: ${errorMessage(err)} (create one with \`outrigger init\`)`,
    );
  }
  return parseConfigText(text, path);
}

export function parseConfigText(text: string, source: string): ConfigLayer {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (err) {
    const where = err instanceof TomlError ? ` at line ${err.line}` : "";
    throw new ConfigError(`${source} is not valid TOML${where}: ${firstLine(errorMessage(err))}`);
  }
  const values: Record<string, unknown> = {};
  for (const [section, table] of Object.entries(doc)) {
    if (typeof table !== "object" || table === null || Array.isArray(table) || !isSection(section)) {
      throw new ConfigError(`${source}: unknown section [${section}] (known: ${sectionNames().join(", ")})`);
    }
    for (const [name, value] of Object.entries(table)) {
      const key = CONFIG_KEYS.find((k) => k.section === section && k.key === name);
      if (key === undefined) throw new ConfigError(`${source}: unknown key ${section}.${name}`);
      // TOML has no null: "" unsets what may be unset (the validator key of a full node, the L1 URL).
      values[key.field] = value === "" && key.kind.startsWith("optional") ? null : value;
    }
  }
  return { source, values: values as Partial<NodeConfigInput> };
}

/**
 * config.toml as `outrigger init` writes it: every key under its section with a comment saying what it does;
 * a key unset by default is written commented out with an example, one unset on purpose as "".
 */
export function renderConfigFile(values: Partial<NodeConfigInput>): string {
  const resolved = nodeConfigSchema.parse(values);
  const defaults = nodeConfigSchema.parse({});
  const lines = [
    "# Outrigger node configuration, read by `outrigger node --home <this folder>`.",
    "# Environment variables OUTRIGGER_<SECTION>_<KEY> override a key here; `outrigger node` flags override both.",
  ];
  for (const section of sectionNames()) {
    lines.push("", `[${section}]`);
    for (const key of CONFIG_KEYS.filter((k) => k.section === section)) {
      lines.push(`# ${key.help}`, `# env ${key.env}, flag ${key.flag}`);
      const value = resolved[key.field];
      if (value === null && defaults[key.field] === null) lines.push(`# ${key.key} = ${key.example ?? '""'}`);
      else lines.push(stringify({ [key.key]: value ?? "" }).trim());
    }
  }
  return `${lines.join("\n")}\n`;
}

function sectionNames(): ConfigKey["section"][] {
  return [...new Set(CONFIG_KEYS.map((k) => k.section))];
}

function isSection(name: string): name is ConfigKey["section"] {
  return CONFIG_KEYS.some((k) => k.section === name);
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}
