import { strict as assert } from "node:assert";
import { POLICIES } from "../../policy/policies";
import { evaluate, type Evaluation, PROJECT_ROOT } from "../../tools/engine/engine";
import { checkInvariants } from "../../tools/engine/invariants";
import { loadPackConfig, runPolicyPack } from "../../tools/engine/policy-runner";
import { find, stackPlan } from "../fixtures/plan";
import { eventOf, matchesPattern } from "../../tools/harness/event-patterns";

const regionOfArn = (arn: unknown) => String(arn).split(":")[3];

describe("failover tier alarms", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      before(async () => {
        evaluation = await stackPlan(stack);
      });

      it("gives every alarm of the stack an ALARM and OK action on the alarms topic of its own region", () => {
        const alarms = evaluation.resources.filter((r) =>
          [
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "aws:cloudwatch/compositeAlarm:CompositeAlarm",
          ].includes(r.type),
        );
        // Per region: 19 on the golden signals and replication, 2 on the repair path (parked
        // payments, its dead letters), 4 on the sweeper (its errors, throttles, re-queues and
        // restored ledger entries), the composite, the DLQ alarm, and the peer watch's two
        // (peer-unreachable, peer-down); in us-east-1 also the two health-check alarms.
        assert.equal(alarms.length, 2 * 29 + 2);
        for (const alarm of alarms) {
          const role =
            alarm.placement === evaluation.config.regions.primary ? "primary" : "secondary";
          const topic = find(evaluation, "aws:sns/topic:Topic", `${role}-failover-alarms`);
          assert.deepEqual(alarm.rawInputs.alarmActions, [topic.outputs.arn], alarm.name);
          assert.equal(regionOfArn(topic.outputs.arn), alarm.placement, alarm.name);
        }
      });

      it("pages through each region's alarms topic when an AWS Backup job fails, and for nothing else", () => {
        for (const role of ["primary", "secondary"] as const) {
          const region = evaluation.config.regions[role];
          const topic = find(evaluation, "aws:sns/topic:Topic", `${role}-failover-alarms`);
          const rule = find(
            evaluation,
            "aws:cloudwatch/eventRule:EventRule",
            `${role}-failover-failed-backup-jobs`,
          );
          assert.equal(rule.placement, region);
          assert.equal(
            rule.rawInputs.eventBusName,
            undefined,
            "AWS Backup sends to the default bus",
          );
          const target = find(
            evaluation,
            "aws:cloudwatch/eventTarget:EventTarget",
            `${role}-failover-failed-backup-jobs`,
          );
          assert.deepEqual(
            [target.rawInputs.rule, target.rawInputs.arn],
            [rule.outputs.name, topic.outputs.arn],
          );
          const statements = (
            JSON.parse(
              String(
                find(evaluation, "aws:sns/topicPolicy:TopicPolicy", `${role}-failover-alarms`)
                  .rawInputs.policy,
              ),
            ) as {
              Statement: {
                Sid: string;
                Principal: unknown;
                Action: unknown;
                Condition?: unknown;
              }[];
            }
          ).Statement;
          assert.deepEqual(
            statements.find((s) => s.Sid === "FailedBackupJobsPublish"),
            {
              Sid: "FailedBackupJobsPublish",
              Effect: "Allow",
              Principal: { Service: "events.amazonaws.com" },
              Action: "sns:Publish",
              Resource: topic.outputs.arn,
            },
          );
          // The events as AWS Backup sends them (AWS Backup Developer Guide, "Monitoring AWS Backup
          // events using Amazon EventBridge": backup and copy jobs report `state`, restore jobs
          // `status`), judged by the EventBridge pattern matcher.
          const pattern = JSON.parse(String(rule.rawInputs.eventPattern)) as Record<
            string,
            unknown
          >;
          const event = (detailType: string, detail: object) =>
            eventOf(
              { Source: "aws.backup", DetailType: detailType, Detail: detail },
              region,
              "123456789012",
            );
          const cases: [string, object, boolean][] = [
            [
              "Backup Job State Change",
              { backupJobId: "b-1", state: "FAILED", resourceType: "Aurora" },
              true,
            ],
            [
              "Backup Job State Change",
              { backupJobId: "b-2", state: "ABORTED", resourceType: "S3" },
              true,
            ],
            [
              "Backup Job State Change",
              { backupJobId: "b-3", state: "EXPIRED", resourceType: "DynamoDB" },
              true,
            ],
            ["Backup Job State Change", { backupJobId: "b-4", state: "COMPLETED" }, false],
            ["Backup Job State Change", { backupJobId: "b-5", state: "RUNNING" }, false],
            [
              "Copy Job State Change",
              { copyJobId: "c-1", state: "FAILED", resourceType: "Aurora" },
              true,
            ],
            ["Copy Job State Change", { copyJobId: "c-2", state: "COMPLETED" }, false],
            ["Restore Job State Change", { restoreJobId: "r-1", status: "FAILED" }, true],
            ["Restore Job State Change", { restoreJobId: "r-2", status: "COMPLETED" }, false],
            ["Backup Vault State Change", { state: "FAILED" }, false],
          ];
          assert.deepEqual(
            cases.map(([type, detail]) => matchesPattern(pattern, event(type, detail))),
            cases.map(([, , expected]) => expected),
          );
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
          // Only a rate over consecutive minutes: a lone error, throttle or timed-out workflow
          // never starts an AllowDataLoss failover.
          assert.equal(
            composite.alarmRule,
            ["api-5xx"]
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
        // Per region 19, the repair path's 2, the sweeper's 4, the dead-letter queue's and the
        // peer watch's; in us-east-1 the two health checks'.
        assert.equal(tierAlarms.length, 2 * 27 + 2);
        for (const alarm of tierAlarms) {
          // The health checks and the peer probe report all the time: their silence is a failure.
          const alwaysReports =
            alarm.rawInputs.namespace === "AWS/Route53" ||
            alarm.rawInputs.namespace === "Payments/Failover";
          assert.equal(
            alarm.rawInputs.treatMissingData,
            alwaysReports ? "breaching" : "notBreaching",
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
            topic: find(evaluation, "aws:sns/topic:Topic", `${role}-failover-alarms`).outputs.arn,
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
      "primary-orchestration-global-endpoint",
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
        find(
          evaluation,
          "aws:iam/rolePolicy:RolePolicy",
          "primary-orchestration-global-endpoint-replication",
        ).rawInputs.policy,
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
    const plain = await stackPlan("prod");
    assert.equal(
      plain.resources.filter((r) => r.type === "aws:cloudwatch/eventEndpoint:EventEndpoint").length,
      0,
    );
  });
});

describe("failover tier write path", () => {
  type Statement = { Sid: string; Action: string | string[]; Resource: string | string[] };
  const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
  /** The IAM action a Task's resource needs (service integrations and SDK calls alike). */
  const actionOf = (resource: string) => {
    const [service, api] = resource.replace(/^arn:aws:states:::(aws-sdk:)?/, "").split(":");
    const verb = api === "invoke" ? "InvokeFunction" : api.charAt(0).toUpperCase() + api.slice(1);
    return `${service}:${verb}`;
  };

  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      before(async () => {
        evaluation = await stackPlan(stack);
      });
      const statementsOf = (name: string) =>
        (
          JSON.parse(
            String(find(evaluation, "aws:iam/rolePolicy:RolePolicy", name).rawInputs.policy),
          ) as { Statement: Statement[] }
        ).Statement;

      for (const role of ["primary", "secondary"] as const) {
        const peerRole = role === "primary" ? "secondary" : "primary";
        it(`${role}: its runbook moves the writes to its own region, with a role for exactly the calls it makes`, () => {
          const region = evaluation.config.regions[role];
          const peer = evaluation.config.regions[peerRole];
          const machine = find(
            evaluation,
            "aws:sfn/stateMachine:StateMachine",
            `${role}-failover-runbook`,
          );
          assert.equal(machine.placement, region);
          const definition = JSON.parse(String(machine.rawInputs.definition)) as {
            States: Record<
              string,
              { Type: string; Resource?: string; Parameters?: Record<string, unknown> }
            >;
          };
          const cluster = find(evaluation, "aws:rds/cluster:Cluster", `${role}-data-ledger`);
          for (const state of ["SwitchoverLedger", "FailoverLedger"]) {
            assert.equal(
              definition.States[state].Parameters?.TargetDbClusterIdentifier,
              cluster.outputs.arn,
            );
          }
          assert.equal(definition.States.SetActiveRegion.Parameters?.Value, region);
          assert.equal(
            (definition.States.FenceOldRegion.Parameters?.Payload as { region: string }).region,
            peer,
          );
          const calls = new Set(
            Object.values(definition.States)
              .filter((s) => s.Type === "Task")
              .map((s) => actionOf(String(s.Resource))),
          );
          const statements = statementsOf(`${role}-failover-runbook`);
          const granted = new Set(
            statements
              .filter((s) => !["UseTheRegionsKey", "DeliverLogsAndTraces"].includes(s.Sid))
              .flatMap((s) => asList(s.Action)),
          );
          assert.deepEqual([...granted].sort(), [...calls].sort());
          // Switchover and failover act on the global cluster and on both members (AWS's sample
          // policy for Aurora global failover lists the three:
          // https://docs.aws.amazon.com/r53recovery/latest/dg/security_iam_region_switch_aurora.html).
          const member = (r: "primary" | "secondary") =>
            String(find(evaluation, "aws:rds/cluster:Cluster", `${r}-data-ledger`).outputs.arn);
          const global = find(
            evaluation,
            "aws:rds/globalCluster:GlobalCluster",
            "primary-data-ledger",
          );
          const switching = statements.find((s) => s.Sid === "SwitchTheGlobalDatabase");
          assert.ok(switching !== undefined, "a statement for the switch");
          assert.deepEqual(
            asList(switching.Resource).sort(),
            [String(global.outputs.arn), member("primary"), member("secondary")].sort(),
          );
          for (const statement of statements.filter(
            (s) => !["DeliverLogsAndTraces", "SwitchTheGlobalDatabase"].includes(s.Sid),
          )) {
            for (const resource of asList(statement.Resource)) {
              // The global cluster's ARN has no region; everything else is this region's.
              assert.ok(
                resource.includes(`:${region}:`) || resource.startsWith("arn:aws:rds::"),
                `${statement.Sid} ${resource}`,
              );
            }
          }
        });

        it(`${role}: its steps function fences only the other region's flag`, () => {
          const steps = Object.fromEntries(
            statementsOf(`${role}-failover-steps`).map((s) => [
              s.Sid,
              [asList(s.Action), asList(s.Resource)],
            ]),
          );
          const peerFlag = find(
            evaluation,
            "aws:ssm/parameter:Parameter",
            `${peerRole}-data-active-region`,
          );
          assert.deepEqual(steps.FenceTheOldRegion, [["ssm:PutParameter"], [peerFlag.outputs.arn]]);
          assert.deepEqual(steps.ReadReplicationLag, [["cloudwatch:GetMetricData"], ["*"]]);
          assert.match(
            String(steps.MeasureTheRun[1][0]),
            new RegExp(
              `^arn:aws:states:${evaluation.config.regions[role]}:\\d+:execution:.*-failover-runbook-.*:\\*$`,
            ),
          );
        });

        it(`${role}: its orchestrator hears the other region's region-impaired alarm, across regions`, () => {
          const region = evaluation.config.regions[role];
          const peer = evaluation.config.regions[peerRole];
          const orchestrator = find(
            evaluation,
            "aws:lambda/function:Function",
            `${role}-failover-orchestrator`,
          );
          const peerTopic = find(evaluation, "aws:sns/topic:Topic", `${peerRole}-failover-alarms`);
          const subscription = find(
            evaluation,
            "aws:sns/topicSubscription:TopicSubscription",
            `${peerRole}-failover-impaired-to-peer-orchestrator`,
          );
          assert.equal(subscription.placement, peer, "the subscription lives with the topic");
          assert.equal(subscription.rawInputs.topic, peerTopic.outputs.arn);
          assert.equal(subscription.rawInputs.endpoint, orchestrator.outputs.arn);
          assert.equal(subscription.rawInputs.protocol, "lambda");
          const peerImpaired = find(
            evaluation,
            "aws:cloudwatch/compositeAlarm:CompositeAlarm",
            `${peerRole}-failover-region-impaired`,
          );
          assert.deepEqual(JSON.parse(String(subscription.rawInputs.filterPolicy)), {
            AlarmName: [peerImpaired.rawInputs.alarmName],
          });
          const permission = find(
            evaluation,
            "aws:lambda/permission:Permission",
            `${role}-failover-orchestrator-from-peer-alarms`,
          );
          assert.equal(permission.placement, region);
          assert.equal(permission.rawInputs.sourceArn, peerTopic.outputs.arn);
          const env = (orchestrator.rawInputs.environment as { variables: Record<string, string> })
            .variables;
          // The peer's verdict where it is raised, and this region's peer-down here.
          const peerDown = find(
            evaluation,
            "aws:cloudwatch/compositeAlarm:CompositeAlarm",
            `${role}-failover-peer-watch-down`,
          );
          assert.equal(
            env.CRITICAL_ALARMS,
            `${String(peerImpaired.rawInputs.alarmName)}@${peer},${String(peerDown.rawInputs.alarmName)}@${region}`,
          );
          const own = find(
            evaluation,
            "aws:sns/topicSubscription:TopicSubscription",
            `${role}-failover-peer-down-to-orchestrator`,
          );
          assert.equal(own.placement, region);
          assert.deepEqual(JSON.parse(String(own.rawInputs.filterPolicy)), {
            AlarmName: [peerDown.rawInputs.alarmName],
          });
          assert.equal(env.AUTOMATIC_WRITE_FAILOVER, String(stack === "prod"));
          assert.equal(env.PEER_REGION, peer);
          const orchestratorPolicy = Object.fromEntries(
            statementsOf(`${role}-failover-orchestrator`).map((s) => [s.Sid, asList(s.Action)]),
          );
          assert.deepEqual(orchestratorPolicy.StartTheRunbook, ["states:StartExecution"]);
        });
      }

      it("reports the write path's bounds from the deployed runbook", () => {
        const recovery = evaluation.outputs.recovery as {
          writePath: Record<string, { nominalSeconds: number; worstCaseSeconds: number }>;
        };
        assert.ok(recovery.writePath.unplanned.nominalSeconds > 0);
        assert.ok(
          recovery.writePath.planned.nominalSeconds > recovery.writePath.unplanned.nominalSeconds,
        );
      });
    });
  }
});
