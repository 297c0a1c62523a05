import { type Command, InvalidArgumentError, Option } from "commander";
import { CONFIG_KEYS, type ConfigKey } from "../../node/config/configKeys.ts";
import { ConfigError } from "../../node/config/errors.ts";
import { fromText, type NodeConfigInput, nodeConfigSchema } from "../../node/config/nodeConfig.ts";
import { intArg } from "./args.ts";

const PLACEHOLDER: Record<ConfigKey["kind"], string> = {
  string: "<value>",
  "optional-string": "<value>",
  list: "<list>",
  port: "<port>",
  "optional-port": "<port>",
  seconds: "<seconds>",
  count: "<n>",
  boolean: "<true|false>",
};

/**
 * One flag per config.toml key (configKeys.ts). Each value is checked as it is parsed, by the file's own rules,
 * so a bad flag is a usage error (exit 2) like any other; the text is kept and becomes a config layer.
 */
export function addConfigOptions(command: Command): Command {
  for (const key of CONFIG_KEYS) {
    const list = key.kind === "list" ? " (comma-separated)" : "";
    const option = new Option(
      `${key.flag} ${PLACEHOLDER[key.kind]}`,
      `${key.section}.${key.key}${list}: ${key.help}`,
    );
    command.addOption(option.argParser((text: string) => checkedText(key, text)));
  }
  return command;
}

function checkedText(key: ConfigKey, text: string): string {
  if (key.kind === "port" || (key.kind === "optional-port" && text !== "")) intArg(0, 65535)(text);
  let value: unknown;
  try {
    value = fromText(text, key.kind, key.flag);
  } catch (err) {
    if (err instanceof ConfigError) throw new InvalidArgumentError(err.message);
    throw err;
  }
  const result = nodeConfigSchema.shape[key.field].safeParse(value);
  if (!result.success) throw new InvalidArgumentError(result.error.issues[0]?.message ?? "invalid value");
  return text;
}

/** The config flags given on the command line, by config field. */
export function configFlagValues(command: Command): Partial<Record<keyof NodeConfigInput, string>> {
  const values: Partial<Record<keyof NodeConfigInput, string>> = {};
  for (const key of CONFIG_KEYS) {
    const option = command.options.find((o) => o.long === key.flag);
    const value = option === undefined ? undefined : command.getOptionValue(option.attributeName());
    if (typeof value === "string") values[key.field] = value;
  }
  return values;
}
