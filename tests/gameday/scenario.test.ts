import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadScenario, scenarioFiles } from "../../tools/gameday/scenario";

const FOLDER = path.join(__dirname, "scenarios");

describe("game day scenarios", () => {
  it("every scenario file follows the schema", () => {
    const files = scenarioFiles(FOLDER);
    assert.ok(files.length >= 10, `${files.length} scenarios`);
    for (const file of files) {
      const scenario = loadScenario(file);
      assert.equal(
        `${scenario.name}.json`,
        path.basename(file),
        "a file is named after its scenario",
      );
    }
  });

  it("covers the scenarios issue 14 asks for", () => {
    const kinds = new Set(
      scenarioFiles(FOLDER).flatMap((file) => loadScenario(file).events.map((e) => e.kind)),
    );
    for (const kind of [
      "runbook",
      "region-down",
      "region-up",
      "runbook-step-faults",
      "replication-lag",
      "no-writer",
      "processor-crash",
      "queue-send-failure",
      "flapping-peer",
    ]) {
      assert.ok(kinds.has(kind as never), kind);
    }
    assert.ok(scenarioFiles(FOLDER).some((file) => !loadScenario(file).load.clientsRetry));
  });

  it("names the file and every problem of a file that does not follow the schema", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scenario-"));
    try {
      const file = path.join(dir, "bad.json");
      fs.writeFileSync(
        file,
        JSON.stringify({
          name: "Bad Name",
          description: "x",
          stack: "qa",
          load: { paymentsPerSecond: 0, seconds: 60, clientsRetry: true },
          events: [{ kind: "meteor", at: 10 }],
          settleSeconds: 60,
          inTestSuite: true,
        }),
      );
      assert.throws(
        () => loadScenario(file),
        (error: Error) => {
          assert.match(error.message, /bad\.json: not a game day scenario/);
          for (const where of ["name:", "stack:", "load.paymentsPerSecond:", "events.0.kind:"]) {
            assert.ok(error.message.includes(where), `${where} in ${error.message}`);
          }
          return true;
        },
      );
      fs.writeFileSync(
        file,
        JSON.stringify({
          name: "late-event",
          description: "x",
          stack: "dev",
          load: { paymentsPerSecond: 1, seconds: 60, clientsRetry: true },
          events: [{ kind: "region-down", at: 90, region: "primary" }],
          settleSeconds: 60,
          inTestSuite: true,
        }),
      );
      assert.throws(() => loadScenario(file), /events after the load ends \(at 90 s/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
