/** Replaces the value at a random path of a JSON document by a random JSON value, or deletes it. */
export type JsonEdit = { path: number; value: unknown; remove: boolean };

export function editJson(doc: unknown, edit: JsonEdit): unknown {
  const root = structuredClone(doc);
  const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const [i, child] of node.entries()) {
        slots.push({ parent: node, key: i });
        visit(child);
      }
    } else if (typeof node === "object" && node !== null)
      for (const [k, child] of Object.entries(node)) {
        slots.push({ parent: node as Record<string, unknown>, key: k });
        visit(child);
      }
  };
  visit(root);
  const slot = slots[edit.path % Math.max(1, slots.length)];
  if (slot === undefined) return edit.value;
  if (Array.isArray(slot.parent)) {
    if (edit.remove) slot.parent.splice(Number(slot.key), 1);
    else slot.parent[Number(slot.key)] = edit.value;
  } else if (edit.remove) delete slot.parent[slot.key];
  else slot.parent[slot.key] = edit.value;
  return root;
}
