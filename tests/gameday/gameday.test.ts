/**
 * Game days inside `npm test` (issue 14): the scenarios marked `inTestSuite`, and two defects the
 * pre-production review found put back into the plan (`--mutant`), each of which must make a game
 * day fail naming the broken invariant, all played by `npm run gameday`'s own command in its own
 * process (the simulated clock takes the process over).
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../tools/engine/engine";
import type { Played } from "../../tools/gameday";
import { loadScenario, scenarioFiles } from "../../tools/gameday/scenario";

const SCENARIOS = path.join(PROJECT_ROOT, "tests", "gameday", "scenarios");
const MUTANTS = path.join(PROJECT_ROOT, "tests", "gameday", "mutants");
const BOUND_MS = 240_000;

/** Runs a TypeScript entry point of the project in a fresh node; resolves its exit code and output. */
function run(
  script: string,
  args: readonly string[],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "./tools/register.js", script, ...args], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`${script} ran longer than ${BOUND_MS} ms:\n${output}`));
    }, BOUND_MS);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("game days (two simulated regions, the plan's own artefacts)", function () {
  this.timeout(BOUND_MS + 10_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gameday-test-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const suite = scenarioFiles(SCENARIOS).filter((file) => loadScenario(file).inTestSuite);
  const mutants: [string, string, string][] = [
    ["runbook-iam-without-peer-cluster", "switchover-short.json", "every-call-allowed"],
    [
      "post-ledger-failure-marks-failed",
      "completion-outage.json",
      "never-failed-after-ledger-step",
    ],
  ];
  // One `npm run gameday` for all of them: one plan evaluation and one PostgreSQL, the game days
  // one after the other (at once, on two cores, each clock slows down while its process is behind).
  let played: Promise<{ code: number | null; results: Played[]; output: string }>;
  before(() => {
    const json = path.join(dir, "results.json");
    played = run("tools/gameday.ts", [
      ...suite.flatMap((file) => ["--scenario", file]),
      ...mutants.flatMap(([mutation, scenario]) => [
        "--mutant",
        `${mutation}=${path.join(MUTANTS, scenario)}`,
      ]),
      "--json",
      json,
    ]).then(({ code, output }) => ({
      code,
      output,
      results: fs.existsSync(json) ? (JSON.parse(fs.readFileSync(json, "utf8")) as Played[]) : [],
    }));
    played.catch(() => undefined);
  });

  it(`keeps every invariant in the test suite's scenarios (${suite.map((f) => path.basename(f, ".json")).join(", ")}), and exits 0 when each mutant is caught`, async () => {
    const { code, output, results } = await played;
    assert.equal(code, 0, output);
    const plain = results.filter((r) => r.mutation === undefined);
    assert.equal(plain.length, suite.length, output);
    for (const result of plain) {
      assert.deepEqual(result.verdict.violations, [], result.scenario);
      assert.equal(result.verdict.lost, 0);
      assert.equal(result.verdict.doubleCharged, 0);
      assert.ok(result.verdict.acknowledged > 0, `${result.scenario}: nothing was acknowledged`);
    }
  });

  mutants.forEach(([mutation, , invariant]) => {
    it(`fails, naming ${invariant}, when the plan has the defect ${mutation}`, async () => {
      const { output, results } = await played;
      const result = results.find((r) => r.mutation === mutation);
      assert.ok(result !== undefined, output);
      const named = result.verdict.violations.map((v) => v.invariant);
      assert.ok(
        named.includes(invariant as never),
        `${mutation}: ${JSON.stringify(result.verdict.violations)}`,
      );
    });
  });
});
