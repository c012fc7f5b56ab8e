/**
 * `npm run gameday [-- --scenario FILE] [--json FILE] [--verbose]` (issue 14): plays every
 * scenario under tests/gameday/scenarios/ (or the one given) against the stack's plan in two
 * simulated regions, prints a table of what happened to the money and how fast the system
 * recovered, beside the plan's budgets, and exits 1 when any invariant broke.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate, type Evaluation, PROJECT_ROOT } from "./engine/engine";
import { startPostgres } from "./harness/postgres";
import { type GameDayResult, runScenario } from "./gameday/run";
import { loadScenario, type Scenario, scenarioFiles } from "./gameday/scenario";

const USAGE = `usage: npm run gameday -- [--scenario FILE]... [--json FILE] [--verbose]

  --scenario FILE  a scenario file (tests/gameday/scenarios/*.json shows the schema); repeatable.
                   Without it, every scenario under tests/gameday/scenarios/ runs.
  --json FILE      also write the results as JSON.
  --verbose        print what happens during each game day.`;

interface Arguments {
  readonly scenarios: string[];
  readonly json?: string;
  readonly verbose: boolean;
}

function parse(argv: readonly string[]): Arguments {
  const scenarios: string[] = [];
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
  return { scenarios, json, verbose };
}

const seconds = (value: number | null) => (value === null ? "-" : `${Math.round(value)}`);

/** The results as a table: one row a scenario. */
export function table(results: readonly GameDayResult[]): string {
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
    "detect s (budget)",
    "traffic RTO s (budget)",
    "write RTO s (budget)",
    "verdict",
  ];
  const rows = results.map((r) => [
    r.scenario,
    r.stack,
    String(r.verdict.acknowledged),
    String(r.verdict.completed),
    String(r.verdict.failed),
    String(r.verdict.parked),
    String(r.verdict.lost),
    String(r.verdict.doubleCharged),
    String(r.verdict.maxRegionsAcceptingWrites),
    `${seconds(r.measures.detectionSeconds)} (${seconds(r.measures.detectionBudgetSeconds)})`,
    `${seconds(r.measures.trafficSeconds)} (${seconds(r.measures.trafficBudgetSeconds)})`,
    `${seconds(r.measures.writeSeconds)} (${seconds(r.measures.writeBudgetSeconds)})`,
    r.verdict.violations.length === 0 ? "ok" : `${r.verdict.violations.length} broken`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  const files =
    args.scenarios.length > 0
      ? args.scenarios
      : scenarioFiles(path.join(PROJECT_ROOT, "tests", "gameday", "scenarios"));
  const scenarios: Scenario[] = files.map((file) => loadScenario(file));
  // Every stack's plan first: the game day's clock runs the process once a scenario starts.
  const plans = new Map<string, Evaluation>();
  for (const stack of new Set(scenarios.map((s) => s.stack))) {
    plans.set(stack, await evaluate({ stack }));
  }
  const postgres = await startPostgres();
  const results: GameDayResult[] = [];
  try {
    for (const scenario of scenarios) {
      process.stderr.write(`game day ${scenario.name} (${scenario.stack})…\n`);
      const result = await runScenario({
        scenario,
        evaluation: plans.get(scenario.stack) as Evaluation,
        postgres,
        ...(args.verbose ? { log: (line: string) => process.stderr.write(`  ${line}\n`) } : {}),
      });
      process.stderr.write(
        `  ${result.simulatedSeconds.toFixed(0)} simulated s in ${result.wallSeconds.toFixed(1)} wall s\n`,
      );
      results.push(result);
    }
  } finally {
    postgres.stop();
  }
  console.log(table(results));
  for (const result of results) {
    for (const violation of result.verdict.violations) {
      console.log(`✗ ${result.scenario}: ${violation.invariant}: ${violation.detail}`);
    }
  }
  if (args.json !== undefined) {
    fs.writeFileSync(args.json, JSON.stringify(results, null, 2));
    console.log(`Game day JSON written to ${args.json}`);
  }
  return results.some((r) => r.verdict.violations.length > 0) ? 1 : 0;
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
