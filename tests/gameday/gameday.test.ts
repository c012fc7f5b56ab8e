/**
 * Game days inside `npm test` (issue 14): the scenarios marked `inTestSuite` played through
 * `npm run gameday`'s own command, and two defects the pre-production review found put back into
 * the plan, each of which must make a game day fail with a message naming the broken invariant.
 * Each game day runs in its own process: its simulated clock takes the process over.
 */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../tools/engine/engine";
import type { GameDayResult } from "../../tools/gameday/run";
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
      child.kill("SIGKILL");
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
  // The three game days run one after the other (at once, on two cores, they take longer: each
  // clock slows down while its process falls behind); each test waits for its own.
  let runs: Promise<{ code: number | null; output: string }>[] = [];
  before(() => {
    const commands: [string, string[]][] = [
      [
        "tools/gameday.ts",
        [...suite.flatMap((file) => ["--scenario", file]), "--json", path.join(dir, "suite.json")],
      ],
      ...mutants.map(([mutation, scenario]): [string, string[]] => [
        "tests/gameday/mutant.ts",
        [mutation, path.join(MUTANTS, scenario), path.join(dir, `${mutation}.json`)],
      ]),
    ];
    runs = [];
    for (const [script, args] of commands) {
      const previous = runs.at(-1) ?? Promise.resolve();
      runs.push(previous.catch(() => undefined).then(() => run(script, args)));
    }
    for (const started of runs) {
      started.catch(() => undefined);
    }
  });

  it(`keeps every invariant in the test suite's scenarios (${suite.map((f) => path.basename(f, ".json")).join(", ")})`, async () => {
    const { code, output } = await runs[0];
    assert.equal(code, 0, output);
    const results = JSON.parse(
      fs.readFileSync(path.join(dir, "suite.json"), "utf8"),
    ) as GameDayResult[];
    for (const result of results) {
      assert.deepEqual(result.verdict.violations, [], result.scenario);
      assert.equal(result.verdict.lost, 0);
      assert.equal(result.verdict.doubleCharged, 0);
      assert.ok(result.verdict.acknowledged > 0, `${result.scenario}: nothing was acknowledged`);
    }
  });

  mutants.forEach(([mutation, , invariant], index) => {
    it(`fails, naming ${invariant}, when the plan has the defect ${mutation}`, async () => {
      const { code, output } = await runs[index + 1];
      assert.equal(code, 0, output);
      const result = JSON.parse(
        fs.readFileSync(path.join(dir, `${mutation}.json`), "utf8"),
      ) as GameDayResult;
      const named = result.verdict.violations.map((v) => v.invariant);
      assert.ok(
        named.includes(invariant as never),
        `${mutation}: ${JSON.stringify(result.verdict.violations)}`,
      );
    });
  });
});
