import { arch, platform, version } from "node:process";

export const VERSION = "0.1.0";
export const CLIENT_VERSION = `outrigger/v${VERSION}/${platform}-${arch}/node${version.slice(1)}`;
