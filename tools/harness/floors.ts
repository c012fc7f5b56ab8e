/**
 * What `npm run bench` compares its measures with, and how it says so. Wall times mean little on
 * another machine, so each measure is set against a floor taken on this machine in the same run:
 * the part of the cost that the measured thing cannot avoid (loading Pulumi for a plan, loading the
 * AWS SDK clients for a handler). Runs of a measure and its floor alternate, so that noise from
 * other processes hits both alike, and each gets the median of the same number of runs.
 * Pure helpers only: no timing here, so that tests can check them.
 */

/** The middle value (the upper one of the two middles for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) {
    throw new Error("median of no values");
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Runs every subject once per round, in the given order, for `rounds` rounds (a, b, c, a, b, c,
 * …), and returns each subject's results in run order.
 */
export async function interleave<T>(
  subjects: readonly string[],
  rounds: number,
  run: (subject: string, round: number) => T | Promise<T>,
): Promise<Map<string, T[]>> {
  const results = new Map<string, T[]>(subjects.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    for (const subject of subjects) {
      results.get(subject)?.push(await run(subject, round));
    }
  }
  return results;
}

/** `1.62×`: a measure as a multiple of its floor. */
export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

/** One budget's outcome: `✓ text` when it holds, `✗ text` when it does not. */
export function verdictLine(ok: boolean, text: string): string {
  return `${ok ? "✓" : "✗"} ${text}`;
}

/**
 * The verdict on a ratio budget, with the numbers it comes from:
 * `✓ plan dev: 1.62× its floor (1297 ms vs 800 ms); budget ≤ 2.0×`.
 */
export function ratioVerdict(
  label: string,
  measuredMs: number,
  floorMs: number,
  budget: number,
): { readonly ratio: number; readonly ok: boolean; readonly line: string } {
  const ratio = measuredMs / floorMs;
  const ok = ratio <= budget;
  const line = verdictLine(
    ok,
    `${label}: ${formatRatio(ratio)} its floor (${measuredMs.toFixed(0)} ms vs ${floorMs.toFixed(0)} ms); budget ≤ ${budget.toFixed(1)}×`,
  );
  return { ratio, ok, line };
}

/** The SDK families whose packages count in a handler's floor. */
const SDK_SPECIFIER = /\brequire\(\s*["']((?:@aws-sdk|@aws-lambda-powertools)\/[^"']+)["']\s*\)/g;

/**
 * The AWS SDK and Powertools packages a serialized handler (`__index.js`) requires, in the order
 * they first appear, each once.
 */
export function sdkPackagesOf(code: string): string[] {
  return [...new Set([...code.matchAll(SDK_SPECIFIER)].map((m) => m[1]))];
}

export interface FloorModule {
  readonly specifier: string;
  /** The client classes of the package that the handler constructs (`…Client` exports). */
  readonly clients: readonly string[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The client classes of `specifier` that `code` constructs, as the serialized handlers bind them:
 * `const ns = require("…"); new ns.FooClient(…)` or `const { FooClient } = require("…");
 * new FooClient(…)` (also `{ FooClient: Alias }`). Only exports named `…Client`: those take `{}`
 * and are what the handler's first call goes through; other classes (Powertools' BatchProcessor)
 * are the handler's own cost.
 */
export function clientsConstructed(code: string, specifier: string): string[] {
  const spec = escapeRegExp(specifier);
  const found = new Set<string>();
  const namespace = new RegExp(
    `\\b(?:const|let|var)\\s+([\\w$]+)\\s*=\\s*require\\(\\s*["']${spec}["']\\s*\\)`,
    "g",
  );
  for (const [, binding] of code.matchAll(namespace)) {
    const use = new RegExp(`\\bnew\\s+${escapeRegExp(binding)}\\.([\\w$]+Client)\\s*\\(`, "g");
    for (const [, name] of code.matchAll(use)) {
      found.add(name);
    }
  }
  const destructured = new RegExp(
    `\\b(?:const|let|var)\\s*\\{([^}]*)\\}\\s*=\\s*require\\(\\s*["']${spec}["']\\s*\\)`,
    "g",
  );
  for (const [, list] of code.matchAll(destructured)) {
    for (const part of list.split(",")) {
      const [exported, local = exported] = part.split(":").map((s) => s.trim());
      if (
        /Client$/.test(exported) &&
        new RegExp(`\\bnew\\s+${escapeRegExp(local)}\\s*\\(`).test(code)
      ) {
        found.add(exported);
      }
    }
  }
  return [...found];
}

/** What a handler's floor loads: each SDK package its serialized code requires, and its clients. */
export function floorOf(code: string): FloorModule[] {
  return sdkPackagesOf(code).map((specifier) => ({
    specifier,
    clients: clientsConstructed(code, specifier),
  }));
}

/**
 * The floor as a serialized handler of its own (`__index.js`), to be run exactly as the handler is:
 * on its first call it requires the packages and constructs one of each client, then answers.
 * Requiring is what the handler cannot avoid; so is constructing a client it builds before its
 * first call goes out (client construction resolves the SDK's configuration, a few ms). Sending
 * stays on the handler's side: its first request (credential resolution, the HTTP handler's first
 * connection, the emulator's answer) is part of what the ratio judges. A client the handler builds
 * only on another path (the steps' ARC client for a fence) is still constructed here: the static
 * scan cannot tell paths apart, and one construction costs little against a package's load.
 */
export function floorSource(modules: readonly FloorModule[]): string {
  const lines = modules.flatMap((m, i) => [
    `  const m${i} = require(${JSON.stringify(m.specifier)});`,
    ...m.clients.map((client) => `  new m${i}.${client}({});`),
  ]);
  return [
    '"use strict";',
    "// The floor: the SDK packages the handler requires and the clients it constructs, nothing else.",
    "exports.handler = async () => {",
    ...lines,
    "  return {};",
    "};",
    "",
  ].join("\n");
}

/** `client-dynamodb (DynamoDBClient), batch`: a floor's contents, short. */
export function describeFloor(modules: readonly FloorModule[]): string {
  return modules
    .map((m) => {
      const name = m.specifier.replace(/^@aws-sdk\/|^@aws-lambda-powertools\//, "");
      return m.clients.length === 0 ? name : `${name} (${m.clients.join(", ")})`;
    })
    .join(", ");
}
