/**
 * Values the offline engine makes up and `pulumi up` learns from AWS: ids, ARNs, endpoints, name
 * servers. `pulumi preview` shows such a value as unknown ("output<string>") until the resource
 * exists; the plan prints it as known after deploy, and the plan JSON, which keeps the mocked
 * value, lists where it is (so nobody copies a mocked name server into a parent zone).
 */
import type { RecordedResource } from "./engine";

/** How the printout shows a value only AWS can give. */
export const KNOWN_AFTER_DEPLOY = "(known after deploy)";

/** Every string in a value, at any depth. */
function strings(value: unknown): string[] {
  if (typeof value === "string") {
    return [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap(strings);
  }
  if (typeof value === "object" && value !== null) {
    return Object.values(value).flatMap(strings);
  }
  return [];
}

/**
 * The strings the engine made up: a resource's outputs that are none of its own inputs. A mocked
 * output that equals one of its inputs (a table's id is its name) is what AWS returns, and is kept
 * known; so are short strings and the `known` ones (the account and the regions, which the
 * provider knows before anything is created). An ARN's last part counts on its own when it is made
 * up too (a secret's name with AWS's random suffix, a multi-Region key's id): the program builds
 * the replica's ARN in the other region from it. `printable` is how the engine prints a value.
 */
export function madeUpValues(
  resources: readonly RecordedResource[],
  known: readonly string[],
  printable: (value: unknown) => unknown,
): ReadonlySet<string> {
  const madeUp = new Set<string>();
  for (const resource of resources) {
    // A local component's outputs are its children's values; a remote one's (awsx) are mocked.
    if (!resource.custom && !resource.remote) {
      continue;
    }
    const inputs = strings(resource.rawInputs);
    const own = new Set(inputs);
    const outputs = [resource.id, ...strings(resource.outputs)].filter(
      (value) => value.length >= 8 && !own.has(value) && !known.includes(value),
    );
    // The part AWS adds is in none of the inputs (a replica's ARN names its table, an input).
    const arnIds = outputs
      .filter((value) => value.startsWith("arn:"))
      .map((arn) => arn.slice(Math.max(arn.lastIndexOf(":"), arn.lastIndexOf("/")) + 1))
      .filter((id) => id.length >= 8 && !inputs.some((input) => input.includes(id)));
    for (const value of [...outputs, ...arnIds]) {
      madeUp.add(String(printable(value)));
    }
  }
  return madeUp;
}

/** Whether a string is, or is built from, a value the engine made up. */
function isMadeUp(text: string, madeUp: ReadonlySet<string>): boolean {
  if (madeUp.has(text)) {
    return true;
  }
  for (const value of madeUp) {
    if (text.includes(value)) {
      return true;
    }
  }
  return false;
}

/** The dotted paths (`a.b[0]`) in a value of every string that holds a made-up value. */
export function madeUpPaths(value: unknown, madeUp: ReadonlySet<string>, path = ""): string[] {
  if (typeof value === "string") {
    return isMadeUp(value, madeUp) ? [path] : [];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => madeUpPaths(item, madeUp, `${path}[${i}]`));
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) =>
      madeUpPaths(item, madeUp, path === "" ? key : `${path}.${key}`),
    );
  }
  return [];
}

/** A value for printing: each made-up string, and each object made only of them, unknown. */
export function withUnknowns(value: unknown, madeUp: ReadonlySet<string>): unknown {
  if (typeof value === "string") {
    return isMadeUp(value, madeUp) ? UNKNOWN : value;
  }
  if (typeof value !== "object" || value === null) {
    return value;
  }
  const members = Array.isArray(value)
    ? value.map((item) => withUnknowns(item, madeUp))
    : Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, withUnknowns(item, madeUp)]),
      );
  const all = Object.values(members);
  return all.length > 0 && all.every((member) => member === UNKNOWN) ? UNKNOWN : members;
}

/** Stands for an unknown value while printing (no output holds it); see asPrinted. */
const UNKNOWN = "\u0000unknown";

/** JSON of a value from withUnknowns, an unknown value shown as KNOWN_AFTER_DEPLOY. */
export function asPrinted(value: unknown): string {
  return JSON.stringify(value).split(JSON.stringify(UNKNOWN)).join(KNOWN_AFTER_DEPLOY);
}
