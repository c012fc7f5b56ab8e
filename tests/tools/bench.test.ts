import { strict as assert } from "node:assert";
import { stackPlan } from "../fixtures/plan";
import {
  clientsConstructed,
  describeFloor,
  floorOf,
  floorSource,
  formatRatio,
  interleave,
  median,
  ratioVerdict,
  sdkPackagesOf,
  verdictLine,
} from "../../tools/harness/floors";
import { serializedCode } from "../../tools/harness/serialized";

/** Shaped like CallbackFunction's `__index.js`: requires inside functions, both binding styles. */
const SERIALIZED = `
exports.handler = __handler;
function __createEnvironment() {
  return function () {
    const ssm = require("@aws-sdk/client-ssm");
    const sfn = require('@aws-sdk/client-sfn');
    const { DynamoDBClient, QueryCommand, DynamoDBServiceException: Failure } = require("@aws-sdk/client-dynamodb");
    const { SQSClient: Queue } = require("@aws-sdk/client-sqs");
    const { BatchProcessor, EventType } = require("@aws-lambda-powertools/batch");
    const crypto = require("crypto");
    const flags = new ssm.SSMClient({ maxAttempts: 1 });
    const again = new ssm.SSMClient({});
    const table = new DynamoDBClient({});
    const queue = new Queue({});
    const processor = new BatchProcessor(EventType.SQS);
    const command = new QueryCommand({});
    void sfn; void crypto; void Failure;
    return { flags, again, table, queue, processor, command };
  };
}
function __later() {
  const ssm = require("@aws-sdk/client-ssm");
  return ssm;
}
`;

describe("the bench's helpers", () => {
  describe("floors of serialized handlers", () => {
    it("lists the SDK and Powertools packages required, each once, in order", () => {
      assert.deepEqual(sdkPackagesOf(SERIALIZED), [
        "@aws-sdk/client-ssm",
        "@aws-sdk/client-sfn",
        "@aws-sdk/client-dynamodb",
        "@aws-sdk/client-sqs",
        "@aws-lambda-powertools/batch",
      ]);
      assert.deepEqual(sdkPackagesOf('const x = require("node:fs"); require("zod");'), []);
    });

    it("finds the clients constructed through a namespace, a destructuring or an alias", () => {
      assert.deepEqual(clientsConstructed(SERIALIZED, "@aws-sdk/client-ssm"), ["SSMClient"]);
      assert.deepEqual(clientsConstructed(SERIALIZED, "@aws-sdk/client-dynamodb"), [
        "DynamoDBClient",
      ]);
      assert.deepEqual(clientsConstructed(SERIALIZED, "@aws-sdk/client-sqs"), ["SQSClient"]);
    });

    it("constructs no client that is only required, and no class that is not a client", () => {
      assert.deepEqual(clientsConstructed(SERIALIZED, "@aws-sdk/client-sfn"), []);
      assert.deepEqual(clientsConstructed(SERIALIZED, "@aws-lambda-powertools/batch"), []);
    });

    it("writes a handler that requires the packages and constructs the clients, in order", async () => {
      const floor = floorOf(SERIALIZED);
      assert.equal(
        describeFloor(floor),
        "client-ssm (SSMClient), client-sfn, client-dynamodb (DynamoDBClient), client-sqs (SQSClient), batch",
      );
      const done: string[] = [];
      // A package whose every export is a constructor that logs its construction.
      const fakeRequire = (specifier: string) => {
        done.push(specifier);
        return new Proxy(
          {},
          {
            get: (_, name) =>
              function Client(options: unknown) {
                assert.deepEqual(options, {});
                done.push(`new ${String(name)}`);
              },
          },
        );
      };
      const module = { exports: {} as { handler?: () => Promise<unknown> } };
      new Function("exports", "require", "module", floorSource(floor))(
        module.exports,
        fakeRequire,
        module,
      );
      assert.deepEqual(done, [], "nothing is loaded before the first call");
      assert.deepEqual(await module.exports.handler?.(), {});
      assert.deepEqual(done, [
        "@aws-sdk/client-ssm",
        "new SSMClient",
        "@aws-sdk/client-sfn",
        "@aws-sdk/client-dynamodb",
        "new DynamoDBClient",
        "@aws-sdk/client-sqs",
        "new SQSClient",
        "@aws-lambda-powertools/batch",
      ]);
    });

    it("are taken from the plan's handlers as deployed", async function () {
      this.timeout(120_000); // one evaluation of the dev stack, on a busy machine
      const evaluation = await stackPlan("dev");
      const floors = Object.fromEntries(
        [
          "primary-compute-payments-api",
          "primary-compute-payments-processor",
          "primary-orchestration-authorize",
          "primary-failover-orchestrator",
        ].map((name) => [name, describeFloor(floorOf(serializedCode(evaluation, name)))]),
      );
      assert.deepEqual(floors, {
        "primary-compute-payments-api":
          "client-ssm (SSMClient), client-secrets-manager (SecretsManagerClient), client-dynamodb (DynamoDBClient), client-sqs (SQSClient)",
        "primary-compute-payments-processor":
          "client-ssm (SSMClient), client-sfn (SFNClient), client-rds-data (RDSDataClient), batch",
        "primary-orchestration-authorize":
          "client-ssm (SSMClient), client-dynamodb (DynamoDBClient)",
        "primary-failover-orchestrator": "client-sfn (SFNClient), client-ssm (SSMClient)",
      });
    });
  });

  describe("figures and verdicts", () => {
    it("takes the middle value, the upper middle for an even count", () => {
      assert.equal(median([5, 1, 3]), 3);
      assert.equal(median([4, 1, 3, 2]), 3);
      assert.throws(() => median([]), /median of no values/);
    });

    it("runs the subjects round after round, alternating them", async () => {
      const order: string[] = [];
      const results = await interleave(["floor", "dev", "prod"], 2, async (subject, round) => {
        order.push(`${subject}${round}`);
        return round;
      });
      assert.deepEqual(order, ["floor0", "dev0", "prod0", "floor1", "dev1", "prod1"]);
      assert.deepEqual(Object.fromEntries(results), { floor: [0, 1], dev: [0, 1], prod: [0, 1] });
    });

    it("says a ratio with its numbers and whether the budget holds", () => {
      assert.equal(formatRatio(1.6249), "1.62×");
      assert.equal(verdictLine(true, "x"), "✓ x");
      assert.equal(verdictLine(false, "x"), "✗ x");
      assert.deepEqual(ratioVerdict("plan dev", 1600, 800, 2), {
        ratio: 2,
        ok: true,
        line: "✓ plan dev: 2.00× its floor (1600 ms vs 800 ms); budget ≤ 2.0×",
      });
      assert.equal(
        ratioVerdict("cold start health", 131.4, 100, 1.3).line,
        "✗ cold start health: 1.31× its floor (131 ms vs 100 ms); budget ≤ 1.3×",
      );
    });
  });
});
