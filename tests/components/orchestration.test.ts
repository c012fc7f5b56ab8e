import { strict as assert } from "node:assert";
import { paymentWorkflowDefinition } from "../../definitions/payment-workflow";
import type { Evaluation } from "../../tools/engine/engine";
import { find, stackPlan } from "../fixtures/plan";
import { eventOf, matchesPattern } from "../../tools/harness/event-patterns";

type Role = "primary" | "secondary";

const regionOfArn = (arn: string) => arn.split(":")[3];

describe("orchestration tier", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      before(async () => {
        evaluation = await stackPlan(stack);
      });
      const get = (type: string, role: Role, name: string) =>
        find(evaluation, type, `${role}-${name}`);
      const key = (role: Role) =>
        get(
          role === "primary" ? "aws:kms/key:Key" : "aws:kms/replicaKey:ReplicaKey",
          role,
          "keys-key",
        ).outputs.arn;

      for (const role of ["primary", "secondary"] as const) {
        describe(`${role} region`, () => {
          const region = () => evaluation.config.regions[role];
          const machine = () =>
            get("aws:sfn/stateMachine:StateMachine", role, "orchestration-payments");

          it("runs the payment workflow against this region's function, table, cluster, bucket and bus", () => {
            const authorize = get("aws:lambda/function:Function", role, "orchestration-authorize");
            const bus = get("aws:cloudwatch/eventBus:EventBus", role, "orchestration-bus");
            const data = (type: string, name: string) => get(type, role, name).outputs;
            const secretArn =
              role === "primary"
                ? String(
                    find(
                      evaluation,
                      "aws:secretsmanager/secret:Secret",
                      "primary-data-ledger-writer",
                    ).outputs.arn,
                  )
                : String(
                    find(
                      evaluation,
                      "aws:secretsmanager/secret:Secret",
                      "primary-data-ledger-writer",
                    ).outputs.arn,
                  ).replace(evaluation.config.regions.primary, region());
            assert.deepEqual(
              JSON.parse(String(machine().rawInputs.definition)),
              paymentWorkflowDefinition({
                authorizeFunctionArn: String(authorize.outputs.arn),
                tableName: `acmepay-${stack}-payments`,
                clusterArn: String(data("aws:rds/cluster:Cluster", "data-ledger").arn),
                credentialsSecretArn: secretArn,
                database: "ledger",
                receiptsBucket: String(data("aws:s3/bucket:Bucket", "data-receipts").bucket),
                eventBusName: String(bus.rawInputs.name),
                repairQueueUrl: String(
                  get("aws:sqs/queue:Queue", role, "orchestration-repair-queue").outputs.url,
                ),
                authorizeTimeoutSeconds: Number(authorize.rawInputs.timeout),
                region: region(),
              }),
            );
          });

          it(
            "is a STANDARD machine, encrypted with the region's key, traced, logging " +
              (stack === "prod" ? "errors" : "everything"),
            () => {
              const inputs = machine().rawInputs;
              assert.equal(inputs.type, "STANDARD");
              assert.deepEqual(inputs.encryptionConfiguration, {
                type: "CUSTOMER_MANAGED_KMS_KEY",
                kmsKeyId: key(role),
                kmsDataKeyReusePeriodSeconds: 300,
              });
              assert.deepEqual(inputs.tracingConfiguration, { enabled: true });
              const logGroup = get(
                "aws:cloudwatch/logGroup:LogGroup",
                role,
                "orchestration-workflow-logs",
              );
              assert.equal(logGroup.rawInputs.kmsKeyId, key(role));
              assert.deepEqual(inputs.loggingConfiguration, {
                logDestination: `${String(logGroup.outputs.arn)}:*`,
                includeExecutionData: true,
                level: stack === "prod" ? "ERROR" : "ALL",
              });
            },
          );

          it("gives the workflow's role only this region's resources, and no wildcard action", () => {
            const policy = JSON.parse(
              String(
                get("aws:iam/rolePolicy:RolePolicy", role, "orchestration-workflow").rawInputs
                  .policy,
              ),
            ) as {
              Statement: { Sid: string; Action: string | string[]; Resource: string | string[] }[];
            };
            for (const statement of policy.Statement) {
              const actions = [statement.Action].flat();
              assert.ok(!actions.some((a) => a === "*" || a.endsWith(":*")), statement.Sid);
              for (const resource of [statement.Resource].flat()) {
                if (statement.Sid === "DeliverLogsAndTraces") {
                  assert.equal(resource, "*");
                } else if (resource.startsWith("arn:aws:s3:::")) {
                  assert.match(
                    resource,
                    new RegExp(`-${role === "primary" ? "use1" : "usw2"}/receipts/\\*$`),
                  );
                } else {
                  assert.equal(regionOfArn(resource), region(), `${statement.Sid}: ${resource}`);
                }
              }
            }
          });

          it("deploys authorize with the configured rules, timeout and concurrency, reading only its index", () => {
            const fn = get(
              "aws:lambda/function:Function",
              role,
              "orchestration-authorize",
            ).rawInputs;
            const variables = (fn.environment as { variables: Record<string, string> }).variables;
            assert.deepEqual(
              JSON.parse(variables.AUTHORIZATION_RULES),
              evaluation.config.authorization,
            );
            assert.equal(variables.PAYMENTS_TABLE, `acmepay-${stack}-payments`);
            assert.equal(fn.timeout, evaluation.config.authorizeFunction.timeoutSeconds);
            assert.equal(
              fn.reservedConcurrentExecutions,
              evaluation.config.authorizeFunction.reservedConcurrency,
            );
            assert.deepEqual(Object.keys((fn.code as { assets: object }).assets), ["__index.js"]);
            const statements = (
              JSON.parse(
                String(
                  get("aws:iam/rolePolicy:RolePolicy", role, "orchestration-authorize").rawInputs
                    .policy,
                ),
              ) as {
                Statement: { Sid: string; Action: string; Resource: string }[];
              }
            ).Statement;
            const query = statements.find((s) => s.Sid === "ReadTheMerchantsRecentPayments");
            assert.equal(query?.Action, "dynamodb:Query");
            assert.match(
              String(query?.Resource),
              new RegExp(
                `^arn:aws:dynamodb:${region()}:\\d{12}:table/acmepay-${stack}-payments/index/byMerchant$`,
              ),
            );
          });

          it("keeps payment events on an encrypted bus of the shared name, archives them, forwards outcomes to the topic", () => {
            const bus = get("aws:cloudwatch/eventBus:EventBus", role, "orchestration-bus");
            assert.equal(bus.rawInputs.name, `acmepay-${stack}-payments`);
            assert.equal(bus.rawInputs.kmsKeyIdentifier, key(role));
            const archive = get(
              "aws:cloudwatch/eventArchive:EventArchive",
              role,
              "orchestration-archive",
            );
            assert.equal(archive.rawInputs.eventSourceArn, bus.outputs.arn);
            assert.deepEqual(JSON.parse(String(archive.rawInputs.eventPattern)), {
              source: ["payments.workflow"],
            });
            const rule = get("aws:cloudwatch/eventRule:EventRule", role, "orchestration-outcomes");
            assert.deepEqual(JSON.parse(String(rule.rawInputs.eventPattern)), {
              source: ["payments.workflow"],
              "detail-type": ["PaymentCompleted", "PaymentFailed"],
            });
            const topic = get("aws:sns/topic:Topic", role, "orchestration-events");
            assert.equal(topic.rawInputs.kmsMasterKeyId, key(role));
            assert.equal(
              get("aws:cloudwatch/eventTarget:EventTarget", role, "orchestration-outcomes")
                .rawInputs.arn,
              topic.outputs.arn,
            );
            const topicPolicy = JSON.parse(
              String(
                get("aws:sns/topicPolicy:TopicPolicy", role, "orchestration-events").rawInputs
                  .policy,
              ),
            ) as {
              Statement: { Condition?: unknown; Principal: unknown; Action: unknown }[];
            };
            // EventBridge's SNS targets take no Condition block (eb-use-resource-based.html).
            assert.deepEqual(
              topicPolicy.Statement.map((st) => [st.Principal, st.Action, st.Condition]),
              [[{ Service: "events.amazonaws.com" }, "sns:Publish", undefined]],
            );
          });

          it("notifies the high-value topic of completed payments at or above their currency's threshold", () => {
            const bus = get("aws:cloudwatch/eventBus:EventBus", role, "orchestration-bus");
            const rule = get(
              "aws:cloudwatch/eventRule:EventRule",
              role,
              "orchestration-high-value",
            );
            assert.equal(rule.rawInputs.eventBusName, bus.outputs.name);
            const topic = get("aws:sns/topic:Topic", role, "orchestration-high-value");
            assert.equal(topic.rawInputs.kmsMasterKeyId, key(role));
            assert.equal(
              get("aws:cloudwatch/eventTarget:EventTarget", role, "orchestration-high-value")
                .rawInputs.arn,
              topic.outputs.arn,
            );
            const pattern = JSON.parse(String(rule.rawInputs.eventPattern)) as Record<
              string,
              unknown
            >;
            // The workflow's PutEvents entry, as PublishCompleted sends it (the settlement).
            const completed = (currency: string, amountMinor: number, type = "PaymentCompleted") =>
              eventOf(
                {
                  Source: "payments.workflow",
                  DetailType: type,
                  Detail: {
                    paymentId: "pay_0123",
                    merchantId: "merchant-7",
                    customerId: "customer-42",
                    amountMinor,
                    currency,
                    createdAt: "2026-11-30T10:00:00.000Z",
                    region: region(),
                  },
                },
                region(),
                "111122223333",
              );
            const thresholds = evaluation.config.highValueAmountMinor;
            assert.deepEqual(thresholds, { EUR: 500_000, GBP: 500_000, USD: 500_000 });
            const cases: [Record<string, unknown>, boolean][] = [
              [completed("EUR", 500_000), true],
              [completed("EUR", 499_999), false],
              [completed("USD", 9_000_000), true],
              [completed("GBP", 1), false],
              [completed("JPY", 9_000_000), false],
              [completed("EUR", 900_000, "PaymentFailed"), false],
            ];
            for (const [event, expected] of cases) {
              assert.equal(matchesPattern(pattern, event), expected, JSON.stringify(event.detail));
            }
          });
        });
      }
    });
  }
});
