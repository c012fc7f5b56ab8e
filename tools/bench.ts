/**
 * `npm run bench`: per stack, the median wall time and peak memory of a full offline evaluation
 * (fresh process: module loading, evaluation, invariants, the policy pack and the plan document) over 5 runs.
 * Budget (ARCHITECTURE.md): ≤ 2 s per stack on a 2-core machine. Prints numbers; judges nothing.
 */
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { evaluate, PROJECT_ROOT } from "./engine/engine";
import { checkInvariants } from "./engine/invariants";
import { toPlanDocument } from "./engine/plan-document";
import { loadPackConfig, runPolicyPack } from "./engine/policy-runner";
import { POLICIES } from "../policy/policies";
import { listStacks } from "./engine/stack-files";

const RUNS = 5;
const BUDGET_MS = 2000;

interface ChildReport {
  readonly evaluateMs: number;
  readonly resources: number;
  readonly maxRssMb: number;
}

/** One measured evaluation, run in this (fresh) process. */
async function child(stack: string): Promise<void> {
  const start = performance.now();
  const evaluation = await evaluate({ stack });
  checkInvariants(evaluation);
  const pack = await runPolicyPack(POLICIES, evaluation, loadPackConfig(PROJECT_ROOT, stack));
  JSON.stringify(toPlanDocument(evaluation, pack));
  const report: ChildReport = {
    evaluateMs: performance.now() - start,
    resources: evaluation.resources.length,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(report));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function parent(): void {
  console.log(
    `Offline evaluation, ${RUNS} fresh processes per stack (budget ${BUDGET_MS} ms wall)`,
  );
  console.log("stack  resources  wall median  wall max  evaluate median  peak RSS");
  for (const stack of listStacks(PROJECT_ROOT)) {
    const walls: number[] = [];
    const reports: ChildReport[] = [];
    for (let run = 0; run < RUNS; run++) {
      const start = performance.now();
      const result = spawnSync(
        process.execPath,
        ["-r", "ts-node/register", __filename, "--child", stack],
        { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 120_000 },
      );
      walls.push(performance.now() - start);
      if (result.status !== 0) {
        throw new Error(`evaluation of ${stack} failed:\n${result.stderr}`);
      }
      reports.push(JSON.parse(result.stdout) as ChildReport);
    }
    const wall = median(walls);
    console.log(
      [
        stack.padEnd(5),
        String(reports[0].resources).padStart(9),
        `${wall.toFixed(0)} ms`.padStart(11),
        `${Math.max(...walls).toFixed(0)} ms`.padStart(9),
        `${median(reports.map((r) => r.evaluateMs)).toFixed(0)} ms`.padStart(16),
        `${Math.max(...reports.map((r) => r.maxRssMb)).toFixed(0)} MiB`.padStart(9),
        wall <= BUDGET_MS ? " within budget" : " OVER BUDGET",
      ].join("  "),
    );
  }
}

if (process.argv[2] === "--child") {
  child(process.argv[3]).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  parent();
}
