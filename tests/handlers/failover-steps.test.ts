import { strict as assert } from "node:assert";
import * as http from "node:http";
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import {
  failedStep,
  fence,
  type HistoryEvent,
  type MetricQuery,
  recordRun,
  type RecordRequest,
  replicationLag,
  routeTraffic,
  type RunRecord,
  stepDurations,
  verifyHealth,
} from "../../handlers/failover-steps";
import { evaluate } from "../../tools/engine/engine";
import {
  type AwsStub,
  close,
  listen,
  type LocalDynamoDb,
  startAwsStub,
  startDynamoDb,
} from "../../tools/harness/emulators";
import { runSerialized, serializedCode } from "../../tools/harness/serialized";

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, seconds));
const entered = (name: string, seconds: number): HistoryEvent => ({
  timestamp: at(seconds),
  type: name.endsWith("?") ? "ChoiceStateEntered" : "TaskStateEntered",
  stateEnteredEventDetails: { name },
});
const exited = (name: string, seconds: number): HistoryEvent => ({
  timestamp: at(seconds),
  type: name.endsWith("?") ? "ChoiceStateExited" : "TaskStateExited",
  stateExitedEventDetails: { name },
});
const HISTORY: HistoryEvent[] = [
  { timestamp: at(0), type: "ExecutionStarted" },
  entered("RecordStart", 0),
  exited("RecordStart", 1),
  entered("FenceOldRegion", 1),
  exited("FenceOldRegion", 3),
  entered("ReadWriter", 3),
  exited("ReadWriter", 4),
  entered("WriterPromoted?", 4),
  exited("WriterPromoted?", 4),
  entered("ReadWriter", 14),
  exited("ReadWriter", 16),
  entered("RecordSuccess", 16),
];

describe("failover steps", () => {
  describe("step durations from the execution history", () => {
    it("sums each state's visits and runs the open one until now", () => {
      assert.deepEqual(stepDurations(HISTORY, at(20)), [
        { state: "RecordStart", seconds: 1, visits: 1 },
        { state: "FenceOldRegion", seconds: 2, visits: 1 },
        { state: "ReadWriter", seconds: 3, visits: 2 },
        { state: "WriterPromoted?", seconds: 0, visits: 1 },
        { state: "RecordSuccess", seconds: 4, visits: 1 },
      ]);
    });

    it("names the step a failed run stopped at: the last one before its failure path", () => {
      assert.equal(
        failedStep([
          ...HISTORY.slice(0, 5),
          entered("SetActiveRegion", 5),
          entered("RecordFailure", 9),
        ]),
        "SetActiveRegion",
      );
      assert.equal(failedStep([]), null);
    });
  });

  describe("replication lag", () => {
    const request = {
      action: "replication-lag" as const,
      clusterIdentifier: "acmepay-prod-ledger-usw2",
      tableName: "acmepay-prod-payments",
      sourceRegion: "us-east-1",
      receivingRegion: "us-west-2",
      thresholdMs: 1000,
    };
    const cases: [string, number | null, number | null, boolean][] = [
      ["both within the threshold", 400, 900, true],
      ["the table idle (no datapoint): nothing to wait for", 400, null, true],
      ["the ledger's lag unknown: not drained", null, 100, false],
      ["the ledger behind", 1500, 100, false],
      ["the table behind", 100, 1001, false],
      ["exactly at the threshold", 1000, 1000, true],
    ];
    for (const [name, aurora, dynamodb, drained] of cases) {
      it(name, async () => {
        const queries: MetricQuery[] = [];
        const report = await replicationLag(request, {
          latestMaximum: async (query) => {
            queries.push(query);
            return query.namespace === "AWS/RDS" ? aurora : dynamodb;
          },
        });
        assert.deepEqual(report, { auroraLagMs: aurora, dynamodbLagMs: dynamodb, drained });
        assert.deepEqual(
          queries.map((q) => [q.region, q.metricName, q.dimensions]),
          [
            [
              "us-west-2",
              "AuroraGlobalDBRPOLag",
              { DBClusterIdentifier: "acmepay-prod-ledger-usw2" },
            ],
            [
              "us-east-1",
              "ReplicationLatency",
              { TableName: "acmepay-prod-payments", ReceivingRegion: "us-west-2" },
            ],
          ],
        );
      });
    }
  });

  describe("fence and health", () => {
    it("fences by naming the new region in the old region's flag", async () => {
      const puts: string[][] = [];
      const result = await fence(
        { action: "fence", region: "us-east-1", parameterName: "flag", activeRegion: "us-west-2" },
        { putParameter: async (...args) => void puts.push(args) },
      );
      assert.deepEqual(result, { fenced: true, region: "us-east-1" });
      assert.deepEqual(puts, [["us-east-1", "flag", "us-west-2"]]);
    });

    it("fails as FenceFailed, naming the region and the error, when the old region is unreachable", async () => {
      await assert.rejects(
        fence(
          {
            action: "fence",
            region: "us-east-1",
            parameterName: "flag",
            activeRegion: "us-west-2",
          },
          {
            putParameter: async () => {
              const error = new Error("connect ETIMEDOUT");
              error.name = "TimeoutError";
              throw error;
            },
          },
        ),
        {
          name: "FenceFailed",
          message: "could not set flag in us-east-1 to us-west-2: TimeoutError",
        },
      );
    });

    const health = (status: number, body: string) =>
      verifyHealth(
        { action: "verify-health", url: "https://x/health" },
        { get: async () => ({ status, body }) },
      );

    it("passes only a 200 that names this region the active writer", async () => {
      assert.deepEqual(await health(200, JSON.stringify({ role: "active", region: "us-west-2" })), {
        status: 200,
        role: "active",
        region: "us-west-2",
      });
      for (const [status, body] of [
        [200, JSON.stringify({ role: "standby", region: "us-west-2" })],
        [503, JSON.stringify({ role: "active", region: "us-west-2" })],
        [502, "<html>bad gateway</html>"],
      ] as const) {
        await assert.rejects(health(status, body), { name: "HealthCheckFailed" });
      }
    });
  });

  describe("route traffic (ARC)", () => {
    const request = {
      action: "route-traffic" as const,
      clusterEndpoints: ["us-east-1", "us-west-2", "eu-west-1"].map((region) => ({
        endpoint: `https://${region}.example.invalid/v1`,
        region,
      })),
      on: "arn:on",
      off: "arn:off",
    };

    it("turns this region's control on and the other's off in one call, at the first endpoint that answers", async () => {
      const tried: string[] = [];
      const result = await routeTraffic(request, {
        update: async (endpoint, states) => {
          tried.push(endpoint.region);
          assert.deepEqual(states, [
            { arn: "arn:on", state: "On" },
            { arn: "arn:off", state: "Off" },
          ]);
          if (endpoint.region === "us-east-1") {
            throw Object.assign(new Error("down"), { name: "TimeoutError" });
          }
        },
      });
      assert.deepEqual(result, { endpointRegion: "us-west-2", tried: 2 });
      assert.deepEqual(tried, ["us-east-1", "us-west-2"]);
    });

    it("fails as TrafficNotRouted, naming every endpoint's error, when none answers", async () => {
      await assert.rejects(
        routeTraffic(request, {
          update: async () => {
            throw Object.assign(new Error("no"), { name: "ServiceUnavailable" });
          },
        }),
        {
          name: "TrafficNotRouted",
          message:
            "no ARC cluster endpoint took the change (us-east-1: ServiceUnavailable, us-west-2: ServiceUnavailable, eu-west-1: ServiceUnavailable)",
        },
      );
    });
  });

  describe("run records", () => {
    const request: RecordRequest = {
      action: "record",
      runId: "drill-1",
      executionArn: "arn:aws:states:us-west-2:111122223333:execution:runbook:drill-1",
      mode: "planned",
      reason: "quarterly drill",
      fromRegion: "us-east-1",
      toRegion: "us-west-2",
      outcome: "FAILED",
      error: { Error: "Runbook.LagNotDrained", Cause: "lag stayed high" },
    };

    it("records a failure with its step and error, and leaves the failure path out of the steps", async () => {
      const saved: RunRecord[] = [];
      const record = await recordRun(request, {
        history: async () => [
          ...HISTORY.slice(0, 5),
          entered("LagDrained?", 5),
          entered("RecordFailure", 6),
        ],
        put: async (r) => void saved.push(r),
        now: () => at(7),
      });
      assert.deepEqual(saved, [record]);
      assert.equal(record.status, "FAILED");
      assert.equal(record.failedStep, "LagDrained?");
      assert.equal(record.error, "Runbook.LagNotDrained: lag stayed high");
      assert.equal(record.durationSeconds, 7);
      assert.equal(record.oldRegionFenced, null);
      assert.ok(!record.steps.some((s) => s.state === "RecordFailure"));
    });
  });
});

describe("failover steps handler (serialized)", function () {
  this.timeout(60_000);
  const RUNS_TABLE = "acmepay-dev-failover-runs-usw2";
  const EXECUTION =
    "arn:aws:states:us-west-2:111122223333:execution:acmepay-dev-failover-runbook-usw2:drill-7";
  let code: string;
  let db: LocalDynamoDb;
  let aws: AwsStub;
  let api: http.Server;
  let apiUrl: string;
  let silent: http.Server;
  let silentUrl: string;
  let role = "standby";
  let environment: Record<string, string>;

  before(async () => {
    code = serializedCode(await evaluate({ stack: "dev" }), "secondary-failover-steps");
    db = await startDynamoDb();
    await db.client.send(
      new CreateTableCommand({
        TableName: RUNS_TABLE,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: "runId", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "runId", AttributeType: "S" }],
      }),
    );
    aws = await startAwsStub({
      "AmazonSSM.PutParameter": () => ({ body: { Version: 2, Tier: "Standard" } }),
      "ToggleCustomerAPI.UpdateRoutingControlStates": () => ({ body: {} }),
      "AWSStepFunctions.GetExecutionHistory": () => ({
        body: {
          events: HISTORY.map((e, id) => ({
            id: id + 1,
            timestamp: e.timestamp.getTime() / 1000,
            type: e.type,
            ...(e.stateEnteredEventDetails
              ? { stateEnteredEventDetails: e.stateEnteredEventDetails }
              : {}),
            ...(e.stateExitedEventDetails
              ? { stateExitedEventDetails: e.stateExitedEventDetails }
              : {}),
          })),
        },
      }),
    });
    api = http.createServer((_request, response) => {
      response.writeHead(role === "active" ? 200 : 503, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ status: "x", region: "us-west-2", role }));
    });
    apiUrl = `${await listen(api)}/health?role=active`;
    // Accepts connections and never answers: a region that does not respond.
    silent = http.createServer(() => undefined);
    silentUrl = await listen(silent);
    environment = {
      AWS_REGION: "us-west-2",
      RUNS_TABLE,
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ENDPOINT_URL_SSM: aws.endpoint,
      AWS_ENDPOINT_URL_SFN: aws.endpoint,
    };
  });

  after(async () => {
    await db.close();
    await aws.close();
    await close(api);
    await close(silent);
  });

  it("fences the old region's flag with one PutParameter in that region", async () => {
    aws.calls.length = 0;
    const run = await runSerialized(
      code,
      {
        action: "fence",
        region: "us-east-1",
        parameterName: "acmepay-dev-active-region",
        activeRegion: "us-west-2",
      },
      environment,
    );
    assert.deepEqual(run, { ok: true, result: { fenced: true, region: "us-east-1" } });
    assert.deepEqual(aws.calls, [
      {
        target: "AmazonSSM.PutParameter",
        body: { Name: "acmepay-dev-active-region", Value: "us-west-2", Overwrite: true },
      },
    ]);
  });

  it("gives up on a region that does not answer within seconds, as FenceFailed", async () => {
    const started = Date.now();
    const run = await runSerialized(
      code,
      {
        action: "fence",
        region: "us-east-1",
        parameterName: "acmepay-dev-active-region",
        activeRegion: "us-west-2",
      },
      { ...environment, AWS_ENDPOINT_URL_SSM: silentUrl },
    );
    const seconds = (Date.now() - started) / 1000;
    assert.equal(run.ok, false);
    assert.equal(run.errorType, "FenceFailed");
    assert.match(
      String(run.error),
      /^could not set acmepay-dev-active-region in us-east-1 to us-west-2: /,
    );
    // Two attempts of 3 s each, well inside the step's 12 s Lambda timeout.
    assert.ok(seconds < 12, `took ${seconds} s`);
  });

  it("verifies the health endpoint over HTTP: standby fails, active passes", async () => {
    role = "standby";
    const standby = await runSerialized(
      code,
      { action: "verify-health", url: apiUrl },
      environment,
    );
    assert.equal(standby.errorType, "HealthCheckFailed");
    role = "active";
    const active = await runSerialized(code, { action: "verify-health", url: apiUrl }, environment);
    assert.deepEqual(active, {
      ok: true,
      result: { status: 200, role: "active", region: "us-west-2" },
    });
  });

  it("records the run with each step's measured duration in the runs table", async () => {
    const run = await runSerialized(
      code,
      {
        action: "record",
        runId: "drill-7",
        executionArn: EXECUTION,
        mode: "planned",
        reason: "quarterly drill",
        fromRegion: "us-east-1",
        toRegion: "us-west-2",
        outcome: "SUCCEEDED",
        fence: { fenced: true, region: "us-east-1" },
      },
      environment,
    );
    assert.equal(run.ok, true, run.error);
    const [item] = await db.items(RUNS_TABLE);
    assert.equal(item.runId.S, "drill-7");
    assert.equal(item.status.S, "SUCCEEDED");
    assert.equal(item.oldRegionFenced.BOOL, true);
    assert.equal(item.failedStep.NULL, true);
    const steps = JSON.parse(String(item.steps.S)) as {
      state: string;
      seconds: number;
      visits: number;
    }[];
    assert.deepEqual(steps.slice(0, 3), [
      { state: "RecordStart", seconds: 1, visits: 1 },
      { state: "FenceOldRegion", seconds: 2, visits: 1 },
      { state: "ReadWriter", seconds: 3, visits: 2 },
    ]);
    assert.deepEqual(
      aws.calls
        .filter((c) => c.target === "AWSStepFunctions.GetExecutionHistory")
        .map((c) => c.body.executionArn),
      [EXECUTION],
    );
  });

  it("flips ARC routing controls through the first cluster endpoint that answers", async () => {
    aws.calls.length = 0;
    const run = await runSerialized(
      code,
      {
        action: "route-traffic",
        // The first endpoint never answers; the second is the stub.
        clusterEndpoints: [
          { endpoint: silentUrl, region: "us-east-1" },
          { endpoint: aws.endpoint, region: "us-west-2" },
        ],
        on: "arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/usw2",
        off: "arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/use1",
      },
      environment,
    );
    assert.deepEqual(run, { ok: true, result: { endpointRegion: "us-west-2", tried: 2 } });
    assert.deepEqual(aws.calls, [
      {
        target: "ToggleCustomerAPI.UpdateRoutingControlStates",
        body: {
          UpdateRoutingControlStateEntries: [
            {
              RoutingControlArn:
                "arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/usw2",
              RoutingControlState: "On",
            },
            {
              RoutingControlArn:
                "arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/use1",
              RoutingControlState: "Off",
            },
          ],
        },
      },
    ]);
  });

  it("refuses an unknown action by name", async () => {
    const run = await runSerialized(code, { action: "reboot" }, environment);
    assert.deepEqual(run, {
      ok: false,
      error: 'unknown action "reboot"',
      errorType: "UnknownAction",
    });
  });
});
