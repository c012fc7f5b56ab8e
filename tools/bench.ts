/**
 * `npm run bench`: per stack, the median wall time and peak memory of a full offline evaluation
 * (fresh process: module loading, evaluation, invariants, the policy pack and the plan document)
 * over 5 runs, with Node's compile cache and the transpile cache as `npm run plan` uses them; the
 * first, cold run (empty caches) is shown apart. Budget (ARCHITECTURE.md): ≤ 2 s per stack on a 2-core machine.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
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

function measure(stack: string, caches: string): { wall: number; report: ChildReport } {
  const start = performance.now();
  const result = spawnSync(
    process.execPath,
    ["-r", path.join(PROJECT_ROOT, "tools", "register.js"), __filename, "--child", stack],
    {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      timeout: 120_000,
      env: {
        ...process.env,
        NODE_COMPILE_CACHE: path.join(caches, "node"),
        TS_TRANSPILE_CACHE: path.join(caches, "ts"),
      },
    },
  );
  const wall = performance.now() - start;
  if (result.status !== 0) {
    throw new Error(`evaluation of ${stack} failed:\n${result.stderr}`);
  }
  return { wall, report: JSON.parse(result.stdout) as ChildReport };
}

function parent(): void {
  console.log(
    `Offline evaluation, ${RUNS} fresh processes per stack after a cold one (budget ${BUDGET_MS} ms wall)`,
  );
  console.log("stack  resources  cold wall  wall median  wall max  evaluate median  peak RSS");
  for (const stack of listStacks(PROJECT_ROOT)) {
    const caches = fs.mkdtempSync(path.join(os.tmpdir(), "bench-caches-"));
    try {
      const cold = measure(stack, caches);
      const runs = Array.from({ length: RUNS }, () => measure(stack, caches));
      const walls = runs.map((r) => r.wall);
      const wall = median(walls);
      console.log(
        [
          stack.padEnd(5),
          String(cold.report.resources).padStart(9),
          `${cold.wall.toFixed(0)} ms`.padStart(9),
          `${wall.toFixed(0)} ms`.padStart(11),
          `${Math.max(...walls).toFixed(0)} ms`.padStart(9),
          `${median(runs.map((r) => r.report.evaluateMs)).toFixed(0)} ms`.padStart(16),
          `${Math.max(...runs.map((r) => r.report.maxRssMb)).toFixed(0)} MiB`.padStart(9),
          wall <= BUDGET_MS ? " within budget" : " OVER BUDGET",
        ].join("  "),
      );
    } finally {
      fs.rmSync(caches, { recursive: true, force: true });
    }
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
