/** JSON values cross the driver boundary as text (cast to jsonb in SQL), identically on both engines. */
export function toJson(value: unknown): string {
  const text = JSON.stringify(value);
  // undefined, functions and symbols have no JSON form; storing SQL NULL instead would lose the write silently.
  if (text === undefined) throw new TypeError(`A ${typeof value} value cannot be stored as JSON`);
  return text;
}
