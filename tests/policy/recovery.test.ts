import { strict as assert } from "node:assert";
import { recoveryObjectives } from "../../policy/recovery";
import { resource, stackMessagesOf } from "./harness";

const check = (props: Record<string, unknown>) =>
  resource("aws:route53/healthCheck:HealthCheck", "endpoint", {
    type: "HTTPS",
    requestInterval: 10,
    failureThreshold: 2,
    ...props,
  });
const record = (props: Record<string, unknown>) =>
  resource("aws:route53/record:Record", "api", {
    type: "CNAME",
    ttl: 60,
    failoverRoutingPolicies: [{ type: "PRIMARY" }],
    ...props,
  });

describe("recovery policies", () => {
  describe("recovery-objectives", () => {
    it("passes a budget at the target", async () => {
      assert.deepEqual(await stackMessagesOf(recoveryObjectives, [check({}), record({})]), []);
    });
    it("rejects health checks that detect too slowly", async () => {
      assert.deepEqual(
        await stackMessagesOf(recoveryObjectives, [check({ failureThreshold: 3 }), record({})]),
        [
          "worst-case traffic failover is 100 s (10 s interval × 3 failed checks + 10 s checker aggregation + 60 s TTL), over the target of 90 s",
        ],
      );
    });
    it("counts Route 53's defaults (30 s, 3 checks) when the inputs leave them out", async () => {
      assert.deepEqual(
        await stackMessagesOf(recoveryObjectives, [
          check({ requestInterval: undefined, failureThreshold: undefined }),
          record({}),
        ]),
        [
          "worst-case traffic failover is 180 s (30 s interval × 3 failed checks + 30 s checker aggregation + 60 s TTL), over the target of 90 s",
        ],
      );
    });
    it("counts an alias record's 60 s target TTL", async () => {
      assert.deepEqual(
        await stackMessagesOf(
          recoveryObjectives,
          [check({}), record({ type: "A", ttl: undefined, aliases: [{}] })],
          { "recovery-objectives": { rtoTrafficSeconds: 60 } },
        ),
        [
          "worst-case traffic failover is 90 s (10 s interval × 2 failed checks + 10 s checker aggregation + 60 s TTL), over the target of 60 s",
        ],
      );
    });
    it("ignores calculated checks and records without failover routing", async () => {
      assert.deepEqual(
        await stackMessagesOf(recoveryObjectives, [
          check({}),
          resource("aws:route53/healthCheck:HealthCheck", "guard", { type: "CALCULATED" }),
          record({}),
          resource("aws:route53/record:Record", "regional", { type: "A", ttl: 3600 }),
        ]),
        [],
      );
    });
  });
});

describe("recovery-objectives: the payments RPO", () => {
  const globalTable = resource("aws:dynamodb/table:Table", "payments", { replicas: [{}] });
  const alarm = (metricName: string, threshold: number) =>
    resource("aws:cloudwatch/metricAlarm:MetricAlarm", metricName, {
      namespace: metricName === "ReplicationLatency" ? "AWS/DynamoDB" : "AWS/RDS",
      metricName,
      threshold,
    });
  const globalCluster = resource("aws:rds/globalCluster:GlobalCluster", "ledger", {});

  it("passes stores bounded within the target", async () => {
    assert.deepEqual(
      await stackMessagesOf(recoveryObjectives, [
        globalTable,
        globalCluster,
        alarm("ReplicationLatency", 5000),
        alarm("AuroraGlobalDBRPOLag", 1000),
      ]),
      [],
    );
  });

  it("rejects a replicated store that nothing bounds", async () => {
    assert.deepEqual(
      await stackMessagesOf(recoveryObjectives, [
        globalTable,
        globalCluster,
        alarm("ReplicationLatency", 5000),
      ]),
      [
        "the ledger's RPO is unbounded (Aurora global database with no AuroraGlobalDBRPOLag alarm: unbounded), over the target of 5 s",
      ],
    );
  });

  it("takes the target from the pack config", async () => {
    assert.deepEqual(
      await stackMessagesOf(recoveryObjectives, [globalTable, alarm("ReplicationLatency", 5000)], {
        "recovery-objectives": { rpoSeconds: 1 },
      }),
      [
        "the payments table's RPO is 5 s (eventual replication (typically under 1 s); later than this raises the ReplicationLatency alarm), over the target of 1 s",
      ],
    );
  });
});
