/**
 * The ledger's migration in its deployed form (the serialized CallbackFunction), against an RDS
 * stub that answers DescribeGlobalClusters as the API reference shows it, an RDS Data API stub and
 * the Secrets Manager fake: it runs on whichever region's cluster is the global writer, waits while
 * the ledger cannot take statements yet, and stops at a statement that is wrong.
 */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import { type AddressInfo } from "node:net";
import { stackPlan } from "../fixtures/plan";
import { LEDGER_SCHEMA, LEDGER_SCHEMA_VERSION } from "../../handlers/ledger-schema";
import type { LedgerTarget } from "../../handlers/ledger-credentials";
import type { Evaluation } from "../../tools/engine/engine";
import { runSerialized, serializedCode } from "../../tools/harness/serialized";
import { parseCredentials } from "../../handlers/ledger-credentials";
import {
  type AwsStub,
  describeGlobalClustersXml,
  secretsManagerFake,
  startAwsStub,
} from "../../tools/harness/emulators";

const globalClusters = (members: readonly string[], writer: string | null) =>
  describeGlobalClustersXml("acmepay-dev-ledger", members, writer);

describe("ledger schema migration", () => {
  describe("deployed form (serialized CallbackFunction) against local RDS, Data API and Secrets Manager stubs", function () {
    this.timeout(30_000);
    let evaluation: Evaluation;
    let code: string;
    let server: http.Server;
    let requests: Record<string, unknown>[] = [];
    /** The Data API's answers, in order: an error type, or undefined for success. */
    let dataApiErrors: (string | undefined)[] = [];
    /** What DescribeGlobalClusters says, in order (the last repeats). */
    let writers: (string | null)[] = [];
    let described = 0;
    let aws: AwsStub;
    let secrets = secretsManagerFake();

    before(async () => {
      evaluation = await stackPlan("dev");
      code = serializedCode(evaluation, "primary-data-ledger-schema");
      aws = await startAwsStub({
        ...Object.fromEntries(
          Object.keys(secrets.handlers).map((target) => [
            target,
            (body: Record<string, unknown>) => secrets.handlers[target](body),
          ]),
        ),
        "Query.DescribeGlobalClusters": () => ({
          xml: globalClusters(
            targets().map((t) => t.clusterArn),
            writers[Math.min(described++, writers.length - 1)],
          ),
        }),
      });
      server = http.createServer((request, response) => {
        let body = "";
        request.on("data", (chunk: Buffer) => (body += chunk.toString()));
        request.on("end", () => {
          requests.push({ path: request.url, ...(JSON.parse(body) as Record<string, unknown>) });
          const error = dataApiErrors.shift();
          if (error !== undefined) {
            // RDS Data API errors: the type in X-Amzn-ErrorType (REST-JSON protocol), the status
            // as ExecuteStatement's Errors list it (DatabaseUnavailableException 504, others 400).
            response.writeHead(error === "DatabaseUnavailableException" ? 504 : 400, {
              "content-type": "application/json",
              "x-amzn-errortype": error,
            });
            response.end(JSON.stringify({ message: `stub: ${error}` }));
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
      dataApiErrors = [];
      described = 0;
      // The writer and rotator secrets as the program creates them: empty.
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
        AWS_ENDPOINT_URL_RDS: aws.endpoint,
        AWS_ENDPOINT_URL_RDS_DATA: `http://127.0.0.1:${port}`,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      };
    }
    const targets = () => JSON.parse(environment().LEDGER_TARGETS) as LedgerTarget[];
    const statementsOn = () => requests.map((r) => [r.resourceArn, r.secretArn]);

    it("runs every statement on the primary's writer with the master secret, then gives the empty secrets their first credentials", async () => {
      const [primary] = targets();
      writers = [primary.clusterArn];
      const run = await runSerialized(code, {}, environment());
      assert.deepEqual(run, {
        ok: true,
        result: {
          schemaVersion: LEDGER_SCHEMA_VERSION,
          statements: LEDGER_SCHEMA.length,
          region: "us-east-1",
          attempts: 1,
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
        ].map((sql) => ["/Execute", primary.clusterArn, primary.secretArn, "ledger", sql]),
      );
      // Run again (changed statements): the secret keeps its credentials, the role its password.
      requests = [];
      const again = await runSerialized(code, {}, env);
      assert.equal((again.result as { writerCreated: boolean }).writerCreated, false);
      assert.equal(secrets.secrets.get(env.WRITER_SECRET_ARN)?.size, 1);
      assert.equal(
        requests.at(-1)?.sql,
        `ALTER ROLE ledger_writer_a WITH LOGIN PASSWORD '${writer.password}'`,
      );
    });

    it("runs on the secondary's cluster, with the master secret's replica there, once a switchover made it the writer", async () => {
      const [primary, secondary] = targets();
      assert.equal(secondary.region, "us-west-2");
      assert.equal(
        secondary.clusterArn,
        primary.clusterArn.replace("us-east-1", "us-west-2").replace(/use1$/, "usw2"),
      );
      assert.equal(secondary.secretArn, primary.secretArn.replace(":us-east-1:", ":us-west-2:"));
      writers = [secondary.clusterArn];
      const run = await runSerialized(code, {}, environment());
      assert.equal(run.ok, true, run.error);
      assert.equal((run.result as { region: string }).region, "us-west-2");
      assert.deepEqual(
        [...new Set(statementsOn().map((s) => s.join(" ")))],
        [`${secondary.clusterArn} ${secondary.secretArn}`],
      );
    });

    it("waits while a switchover runs and while the writer is unavailable, then migrates", async () => {
      const [primary] = targets();
      writers = [null, primary.clusterArn];
      // A 400 the SDK does not retry itself (a 504 DatabaseUnavailableException it retries first).
      dataApiErrors = ["DatabaseResumingException"];
      const run = await runSerialized(code, {}, environment());
      assert.equal(run.ok, true, run.error);
      assert.equal((run.result as { attempts: number }).attempts, 3);
      assert.equal(described, 3);
      // The first statement twice (refused, then run), then the rest once each.
      assert.equal(requests.length, LEDGER_SCHEMA.length + 2 + 1);
      assert.equal(requests[0].sql, requests[1].sql);
    });

    it("gives up, failing the deployment step, when the ledger is not ready within the function's time", async () => {
      const [primary] = targets();
      writers = [primary.clusterArn];
      dataApiErrors = Array.from({ length: 50 }, () => "DatabaseUnavailableException");
      const run = await runSerialized(code, {}, environment(), 6_000);
      assert.equal(run.ok, false);
      assert.equal(run.errorType, "DatabaseUnavailableException");
      assert.match(
        String(run.error),
        /^no ledger ran the statement: us-east-1: DatabaseUnavailableException: stub/,
      );
      assert.equal(secrets.secrets.get(environment().WRITER_SECRET_ARN)?.size, 0);
    });

    it("stops at a wrong statement without waiting, and runs nothing further", async () => {
      const [primary] = targets();
      writers = [primary.clusterArn];
      dataApiErrors = [undefined, "BadRequestException"];
      const run = await runSerialized(code, {}, environment());
      assert.deepEqual(run, {
        ok: false,
        errorType: "BadRequestException",
        error:
          "no ledger ran the statement: us-east-1: BadRequestException: stub: BadRequestException",
      });
      assert.equal(requests.length, 2);
      assert.equal(described, 1);
      assert.equal(secrets.secrets.get(environment().WRITER_SECRET_ARN)?.size, 0);
    });

    it("refuses to run without its configuration", async () => {
      const { GLOBAL_CLUSTER_ID: _id, ...incomplete } = environment();
      const run = await runSerialized(code, {}, incomplete);
      assert.deepEqual(run, {
        ok: false,
        error: "environment variable GLOBAL_CLUSTER_ID is not set",
      });
      assert.equal(requests.length, 0);
    });
  });
});
