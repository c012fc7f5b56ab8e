/**
 * `npm run bench` (first part): per stack, the wall time and peak memory of a full offline plan in
 * a fresh process (module loading, evaluation, invariants, the policy pack and the plan document),
 * with Node's compile cache and the transpile cache as `npm run plan` uses them, set against a
 * floor measured in the same run: a fresh process, spawned the same way with the same caches, that
 * only requires @pulumi/pulumi and @pulumi/aws, which no plan can avoid. Each subject first runs
 * once cold (empty caches, shown apart), then RUNS rounds alternate floor, dev, prod, … so that
 * noise from the machine hits all alike; medians over the rounds. Budget: a plan's median ≤ 2.0×
 * its floor's. Informational: verdicts are printed, the exit code is 0 unless a run fails.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { formatRatio, interleave, median, ratioVerdict } from "./harness/floors";

// The floor child loads nothing but this file and what it requires: the engine, the policies and
// the program are required inside the functions that need them, not at the top.

const RUNS = 5;
const PLAN_BUDGET = 2.0;
const FLOOR = "floor";
const PROJECT_ROOT = path.resolve(__dirname, "..");

interface ChildReport {
  /** From the evaluation's start to the plan document, the engine loaded (plan children only). */
  readonly evaluateMs?: number;
  readonly resources?: number;
  readonly maxRssMb: number;
}

/** One measured plan, run in this (fresh) process. */
async function planChild(stack: string): Promise<ChildReport> {
  const { evaluate } = await import("./engine/engine");
  const { checkInvariants } = await import("./engine/invariants");
  const { toPlanDocument } = await import("./engine/plan-document");
  const { runPolicyPack } = await import("./engine/policy-runner");
  const { packConfigFor } = await import("./engine/pack-config");
  const { POLICIES } = await import("../policy/policies");
  const start = performance.now();
  const evaluation = await evaluate({ stack });
  checkInvariants(evaluation);
  const pack = await runPolicyPack(POLICIES, evaluation, packConfigFor(evaluation.config));
  JSON.stringify(toPlanDocument(evaluation, pack));
  return {
    evaluateMs: performance.now() - start,
    resources: evaluation.resources.length,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/** The floor, run in this (fresh) process: the two packages every plan loads, nothing more. */
async function floorChild(): Promise<ChildReport> {
  await import("@pulumi/pulumi");
  await import("@pulumi/aws");
  return { maxRssMb: process.resourceUsage().maxRSS / 1024 };
}

interface Run {
  readonly wall: number;
  readonly report: ChildReport;
}

/** One fresh process, spawned as `npm run plan` runs (same node, loader and cache settings). */
function measure(subject: string, caches: string): Run {
  const args = subject === FLOOR ? ["--floor"] : ["--child", subject];
  const start = performance.now();
  const result = spawnSync(
    process.execPath,
    ["-r", path.join(PROJECT_ROOT, "tools", "register.js"), __filename, ...args],
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
    throw new Error(`the ${subject} run failed (${String(result.status)}):\n${result.stderr}`);
  }
  return { wall, report: JSON.parse(result.stdout) as ChildReport };
}

const ms = (value: number) => `${value.toFixed(0)} ms`;

async function parent(): Promise<void> {
  const { listStacks } = await import("./engine/stack-files");
  const subjects = [FLOOR, ...listStacks(PROJECT_ROOT)];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-caches-"));
  try {
    // Each subject has its own caches, empty for its cold run, then warm for the rounds.
    const caches = (subject: string) => path.join(root, subject);
    const cold = new Map(subjects.map((s) => [s, measure(s, caches(s))]));
    const runs = await interleave(subjects, RUNS, (s) => measure(s, caches(s)));
    const wallOf = (s: string) => median((runs.get(s) ?? []).map((r) => r.wall));
    const floor = wallOf(FLOOR);

    console.log(
      `Offline plan, fresh processes as \`npm run plan\` runs them: a cold run each (empty caches), then ${RUNS} rounds of ${subjects.join(", ")}`,
    );
    console.log(
      `${FLOOR}: a fresh node that only requires @pulumi/pulumi and @pulumi/aws, spawned like a plan with the same caches`,
    );
    console.log(
      "subject  resources  cold wall  wall median  wall max  evaluate median  peak RSS  × floor",
    );
    const verdicts: string[] = [];
    for (const subject of subjects) {
      const own = runs.get(subject) ?? [];
      const wall = wallOf(subject);
      const evaluate = own.map((r) => r.report.evaluateMs ?? Number.NaN);
      const isFloor = subject === FLOOR;
      console.log(
        [
          subject.padEnd(7),
          String(cold.get(subject)?.report.resources ?? "-").padStart(9),
          ms(cold.get(subject)?.wall ?? Number.NaN).padStart(9),
          ms(wall).padStart(11),
          ms(Math.max(...own.map((r) => r.wall))).padStart(8),
          (isFloor ? "-" : ms(median(evaluate))).padStart(15),
          `${Math.max(...own.map((r) => r.report.maxRssMb)).toFixed(0)} MiB`.padStart(8),
          (isFloor ? "" : formatRatio(wall / floor)).padStart(7),
        ].join("  "),
      );
      if (!isFloor) {
        verdicts.push(ratioVerdict(`plan ${subject}`, wall, floor, PLAN_BUDGET).line);
      }
    }
    console.log(`\nVerdicts (informational, wall medians):\n${verdicts.join("\n")}`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function main(): Promise<void> {
  const [mode, stack] = process.argv.slice(2);
  if (mode === "--child" || mode === "--floor") {
    return (mode === "--floor" ? floorChild() : planChild(stack)).then((report) => {
      process.stdout.write(JSON.stringify(report));
    });
  }
  return parent();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
