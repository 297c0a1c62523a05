// A worker thread's entry: threads do not inherit the loader hooks tsx registered in the process, so the
// TypeScript worker is loaded through tsx's API.
import { tsImport } from "tsx/esm/api";

await tsImport("./scenarioWorker.ts", import.meta.url);
