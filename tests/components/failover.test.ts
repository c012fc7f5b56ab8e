import { strict as assert } from "node:assert";
import { POLICIES } from "../../policy/policies";
import { evaluate, type Evaluation, PROJECT_ROOT } from "../../tools/engine/engine";
import { checkInvariants } from "../../tools/engine/invariants";
import { loadPackConfig, runPolicyPack } from "../../tools/engine/policy-runner";
import { find } from "../fixtures/plan";

const regionOfArn = (arn: unknown) => String(arn).split(":")[3];

describe("failover tier alarms", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      before(async () => {
        evaluation = await evaluate({ stack });
      });

      it("gives every alarm of the stack an ALARM and OK action on the alarms topic of its own region", () => {
        const alarms = evaluation.resources.filter((r) =>
          [
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "aws:cloudwatch/compositeAlarm:CompositeAlarm",
          ].includes(r.type),
        );
        // Per region: 19 in the failover tier, its composite, and the compute tier's DLQ alarm;
        // in us-east-1 also the two health-check alarms.
        assert.equal(alarms.length, 2 * 21 + 2);
        for (const alarm of alarms) {
          const role =
            alarm.placement === evaluation.config.regions.primary ? "primary" : "secondary";
          const topic = find(evaluation, "aws:sns/topic:Topic", `${role}-orchestration-alarms`);
          assert.deepEqual(alarm.rawInputs.alarmActions, [topic.outputs.arn], alarm.name);
          assert.equal(regionOfArn(topic.outputs.arn), alarm.placement, alarm.name);
        }
      });

      for (const role of ["primary", "secondary"] as const) {
        it(`watches the ${role} region's own resources with the configured thresholds`, () => {
          const region = evaluation.config.regions[role];
          const peer = evaluation.config.regions[role === "primary" ? "secondary" : "primary"];
          const alarm = (base: string) =>
            find(evaluation, "aws:cloudwatch/metricAlarm:MetricAlarm", `${role}-failover-${base}`)
              .rawInputs;
          const { alarms } = evaluation.config;
          assert.deepEqual(
            [
              alarm("api-5xx").threshold,
              alarm("api-5xx").statistic,
              alarm("api-5xx").evaluationPeriods,
            ],
            [alarms.api5xxPercent / 100, "Average", alarms.evaluationPeriods],
          );
          assert.deepEqual(alarm("api-5xx").dimensions, {
            ApiName: find(evaluation, "aws:apigateway/restApi:RestApi", `${role}-compute-api`)
              .outputs.name,
            Stage: "v1",
          });
          assert.equal(alarm("api-p99-latency").extendedStatistic, "p99");
          for (const fn of ["payments-api", "payments-processor", "health"]) {
            const name = find(evaluation, "aws:lambda/function:Function", `${role}-compute-${fn}`)
              .outputs.name;
            assert.deepEqual(alarm(`${fn}-errors`).dimensions, { FunctionName: name });
            assert.deepEqual(alarm(`${fn}-throttles`).dimensions, { FunctionName: name });
          }
          assert.deepEqual(alarm("dynamodb-replication-latency").dimensions, {
            TableName: "acmepay-" + stack + "-payments",
            ReceivingRegion: peer,
          });
          assert.deepEqual(
            [alarm("aurora-rpo-lag").metricName, alarm("aurora-rpo-lag").threshold],
            ["AuroraGlobalDBRPOLag", 1000],
          );
          assert.deepEqual(alarm("aurora-rpo-lag").dimensions, {
            DBClusterIdentifier: find(evaluation, "aws:rds/cluster:Cluster", `${role}-data-ledger`)
              .outputs.clusterIdentifier,
          });
          assert.equal(
            alarm("s3-replication-latency").threshold,
            alarms.s3ReplicationLatencySeconds,
          );
          assert.equal(
            (alarm("s3-replication-failed").dimensions as Record<string, string>).RuleId,
            `to-${peer}`,
          );
          assert.equal(
            regionOfArn(
              alarm("workflow-timed-out").dimensions &&
                (alarm("workflow-timed-out").dimensions as Record<string, string>).StateMachineArn,
            ),
            region,
          );
          const composite = find(
            evaluation,
            "aws:cloudwatch/compositeAlarm:CompositeAlarm",
            `${role}-failover-region-impaired`,
          ).rawInputs;
          assert.equal(
            composite.alarmRule,
            ["api-5xx", "payments-api-errors", "workflow-timed-out", "dynamodb-write-throttles"]
              .map(
                (base) =>
                  `ALARM("${String(find(evaluation, "aws:cloudwatch/metricAlarm:MetricAlarm", `${role}-failover-${base}`).outputs.name)}")`,
              )
              .join(" OR "),
          );
        });
      }

      it("treats missing service data as healthy, a missing health-check status as a failure", () => {
        const tierAlarms = evaluation.resources.filter(
          (r) =>
            r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.name.includes("-failover-"),
        );
        assert.equal(tierAlarms.length, 2 * 19 + 2);
        for (const alarm of tierAlarms) {
          const route53 = alarm.rawInputs.namespace === "AWS/Route53";
          assert.equal(
            alarm.rawInputs.treatMissingData,
            route53 ? "breaching" : "notBreaching",
            alarm.name,
          );
        }
      });

      it("alarms on both regions' Route 53 health checks from us-east-1, where Route 53 publishes", () => {
        const health = evaluation.resources.filter(
          (r) =>
            r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" &&
            r.rawInputs.namespace === "AWS/Route53",
        );
        assert.deepEqual(
          health.map((a) => [
            a.placement,
            (a.rawInputs.dimensions as { HealthCheckId: string }).HealthCheckId,
          ]),
          (["primary", "secondary"] as const).map((role) => [
            "us-east-1",
            find(evaluation, "aws:route53/healthCheck:HealthCheck", `traffic-${role}-endpoint`).id,
          ]),
        );
        assert.ok(
          health.every(
            (a) =>
              a.rawInputs.comparisonOperator === "LessThanThreshold" && a.rawInputs.threshold === 1,
          ),
        );
      });

      it("subscribes the alert e-mail to each region's alarms topic", () => {
        for (const role of ["primary", "secondary"] as const) {
          const subscription = find(
            evaluation,
            "aws:sns/topicSubscription:TopicSubscription",
            `${role}-failover-alert-email`,
          );
          assert.deepEqual(subscription.rawInputs, {
            topic: find(evaluation, "aws:sns/topic:Topic", `${role}-orchestration-alarms`).outputs
              .arn,
            protocol: "email",
            endpoint: evaluation.config.alertEmail,
          });
        }
      });
    });
  }
});

describe("EventBridge global endpoint (eventBridgeGlobalEndpoint)", () => {
  let evaluation: Evaluation;
  before(async () => {
    evaluation = await evaluate({
      stack: "prod",
      configOverrides: { eventBridgeGlobalEndpoint: "true" },
    });
  });

  it("routes to the primary's bus while the primary's API check passes, else to the secondary's", () => {
    const endpoint = find(
      evaluation,
      "aws:cloudwatch/eventEndpoint:EventEndpoint",
      "primary-failover-events",
    );
    const bus = (role: string) =>
      find(evaluation, "aws:cloudwatch/eventBus:EventBus", `${role}-orchestration-bus`).outputs.arn;
    assert.equal(endpoint.placement, evaluation.config.regions.primary);
    assert.deepEqual(endpoint.rawInputs.eventBuses, [
      { eventBusArn: bus("primary") },
      { eventBusArn: bus("secondary") },
    ]);
    assert.deepEqual(endpoint.rawInputs.routingConfig, {
      failoverConfig: {
        primary: {
          healthCheck: find(
            evaluation,
            "aws:route53/healthCheck:HealthCheck",
            "traffic-primary-endpoint",
          ).outputs.arn,
        },
        secondary: { route: evaluation.config.regions.secondary },
      },
    });
    assert.deepEqual(endpoint.rawInputs.replicationConfig, { state: "ENABLED" });
    const policy = JSON.parse(
      String(
        find(evaluation, "aws:iam/rolePolicy:RolePolicy", "primary-failover-event-replication")
          .rawInputs.policy,
      ),
    ) as { Statement: { Action: string; Resource: string[] }[] };
    assert.deepEqual(
      policy.Statement.map((s) => [s.Action, [...s.Resource].sort()]),
      [["events:PutEvents", [String(bus("primary")), String(bus("secondary"))].sort()]],
    );
    assert.match(
      String(evaluation.outputs.eventEndpointUrl),
      /^https:\/\/[a-z0-9]+\.veo\.endpoints\.event\.amazonaws\.com$/,
    );
  });

  it("keeps the plan within the invariants and the policy pack", async () => {
    assert.deepEqual(
      checkInvariants(evaluation).flatMap((i) => i.violations),
      [],
    );
    const pack = await runPolicyPack(POLICIES, evaluation, loadPackConfig(PROJECT_ROOT, "prod"));
    assert.deepEqual(pack.violations, []);
  });

  it("is off by default", async () => {
    const plain = await evaluate({ stack: "prod" });
    assert.equal(
      plain.resources.filter((r) => r.type === "aws:cloudwatch/eventEndpoint:EventEndpoint").length,
      0,
    );
  });
});
