import { strict as assert } from "node:assert";
import { stackPlan } from "../fixtures/plan";
import { type AddressInfo } from "node:net";
import * as http from "node:http";
import { LEDGER_SCHEMA, LEDGER_SCHEMA_VERSION } from "../../handlers/ledger-schema";
import type { Evaluation } from "../../tools/engine/engine";
import { runSerialized, serializedCode } from "../../tools/harness/serialized";

describe("ledger schema migration", () => {
  describe("deployed form (serialized CallbackFunction) against a local RDS Data API stub", () => {
    let evaluation: Evaluation;
    let server: http.Server;
    let requests: Record<string, unknown>[] = [];
    let failOnRequest = 0;

    before(async () => {
      evaluation = await stackPlan("dev");
      server = http.createServer((request, response) => {
        let body = "";
        request.on("data", (chunk: Buffer) => (body += chunk.toString()));
        request.on("end", () => {
          requests.push({ path: request.url, ...(JSON.parse(body) as Record<string, unknown>) });
          if (requests.length === failOnRequest) {
            response.writeHead(400, {
              "content-type": "application/json",
              "x-amzn-errortype": "BadRequestException",
            });
            response.end(JSON.stringify({ message: "relation already being altered" }));
            return;
          }
          response.writeHead(200, { "content-type": "application/json" });
          response.end(JSON.stringify({ numberOfRecordsUpdated: 0, generatedFields: [] }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    });

    after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    beforeEach(() => {
      requests = [];
      failOnRequest = 0;
    });

    function environment(): Record<string, string> {
      const fn = evaluation.resources.find(
        (r) => r.name === "primary-data-ledger-schema" && r.type === "aws:lambda/function:Function",
      );
      const variables = (fn?.rawInputs.environment as { variables: Record<string, string> })
        .variables;
      const { port } = server.address() as AddressInfo;
      return { ...variables, AWS_ENDPOINT_URL_RDS_DATA: `http://127.0.0.1:${port}` };
    }

    it("runs every statement through ExecuteStatement against the cluster with the secret", async () => {
      const run = await runSerialized(
        serializedCode(evaluation, "primary-data-ledger-schema"),
        {},
        environment(),
      );
      assert.deepEqual(run, {
        ok: true,
        result: { schemaVersion: LEDGER_SCHEMA_VERSION, statements: LEDGER_SCHEMA.length },
      });
      const env = environment();
      assert.deepEqual(
        requests.map((r) => [r.path, r.resourceArn, r.secretArn, r.database, r.sql]),
        LEDGER_SCHEMA.map((sql) => ["/Execute", env.CLUSTER_ARN, env.SECRET_ARN, "ledger", sql]),
      );
    });

    it("fails the deployment step, and runs nothing further, when a statement fails", async () => {
      failOnRequest = 2;
      const run = await runSerialized(
        serializedCode(evaluation, "primary-data-ledger-schema"),
        {},
        environment(),
      );
      assert.deepEqual(run, {
        ok: false,
        error: "relation already being altered",
        errorType: "BadRequestException",
      });
      assert.equal(requests.length, 2);
    });

    it("refuses to run without its configuration", async () => {
      const { CLUSTER_ARN: _cluster, ...incomplete } = environment();
      const run = await runSerialized(
        serializedCode(evaluation, "primary-data-ledger-schema"),
        {},
        incomplete,
      );
      assert.deepEqual(run, { ok: false, error: "environment variable CLUSTER_ARN is not set" });
      assert.equal(requests.length, 0);
    });
  });
});
