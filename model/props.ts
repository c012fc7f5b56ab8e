/**
 * Reading a resource's properties as both the plan and the policy engine hand them over: nested
 * values may arrive as JSON text (IAM documents, provider properties), lists may be absent.
 */
export type Props = Readonly<Record<string, unknown>>;

/** Parses JSON text (IAM documents, provider properties); other values pass through. */
export function jsonValue(value: unknown): unknown {
  if (typeof value !== "string") {
    return value;
  }
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

export function asArray<T>(value: T | readonly T[] | undefined | null): readonly T[] {
  if (value === undefined || value === null) {
    return [];
  }
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** An object property (parsed when it is JSON text); anything else reads as empty. */
export function record(value: unknown): Props {
  const parsed = jsonValue(value);
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Props)
    : {};
}
