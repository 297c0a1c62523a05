/**
 * A node:test reporter that writes one JSON line per finished test (file, name, duration), so that
 * test/tools/slowest.ts can list the slowest tests of a whole run. Suites are left out: their time is their tests'.
 * Plain JavaScript because node:test loads reporters before any TypeScript loader is in place.
 *
 * @param {AsyncIterable<import("node:test/reporters").TestEvent>} source
 */
// biome-ignore lint/style/noDefaultExport: node:test loads a custom reporter from its default export.
export default async function* timingReporter(source) {
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { name, file, details } = event.data;
    if (details.type === "suite") continue;
    yield `${JSON.stringify({ file, name, ms: Math.round(details.duration_ms), ok: event.type === "test:pass" })}\n`;
  }
}
