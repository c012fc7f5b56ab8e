import { strict as assert } from "node:assert";
import {
  drain,
  type DrainPorts,
  failedStep,
  fence,
  setProcessing,
  type MetricQuery,
  recordRun,
  type RecordRequest,
  replicationLag,
  routeTraffic,
  type RunRecord,
  stepDurations,
  verifyHealth,
} from "../../handlers/failover-steps";
import { at, entered, HISTORY } from "../fixtures/failover";

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

  describe("set-processing", () => {
    it("tries every mapping and names those that did not change", async () => {
      const changed: string[] = [];
      const ports = {
        setEnabled: async (_region: string, uuid: string) => {
          if (uuid === "b") {
            throw Object.assign(new Error("x"), { name: "ResourceConflictException" });
          }
          changed.push(uuid);
        },
      };
      await assert.rejects(
        setProcessing(
          {
            action: "set-processing",
            region: "us-east-1",
            mappings: ["a", "b", "c"],
            enabled: false,
          },
          ports,
        ),
        {
          name: "ProcessingNotSet",
          message: "could not pause processing in us-east-1 (b: ResourceConflictException)",
        },
      );
      assert.deepEqual(changed, ["a", "c"]);
    });
  });

  describe("drain", () => {
    /** Queues over memory: `sendFails` names bodies the destination refuses. */
    function queues(waiting: string[], sendFails: string[] = []) {
      const deleted: string[] = [];
      const sent: string[] = [];
      const ports: DrainPorts = {
        receive: async (_region, _url, max) =>
          waiting.splice(0, max).map((body) => ({ body, receiptHandle: `rh-${body}` })),
        send: async (_url, bodies) => {
          const ok = bodies.map((b, i) => [b, i] as const).filter(([b]) => !sendFails.includes(b));
          sent.push(...ok.map(([b]) => b));
          return ok.map(([, i]) => i);
        },
        remove: async (_region, _url, handles) => {
          deleted.push(...handles);
        },
        depth: async () => ({ visible: waiting.length, inFlight: 0, delayed: 0 }),
        running: async () => 0,
      };
      return { ports, sent, deleted };
    }
    const request = (maxMoves: number) => ({
      action: "drain" as const,
      fromRegion: "us-east-1",
      queueUrls: ["old-payments"],
      stateMachineArn: "arn",
      toQueueUrl: "new-payments",
      maxMoves,
    });

    const cases: [string, number, number, number, boolean][] = [
      // waiting, maxMoves, moved, left visible, drained
      ["an empty queue", 0, 200, 0, true],
      ["a backlog within the call's bound", 25, 200, 0, true],
      ["a backlog over the call's bound (the next poll moves the rest)", 250, 200, 50, false],
    ];
    for (const [what, count, maxMoves, left, drained] of cases) {
      it(`moves ${what}`, async () => {
        const waiting = Array.from({ length: count }, (_, i) => `m${i}`);
        const world = queues(waiting);
        const report = await drain(request(maxMoves), world.ports);
        assert.equal(report.moved, count - left);
        assert.equal(report.visible, left);
        assert.equal(report.drained, drained);
        assert.deepEqual(
          world.deleted,
          world.sent.map((b) => `rh-${b}`),
        );
      });
    }

    it("deletes only what the destination took, and stops there", async () => {
      const world = queues(["a", "b", "c"], ["b"]);
      const report = await drain(request(200), world.ports);
      assert.equal(report.moved, 2);
      assert.deepEqual(world.deleted, ["rh-a", "rh-c"]);
    });
  });
});
