import { strict as assert } from "node:assert";
import { stackPlan } from "../fixtures/plan";
import { type AddressInfo } from "node:net";
import * as http from "node:http";
import { LEDGER_SCHEMA, LEDGER_SCHEMA_VERSION } from "../../handlers/ledger-schema";
import type { Evaluation } from "../../tools/engine/engine";
import { runSerialized, serializedCode } from "../../tools/harness/serialized";
import { parseCredentials } from "../../handlers/ledger-credentials";
import { type AwsStub, secretsManagerFake, startAwsStub } from "../../tools/harness/emulators";

describe("ledger schema migration", () => {
  describe("deployed form (serialized CallbackFunction) against a local RDS Data API stub", () => {
    let evaluation: Evaluation;
    let server: http.Server;
    let requests: Record<string, unknown>[] = [];
    let failOnRequest = 0;
    let aws: AwsStub;
    let secrets = secretsManagerFake();

    before(async () => {
      evaluation = await stackPlan("dev");
      aws = await startAwsStub(
        Object.fromEntries(
          Object.keys(secrets.handlers).map((target) => [
            target,
            (body: Record<string, unknown>) => secrets.handlers[target](body),
          ]),
        ),
      );
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

    after(async () => {
      await aws.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    beforeEach(() => {
      requests = [];
      failOnRequest = 0;
      // The writer secret as the program creates it: empty.
      secrets = secretsManagerFake();
      secrets.create(environment().WRITER_SECRET_ARN);
      secrets.create(environment().ROTATOR_SECRET_ARN);
    });

    function environment(): Record<string, string> {
      const fn = evaluation.resources.find(
        (r) => r.name === "primary-data-ledger-schema" && r.type === "aws:lambda/function:Function",
      );
      const variables = (fn?.rawInputs.environment as { variables: Record<string, string> })
        .variables;
      const { port } = server.address() as AddressInfo;
      return {
        ...variables,
        AWS_ENDPOINT_URL_RDS_DATA: `http://127.0.0.1:${port}`,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      };
    }

    it("runs every statement with the master secret, then gives the empty writer secret its first credentials", async () => {
      const code = serializedCode(evaluation, "primary-data-ledger-schema");
      const run = await runSerialized(code, {}, environment());
      assert.deepEqual(run, {
        ok: true,
        result: {
          schemaVersion: LEDGER_SCHEMA_VERSION,
          statements: LEDGER_SCHEMA.length,
          writer: "ledger_writer_a",
          writerCreated: true,
        },
      });
      const env = environment();
      const versions = [...(secrets.secrets.get(env.WRITER_SECRET_ARN)?.values() ?? [])];
      assert.deepEqual(
        versions.map((v) => v.stages),
        [["AWSCURRENT"]],
      );
      const writer = parseCredentials(String(versions[0].value));
      const rotator = parseCredentials(
        String([...(secrets.secrets.get(env.ROTATOR_SECRET_ARN)?.values() ?? [])][0].value),
      );
      assert.equal(rotator.username, "ledger_rotator");
      assert.deepEqual([writer.username, writer.dbname], ["ledger_writer_a", "ledger"]);
      assert.match(writer.password, /^[A-Za-z0-9]{40}$/);
      assert.deepEqual(
        requests.map((r) => [r.path, r.resourceArn, r.secretArn, r.database, r.sql]),
        [
          ...LEDGER_SCHEMA,
          `ALTER ROLE ledger_rotator WITH LOGIN PASSWORD '${rotator.password}'`,
          `ALTER ROLE ledger_writer_a WITH LOGIN PASSWORD '${writer.password}'`,
        ].map((sql) => ["/Execute", env.CLUSTER_ARN, env.SECRET_ARN, "ledger", sql]),
      );
      // Run again (a later schema version): the secret keeps its credentials, the role its password.
      requests = [];
      const again = await runSerialized(code, {}, env);
      assert.equal((again.result as { writerCreated: boolean }).writerCreated, false);
      assert.equal(secrets.secrets.get(env.WRITER_SECRET_ARN)?.size, 1);
      assert.equal(
        requests.at(-1)?.sql,
        `ALTER ROLE ledger_writer_a WITH LOGIN PASSWORD '${writer.password}'`,
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
        error:
          "no ledger ran the statement: us-east-1: BadRequestException: relation already being altered",
      });
      assert.equal(requests.length, 2);
      assert.equal(secrets.secrets.get(environment().WRITER_SECRET_ARN)?.size, 0);
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
