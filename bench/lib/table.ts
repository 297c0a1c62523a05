/** A plain-text table for bench output: right-aligned numbers, left-aligned text. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = rows.map((row) => row.map((c) => (typeof c === "number" ? c.toLocaleString("en-US") : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? "").length)));
  const line = (row: readonly string[], numeric: readonly boolean[]) =>
    row.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ");
  const numeric = headers.map((_, i) => rows.every((row) => typeof row[i] === "number"));
  return [
    line(headers, numeric),
    line(
      widths.map((w) => "-".repeat(w)),
      numeric,
    ),
    ...cells.map((row) => line(row, numeric)),
  ].join("\n");
}
