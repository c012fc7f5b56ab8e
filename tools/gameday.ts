/**
 * `npm run gameday [-- --scenario FILE] [--mutant NAME=FILE] [--json FILE] [--verbose]` (issue 14):
 * plays every scenario under tests/gameday/scenarios/ (or those given) against the stack's plan in
 * two simulated regions, prints a table of what happened to the money and how fast the system
 * recovered, beside the plan's budgets, and exits 1 when any invariant broke. A mutant plays a
 * scenario against the plan with a known defect put back (./gameday/mutations.ts): it must break
 * an invariant, and the exit is 1 when it does not.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate, type Evaluation, PROJECT_ROOT } from "./engine/engine";
import { startPostgres } from "./harness/postgres";
import { MUTATIONS } from "./gameday/mutations";
import { type GameDayResult, runScenario } from "./gameday/run";
import { loadScenario, type Scenario, scenarioFiles } from "./gameday/scenario";

const USAGE = `usage: npm run gameday -- [--scenario FILE]... [--mutant NAME=FILE]... [--json FILE] [--verbose]

  --scenario FILE  a scenario file (tests/gameday/scenarios/*.json shows the schema); repeatable.
                   Without it (and without --mutant), every scenario under tests/gameday/scenarios/ runs.
  --mutant NAME=FILE
                   the scenario FILE against the plan with the defect NAME put back, which must
                   break an invariant; repeatable. NAME: ${Object.keys(MUTATIONS).join(", ")}.
  --json FILE      also write the results as JSON.
  --verbose        print what happens during each game day.`;

interface Arguments {
  readonly scenarios: string[];
  readonly mutants: { readonly mutation: string; readonly file: string }[];
  readonly json?: string;
  readonly verbose: boolean;
}

function parse(argv: readonly string[]): Arguments {
  const scenarios: string[] = [];
  const mutants: { mutation: string; file: string }[] = [];
  let json: string | undefined;
  let verbose = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new Error(`${arg} needs a value\n\n${USAGE}`);
      }
      i += 1;
      return next;
    };
    if (arg === "--scenario") {
      scenarios.push(value());
    } else if (arg === "--mutant") {
      const [mutation, file] = value().split(/=(.*)/s);
      if (!(mutation in MUTATIONS) || !file) {
        throw new Error(
          `--mutant needs NAME=FILE, NAME one of ${Object.keys(MUTATIONS).join(", ")}\n\n${USAGE}`,
        );
      }
      mutants.push({ mutation, file });
    } else if (arg === "--json") {
      json = value();
    } else if (arg === "--verbose") {
      verbose = true;
    } else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${arg}\n\n${USAGE}`);
    }
  }
  return { scenarios, mutants, json, verbose };
}

const seconds = (value: number | null) => (value === null ? "-" : `${Math.round(value)}`);

/** The results as a table: one row a scenario. */
export function table(results: readonly Played[]): string {
  const header = [
    "scenario",
    "stack",
    "acked",
    "completed",
    "failed",
    "parked",
    "lost",
    "double",
    "max writers",
    "RPO lost (restored)",
    "detect s (budget)",
    "traffic RTO s (budget)",
    "write RTO s (budget)",
    "verdict",
  ];
  const rows = results.map((r) => [
    r.mutation === undefined ? r.scenario : `${r.scenario} [${r.mutation}]`,
    r.stack,
    String(r.verdict.acknowledged),
    String(r.verdict.completed),
    String(r.verdict.failed),
    String(r.verdict.parked),
    String(r.verdict.lost),
    String(r.verdict.doubleCharged),
    String(r.verdict.maxRegionsAcceptingWrites),
    `${r.verdict.rpoLost} (${r.verdict.rpoRestored})`,
    `${seconds(r.measures.detectionSeconds)} (${seconds(r.measures.detectionBudgetSeconds)})`,
    `${seconds(r.measures.trafficSeconds)} (${seconds(r.measures.trafficBudgetSeconds)})`,
    `${seconds(r.measures.writeSeconds)} (${seconds(r.measures.writeBudgetSeconds)})`,
    r.mutation === undefined
      ? r.verdict.violations.length === 0
        ? "ok"
        : `${r.verdict.violations.length} broken`
      : r.verdict.violations.length === 0
        ? "defect not caught"
        : `caught: ${[...new Set(r.verdict.violations.map((v) => v.invariant))].join(", ")}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

/** A game day's result; a mutant's names the defect put back into the plan. */
export type Played = GameDayResult & { readonly mutation?: string };

/** Whether a game day went as it must: a scenario keeps every invariant, a mutant breaks one. */
export const asItMust = (r: Played) =>
  r.mutation === undefined ? r.verdict.violations.length === 0 : r.verdict.violations.length > 0;

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  const files =
    args.scenarios.length > 0 || args.mutants.length > 0
      ? args.scenarios
      : scenarioFiles(path.join(PROJECT_ROOT, "tests", "gameday", "scenarios"));
  const games: { scenario: Scenario; mutation?: string }[] = [
    ...files.map((file) => ({ scenario: loadScenario(file) })),
    ...args.mutants.map(({ mutation, file }) => ({ scenario: loadScenario(file), mutation })),
  ];
  // Every stack's plan first: the game day's clock runs the process once a scenario starts.
  const plans = new Map<string, Evaluation>();
  for (const stack of new Set(games.map((g) => g.scenario.stack))) {
    plans.set(stack, await evaluate({ stack }));
  }
  const postgres = await startPostgres();
  // However the game day ends (done, a crash, Ctrl-C, a test's time bound), the throw-away
  // PostgreSQL goes with it.
  let stopped = false;
  const stopPostgres = () => {
    if (!stopped) {
      stopped = true;
      postgres.stop();
    }
  };
  process.once("exit", stopPostgres);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => process.exit(130));
  }
  const results: Played[] = [];
  try {
    for (const { scenario, mutation } of games) {
      process.stderr.write(
        `game day ${scenario.name} (${scenario.stack})${mutation === undefined ? "" : ` with the defect ${mutation}`}…\n`,
      );
      const plan = plans.get(scenario.stack) as Evaluation;
      const result = await runScenario({
        scenario,
        evaluation: mutation === undefined ? plan : MUTATIONS[mutation](plan),
        postgres,
        ...(args.verbose ? { log: (line: string) => process.stderr.write(`  ${line}\n`) } : {}),
      });
      process.stderr.write(
        `  ${result.simulatedSeconds.toFixed(0)} simulated s in ${result.wallSeconds.toFixed(1)} wall s\n`,
      );
      results.push(mutation === undefined ? result : { ...result, mutation });
    }
  } finally {
    stopPostgres();
  }
  console.log(table(results));
  for (const result of results) {
    const who =
      result.mutation === undefined ? result.scenario : `${result.scenario} [${result.mutation}]`;
    for (const violation of result.verdict.violations) {
      console.log(`✗ ${who}: ${violation.invariant}: ${violation.detail}`);
    }
    if (result.mutation !== undefined && !asItMust(result)) {
      console.log(`✗ ${who}: the defect broke no invariant: the game day did not catch it`);
    }
  }
  if (args.json !== undefined) {
    fs.writeFileSync(args.json, JSON.stringify(results, null, 2));
    console.log(`Game day JSON written to ${args.json}`);
  }
  return results.every(asItMust) ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(error.message);
      process.exit(2);
    },
  );
}
