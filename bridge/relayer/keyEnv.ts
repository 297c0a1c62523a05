/** Its own module so that the CLI's help can name it without loading the key code (and ethers). */
export const RELAYER_KEY_ENV = "OUTRIGGER_RELAYER_KEY";
