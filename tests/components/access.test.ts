/**
 * Every AWS call of the money path and the failover path, judged by an IAM policy evaluator
 * (@cloud-copilot/iam-simulate, through tools/gameday/iam.ts) against the role and key policies
 * the plan deploys: an AccessDenied here is an AccessDenied on AWS. The resources are the ARNs AWS evaluates for each call — built from
 * the plan's resources and the services' ARN formats, not read back from the policies under test.
 *
 * The calls are those the code makes (handlers/*.lambda.ts, the Tasks of definitions/*.ts);
 * handlers and definitions cite the page of each. The receipts bucket's own policy is judged with
 * the workflow's write in data.test.ts. This list is kept by hand; an inventory derived from the
 * code itself is issue 16's access judge.
 */
import { strict as assert } from "node:assert";
import type { Evaluation } from "../../tools/engine/engine";
import { find, stackPlan } from "../fixtures/plan";
import { peerOf } from "../../model/regions";
import { AccessJudge } from "../../tools/gameday/iam";

type Role = "primary" | "secondary";

describe("access: every call of the money and failover paths is allowed by its role", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      before(async () => {
        evaluation = await stackPlan(stack);
      });
      const out = (type: string, name: string, key = "arn") =>
        String(find(evaluation, type, name).outputs[key]);

      /** The calls each role makes in `role`'s region: [action, resource ARN]. */
      function calls(role: Role): Record<string, [string, string][]> {
        const peer = peerOf(role);
        const region = evaluation.config.regions[role];
        const account = out("aws:iam/role:Role", `${role}-failover-steps`).split(":")[4];
        const tableName = String(
          find(evaluation, "aws:dynamodb/table:Table", "primary-data-payments").outputs.name,
        );
        // A global table's replica in a region is that region's table of the same name.
        const table = `arn:aws:dynamodb:${region}:${account}:table/${tableName}`;
        // A replica secret has the primary's ARN with the replica's region.
        // The handlers' ledger credentials: the writer's, never the master user's.
        const secret = out(
          "aws:secretsmanager/secret:Secret",
          "primary-data-ledger-writer",
        ).replace(`:${evaluation.config.regions.primary}:`, `:${region}:`);
        const merchants = `arn:aws:dynamodb:${region}:${account}:table/${String(
          find(evaluation, "aws:dynamodb/table:Table", "primary-data-merchants").outputs.name,
        )}`;
        const apiSecret = (name: string) =>
          out("aws:secretsmanager/secret:Secret", `primary-data-api-secrets-${name}`).replace(
            `:${evaluation.config.regions.primary}:`,
            `:${region}:`,
          );
        const globalCluster = `arn:aws:rds::${account}:global-cluster:${out(
          "aws:rds/globalCluster:GlobalCluster",
          "primary-data-ledger",
          "globalClusterIdentifier",
        )}`;
        const parameter = (r: Role) =>
          `arn:aws:ssm:${evaluation.config.regions[r]}:${account}:parameter/${out(
            "aws:ssm/parameter:Parameter",
            `${r}-data-active-region`,
            "name",
          ).replace(/^\//, "")}`;
        const cluster = (r: Role) => out("aws:rds/cluster:Cluster", `${r}-data-ledger`);
        const queue = (r: Role, name: string) => out("aws:sqs/queue:Queue", `${r}-${name}`);
        const mapping = (r: Role, name: string) =>
          out("aws:lambda/eventSourceMapping:EventSourceMapping", `${r}-compute-${name}`);
        const machine = (r: Role, name: string) =>
          out("aws:sfn/stateMachine:StateMachine", `${r}-${name}`);
        const key = (r: Role) =>
          out(
            r === "primary" ? "aws:kms/key:Key" : "aws:kms/replicaKey:ReplicaKey",
            `${r}-keys-key`,
          );
        return {
          "compute-payments-api": [
            ["dynamodb:PutItem", table],
            ["dynamodb:GetItem", table],
            ["dynamodb:UpdateItem", table],
            ["sqs:SendMessage", queue(role, "compute-payments-queue")],
            ["ssm:GetParameter", parameter(role)],
            ["secretsmanager:GetSecretValue", apiSecret("payment-id-key")],
            ["kms:Decrypt", key(role)],
          ],
          "compute-merchant-authorizer": [
            ["dynamodb:GetItem", merchants],
            ["secretsmanager:GetSecretValue", apiSecret("merchant-key-pepper")],
            ["kms:Decrypt", key(role)],
          ],
          "compute-payments-processor": [
            ["ssm:GetParameter", parameter(role)],
            ["rds-data:ExecuteStatement", cluster(role)],
            ["secretsmanager:GetSecretValue", secret],
            ["kms:Decrypt", key(role)],
            ["states:StartExecution", machine(role, "orchestration-payments")],
            ["sqs:ReceiveMessage", queue(role, "compute-payments-queue")],
            ["sqs:ReceiveMessage", queue(role, "orchestration-repair-queue")],
            ["sqs:DeleteMessage", queue(role, "orchestration-repair-queue")],
          ],
          "orchestration-authorize": [
            ["ssm:GetParameter", parameter(role)],
            ["dynamodb:Query", `${table}/index/byMerchant`],
          ],
          "compute-sweeper": [
            ["ssm:GetParameter", parameter(role)],
            ["dynamodb:Query", `${table}/index/pending`],
            ["dynamodb:Query", `${table}/index/bySettledHour`],
            ["dynamodb:UpdateItem", table],
            ["sqs:SendMessage", queue(role, "compute-payments-queue")],
            ["kms:GenerateDataKey", key(role)],
            ["rds-data:ExecuteStatement", cluster(role)],
            ["secretsmanager:GetSecretValue", secret],
          ],
          "compute-health": [
            ["dynamodb:GetItem", table],
            ["ssm:GetParameter", parameter(role)],
            ["rds-data:ExecuteStatement", cluster(role)],
            ["secretsmanager:GetSecretValue", secret],
            ["kms:Decrypt", key(role)],
          ],
          "failover-peer-watch": [
            ["ssm:GetParameter", parameter(role)],
            ["ssm:PutParameter", parameter(role)],
            ["rds:DescribeGlobalClusters", globalCluster],
            ["lambda:UpdateEventSourceMapping", mapping(role, "payments-processor")],
            ["lambda:UpdateEventSourceMapping", mapping(role, "payments-repair")],
          ],
          "failover-peer-watch-schedule": [
            [
              "lambda:InvokeFunction",
              out("aws:lambda/function:Function", `${role}-failover-peer-watch`),
            ],
          ],
          "compute-sweeper-schedule": [
            [
              "lambda:InvokeFunction",
              out("aws:lambda/function:Function", `${role}-compute-sweeper`),
            ],
          ],
          "orchestration-workflow": [
            [
              "lambda:InvokeFunction",
              out("aws:lambda/function:Function", `${role}-orchestration-authorize`),
            ],
            [
              "events:PutEvents",
              out("aws:cloudwatch/eventBus:EventBus", `${role}-orchestration-bus`),
            ],
            ["dynamodb:GetItem", table],
            ["dynamodb:UpdateItem", table],
            ["rds-data:ExecuteStatement", cluster(role)],
            ["secretsmanager:GetSecretValue", secret],
            ["sqs:SendMessage", queue(role, "orchestration-repair-queue")],
            ["kms:GenerateDataKey", key(role)],
            ["kms:Decrypt", key(role)],
          ],
          "failover-runbook": [
            // Both calls act on the global cluster and on both members.
            ...["rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"].flatMap((action) =>
              [globalCluster, cluster(role), cluster(peer)].map(
                (resource) => [action, resource] as [string, string],
              ),
            ),
            ["ssm:PutParameter", parameter(role)],
            [
              "lambda:InvokeFunction",
              out("aws:lambda/function:Function", `${role}-failover-steps`),
            ],
            ["dynamodb:PutItem", out("aws:dynamodb/table:Table", `${role}-failover-runs`)],
            ["sns:Publish", out("aws:sns/topic:Topic", `${role}-failover-alarms`)],
          ],
          "failover-orchestrator": [
            ["ssm:GetParameter", parameter(role)],
            ["states:ListExecutions", machine(role, "failover-runbook")],
            ["states:ListExecutions", machine(peer, "failover-runbook")],
            ["states:StartExecution", machine(role, "failover-runbook")],
          ],
          "failover-steps": [
            ["rds:DescribeGlobalClusters", globalCluster],
            ["cloudwatch:GetMetricData", "*"],
            ["ssm:PutParameter", parameter(peer)],
            ["dynamodb:PutItem", out("aws:dynamodb/table:Table", `${role}-failover-runs`)],
            [
              "states:GetExecutionHistory",
              `${machine(role, "failover-runbook").replace(":stateMachine:", ":execution:")}:run-1`,
            ],
            ...(["payments-processor", "payments-repair"] as const).flatMap((m) => [
              ["lambda:UpdateEventSourceMapping", mapping(role, m)] as [string, string],
              ["lambda:UpdateEventSourceMapping", mapping(peer, m)] as [string, string],
            ]),
            ...["compute-payments-queue", "orchestration-repair-queue"].flatMap((q) =>
              ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"].map(
                (action) => [action, queue(peer, q)] as [string, string],
              ),
            ),
            ["kms:Decrypt", key(peer)],
            ["sqs:SendMessage", queue(role, "compute-payments-queue")],
            ["kms:GenerateDataKey", key(role)],
            ["states:ListExecutions", machine(peer, "orchestration-payments")],
          ],
        };
      }

      for (const role of ["primary", "secondary"] as const) {
        it(`${role} region: each role's calls are Allowed`, async () => {
          const judge = new AccessJudge(evaluation);
          const denied: string[] = [];
          for (const [name, list] of Object.entries(calls(role))) {
            for (const [action, resource] of list) {
              const result = await judge.decide(`${role}-${name}`, action, resource);
              if (result !== "Allowed") {
                denied.push(`${name}: ${action} on ${resource}: ${result}`);
              }
            }
          }
          assert.deepEqual(denied, []);
        });
      }

      it("rotates the writer credentials with the rotator's secret on either region's cluster", async () => {
        const judge = new AccessJudge(evaluation);
        const writer = out("aws:secretsmanager/secret:Secret", "primary-data-ledger-writer");
        const rotator = out("aws:secretsmanager/secret:Secret", "primary-data-ledger-rotator");
        const { primary, secondary } = evaluation.config.regions;
        const calls: [string, string][] = [
          ["secretsmanager:DescribeSecret", writer],
          ["secretsmanager:GetSecretValue", writer],
          ["secretsmanager:PutSecretValue", writer],
          ["secretsmanager:UpdateSecretVersionStage", writer],
          ["secretsmanager:GetRandomPassword", "*"],
          ["secretsmanager:GetSecretValue", rotator],
          ["secretsmanager:GetSecretValue", rotator.replace(`:${primary}:`, `:${secondary}:`)],
          ["rds-data:ExecuteStatement", out("aws:rds/cluster:Cluster", "primary-data-ledger")],
          ["rds-data:ExecuteStatement", out("aws:rds/cluster:Cluster", "secondary-data-ledger")],
          ["kms:Decrypt", out("aws:kms/key:Key", "primary-keys-key")],
          ["kms:Decrypt", out("aws:kms/replicaKey:ReplicaKey", "secondary-keys-key")],
        ];
        const results = await Promise.all(
          calls.map(async ([action, resource]) => [
            action,
            await judge.decide("primary-data-ledger-rotation", action, resource),
          ]),
        );
        assert.deepEqual(
          results.filter(([, result]) => result !== "Allowed"),
          [],
        );
      });

      // The judge is the IAM evaluator with the bus's resource policy as the plan deploys it.
      it("lets only the payment workflow publish to a region's payment bus", async () => {
        const { runSimulation } = await import("@cloud-copilot/iam-simulate");
        const bus = out("aws:cloudwatch/eventBus:EventBus", "primary-orchestration-bus");
        const busPolicy = JSON.parse(
          String(
            find(
              evaluation,
              "aws:cloudwatch/eventBusPolicy:EventBusPolicy",
              "primary-orchestration-bus",
            ).rawInputs.policy,
          ),
        ) as object;
        const account = bus.split(":")[4];
        const publish = async (principal: string) => {
          const response = await runSimulation(
            {
              // An administrator-like identity policy: only the bus's own policy stands in the way.
              identityPolicies: [
                {
                  name: "anything",
                  policy: {
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Action: "events:PutEvents", Resource: "*" }],
                  },
                },
              ],
              serviceControlPolicies: [],
              resourceControlPolicies: [],
              resourcePolicy: busPolicy,
              request: {
                principal,
                action: "events:PutEvents",
                resource: { resource: bus, accountId: account },
                // Always in the request of an IAM principal (reference_policies_condition-keys.html).
                contextVariables: {
                  "aws:PrincipalArn": principal,
                  "aws:PrincipalIsAWSService": "false",
                },
              },
            },
            {},
          );
          return response.resultType === "error"
            ? JSON.stringify(response)
            : response.overallResult;
        };
        assert.deepEqual(
          [
            await publish(out("aws:iam/role:Role", "primary-orchestration-workflow")),
            await publish(out("aws:iam/role:Role", "primary-compute-payments-api")),
            await publish(`arn:aws:iam::${account}:user/operator`),
          ],
          ["Allowed", "ExplicitlyDenied", "ExplicitlyDenied"],
        );
      });

      it("lets no handler, nor the rotation, read the master user's secret", async () => {
        const judge = new AccessJudge(evaluation);
        const admin = out("aws:secretsmanager/secret:Secret", "primary-data-ledger-admin");
        const handlers = [
          "compute-payments-api",
          "compute-payments-processor",
          "compute-health",
          "compute-sweeper",
          "orchestration-workflow",
          "orchestration-authorize",
          "failover-steps",
          // Only the migration: the rotation sets passwords as ledger_rotator.
          "data-ledger-rotation",
        ];
        const results = await Promise.all(
          handlers.map(async (name) =>
            judge.decide(`primary-${name}`, "secretsmanager:GetSecretValue", admin),
          ),
        );
        assert.deepEqual(
          results,
          handlers.map(() => "ImplicitlyDenied"),
        );
      });

      it("each API secret is readable only by the function that uses it", async () => {
        const judge = new AccessJudge(evaluation);
        const secret = (name: string) =>
          out("aws:secretsmanager/secret:Secret", `primary-data-api-secrets-${name}`);
        const decisions = await Promise.all(
          (
            [
              ["compute-payments-api", "merchant-key-pepper"],
              ["compute-merchant-authorizer", "payment-id-key"],
              ["compute-payments-processor", "merchant-key-pepper"],
            ] as const
          ).map(async ([fn, name]) => [
            fn,
            name,
            await judge.decide(`primary-${fn}`, "secretsmanager:GetSecretValue", secret(name)),
          ]),
        );
        assert.deepEqual(
          decisions.map(([fn, name, result]) => `${fn} ${name} ${result}`),
          [
            "compute-payments-api merchant-key-pepper ImplicitlyDenied",
            "compute-merchant-authorizer payment-id-key ImplicitlyDenied",
            "compute-payments-processor merchant-key-pepper ImplicitlyDenied",
          ],
        );
      });
    });
  }
});
