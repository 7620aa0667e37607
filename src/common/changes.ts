/** `{ field: { from, to } }` for the fields that differ, for audit details of an update. */
export function changesOf<T extends object>(before: T, after: T, fields: Array<keyof T & string>): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const field of fields) {
    if (before[field] !== after[field]) changes[field] = { from: before[field] ?? null, to: after[field] ?? null };
  }
  return changes;
}
