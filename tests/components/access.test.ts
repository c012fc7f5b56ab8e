/**
 * Who may not do what: the calls the plan must refuse, judged by an IAM policy evaluator
 * (@cloud-copilot/iam-simulate, through tools/harness/access-judge.ts) against the role, key and
 * bus policies the plan deploys. That every call the program makes is allowed is the access
 * judge's test over the inventory derived from the program (tests/tools/access-judge.test.ts).
 */
import { strict as assert } from "node:assert";
import type { Evaluation } from "../../tools/engine/engine";
import { find, stackPlan } from "../fixtures/plan";
import { AccessJudge } from "../../tools/harness/access-judge";

describe("access: what the plan refuses", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      before(async () => {
        evaluation = await stackPlan(stack);
      });
      const out = (type: string, name: string, key = "arn") =>
        String(find(evaluation, type, name).outputs[key]);

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
