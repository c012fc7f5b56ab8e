/**
 * EventBridge's event-pattern matching, for the operators this program's rules use, written from
 * the Amazon EventBridge User Guide (no emulator of EventBridge is on npm):
 * - "Event patterns" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html):
 *   a pattern has the event's structure; every field the pattern names must match (AND), and a
 *   field's array of values matches when any one does (OR); fields the pattern does not name are
 *   ignored; an array in the event matches when any of its values does.
 * - "Comparison operators" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
 *   exact values, `numeric` ranges (number values only), `exists`, and `$or` (any one of its
 *   patterns, each with the same rules).
 * Any other operator throws rather than answering: a fake must not decide what it does not know.
 */

type Pattern = Readonly<Record<string, unknown>>;

function leafMatches(condition: unknown, value: unknown): boolean {
  if (typeof condition !== "object" || condition === null) {
    return value === condition;
  }
  const entries = Object.entries(condition);
  if (entries.length !== 1) {
    throw new Error(`unsupported pattern condition ${JSON.stringify(condition)}`);
  }
  const [operator, argument] = entries[0];
  if (operator === "exists") {
    return (value !== undefined) === argument;
  }
  if (operator === "numeric") {
    if (typeof value !== "number" || !Array.isArray(argument)) {
      return false;
    }
    for (let i = 0; i < argument.length; i += 2) {
      const [op, bound] = [argument[i] as string, argument[i + 1] as number];
      const ok =
        op === ">="
          ? value >= bound
          : op === ">"
            ? value > bound
            : op === "<="
              ? value <= bound
              : op === "<"
                ? value < bound
                : op === "="
                  ? value === bound
                  : undefined;
      if (ok === undefined) {
        throw new Error(`unsupported numeric operator ${op}`);
      }
      if (!ok) {
        return false;
      }
    }
    return true;
  }
  throw new Error(`unsupported pattern operator ${operator}`);
}

function fieldMatches(condition: unknown, value: unknown): boolean {
  if (Array.isArray(condition)) {
    const values = Array.isArray(value) ? value : [value];
    return condition.some((c) =>
      typeof c === "object" && c !== null && "exists" in c
        ? leafMatches(c, value)
        : values.some((v) => v !== undefined && leafMatches(c, v)),
    );
  }
  if (typeof condition === "object" && condition !== null) {
    return (
      typeof value === "object" && value !== null && matchesPattern(condition as Pattern, value)
    );
  }
  throw new Error(`a pattern's field must be an array or an object: ${JSON.stringify(condition)}`);
}

/** Whether `event` (an EventBridge event, `detail` parsed) matches `pattern`. */
export function matchesPattern(pattern: Pattern, event: object): boolean {
  const fields = event as Record<string, unknown>;
  return Object.entries(pattern).every(([name, condition]) =>
    name === "$or"
      ? (condition as Pattern[]).some((alternative) => matchesPattern(alternative, event))
      : fieldMatches(condition, fields[name]),
  );
}

/** The event EventBridge makes of a PutEvents entry (Amazon EventBridge User Guide, "Events"). */
export function eventOf(
  entry: { readonly Source: string; readonly DetailType: string; readonly Detail: unknown },
  region: string,
  account: string,
): Record<string, unknown> {
  return {
    version: "0",
    id: "00000000-0000-0000-0000-000000000000",
    "detail-type": entry.DetailType,
    source: entry.Source,
    account,
    time: "2026-11-30T10:00:00Z",
    region,
    resources: [],
    detail: typeof entry.Detail === "string" ? JSON.parse(entry.Detail) : entry.Detail,
  };
}
