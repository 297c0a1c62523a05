import { type Command, Option } from "commander";
import { PASSWORD_ENV } from "./keys/password.ts";
import type { KeysAddressFlags, KeysImportFlags, KeysNewFlags, KeysShowFlags } from "./run/keys.ts";

const passwordFileOption = () =>
  new Option("--password-file <file>", `file holding the keystore password (else env ${PASSWORD_ENV})`);
const hiddenSecretOptions = (cmd: Command): Command =>
  cmd
    .addOption(new Option("--password <password>").hideHelp())
    .addOption(new Option("--private-key <hex>").hideHelp());

export function registerKeysCommand(program: Command): void {
  const keys = program
    .command("keys")
    .description("create, import and inspect validator keystores and p2p identities");

  hiddenSecretOptions(
    keys
      .command("new")
      .description("create a validator keystore (encrypted) or a p2p identity, mode 0600")
      .addOption(
        new Option("--type <type>", "validator or p2p").choices(["validator", "p2p"]).makeOptionMandatory(),
      )
      .requiredOption("--out <file>", "the file to create")
      .addOption(passwordFileOption())
      .option("--force", "overwrite an existing file", false)
      .option("--json", "print JSON", false),
  ).action(async (flags: KeysNewFlags) => {
    const { runKeysNew, processIo } = await import("./run/keys.ts");
    await runKeysNew(flags, processIo);
  });

  hiddenSecretOptions(
    keys
      .command("import")
      .description(
        "encrypt an existing hex validator key (from stdin or --key-file) into a keystore, mode 0600",
      )
      .addOption(new Option("--type <type>", "validator").choices(["validator"]).makeOptionMandatory())
      .requiredOption("--out <file>", "the keystore to create")
      .option("--key-file <file>", "a file holding the hex private key (else read from stdin)")
      .addOption(passwordFileOption())
      .option("--force", "overwrite an existing file", false)
      .option("--json", "print JSON", false),
  ).action(async (flags: KeysImportFlags) => {
    const { runKeysImport, processIo } = await import("./run/keys.ts");
    await runKeysImport(flags, processIo);
  });

  hiddenSecretOptions(
    keys
      .command("show")
      .description("the address (validator) or peer id (p2p) of a key file")
      .argument("<file>", "a validator keystore, hex validator key or p2p key file")
      .option("--reveal-private-key", "also print the private key (decrypts a keystore)", false)
      .addOption(passwordFileOption())
      .option("--json", "print JSON", false),
  ).action(async (file: string, flags: KeysShowFlags) => {
    const { runKeysShow, processIo } = await import("./run/keys.ts");
    await runKeysShow(file, flags, processIo);
  });

  keys
    .command("address")
    .description("print only the address (validator) or peer id (p2p) of a key file")
    .argument("<file>", "a validator keystore, hex validator key or p2p key file")
    .option("--json", "print JSON", false)
    .action(async (file: string, flags: KeysAddressFlags) => {
      const { runKeysAddress, processIo } = await import("./run/keys.ts");
      await runKeysAddress(file, flags, processIo);
    });
}
