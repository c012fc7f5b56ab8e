/**
 * The offline engine's mocked ARNs are AWS's: every ARN in the plan's outputs (a resource's own
 * `arn` and every ARN-valued attribute, inputs echoed included) fits an ARN format of its service
 * in the Service Authorization Reference (via iam-data), so that what the access judge matches
 * against the program's policies is what AWS would. Policy documents render principals as the
 * provider does.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { mockInvoke, mockResourceState } from "../../tools/engine/aws-attributes";
import { type Evaluation, PROJECT_ROOT, type RecordedResource } from "../../tools/engine/engine";
import { arnFits, arnFormatsByService } from "../../tools/harness/iam-reference";
import { stackPlan } from "../fixtures/plan";

const CONTEXT = {
  region: "us-west-2",
  accountId: "111122223333",
  stack: "dev",
  defaultTags: {},
};

/**
 * ARNs of the plan that name no IAM resource, each with the format AWS gives it: a subscription
 * (SNS authorizes on the topic; Subscribe answers `<topic ARN>:<id>`:
 * https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html), a Lambda integration URI
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html),
 * and the execute-api prefix of an API or stage, which a method and path complete
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html).
 */
const NOT_RESOURCES: Readonly<Record<string, RegExp>> = {
  "aws:sns/topicSubscription:TopicSubscription arn":
    /^arn:aws:sns:[a-z0-9-]+:\d{12}:[\w-]+:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  "aws:lambda/function:Function invokeArn":
    /^arn:aws:apigateway:[a-z0-9-]+:lambda:path\/2015-03-31\/functions\/arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+\/invocations$/,
  "aws:apigateway/restApi:RestApi executionArn":
    /^arn:aws:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+$/,
  "aws:apigateway/stage:Stage executionArn":
    /^arn:aws:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+\/[\w-]+$/,
};

/** [attribute path, ARN] of every ARN in a resource's outputs. */
function arnsOf(value: unknown, at = ""): [string, string][] {
  if (typeof value === "string") {
    return value.startsWith("arn:") ? [[at, value]] : [];
  }
  if (Array.isArray(value)) {
    return value.flatMap((v) => arnsOf(v, at));
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => arnsOf(v, at === "" ? k : `${at}.${k}`));
  }
  return [];
}

/** Whether the provider's schema gives the type an `arn` output (its TypeScript declaration). */
function schemaHasArn(type: string): boolean {
  const [, module, resource] = /^aws:([^/]+)\/([^:]+):/.exec(type) ?? [];
  const file = path.join(
    PROJECT_ROOT,
    "node_modules",
    "@pulumi",
    "aws",
    module ?? "",
    `${resource ?? ""}.d.ts`,
  );
  const declaration = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const outputs = declaration.slice(0, declaration.indexOf("constructor("));
  return /readonly arn: pulumi\.Output<string>;/.test(outputs);
}

describe("mocked ARNs follow AWS's formats", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      before(async () => {
        evaluation = await stackPlan(stack);
      });
      const custom = () => evaluation.resources.filter((r: RecordedResource) => r.custom);

      it("every ARN in the outputs fits an ARN format of its service", async () => {
        const formats = await arnFormatsByService();
        const misfits = custom().flatMap((r) =>
          arnsOf(r.outputs)
            .filter(([at, arn]) => {
              const other = NOT_RESOURCES[`${r.type} ${at}`];
              return other !== undefined
                ? !other.test(arn)
                : !(formats.get(arn.split(":")[2]) ?? []).some((f) => arnFits(arn, f));
            })
            .map(([at, arn]) => `${r.type} ${r.name} ${at}: ${arn}`),
        );
        assert.deepEqual(misfits, []);
      });

      it("every resource whose provider schema has an arn is given one", () => {
        const types = [...new Set(custom().map((r) => r.type))].filter((t) => t.startsWith("aws:"));
        const missing = types
          .filter(schemaHasArn)
          .filter((t) => custom().some((r) => r.type === t && typeof r.outputs.arn !== "string"));
        assert.deepEqual(missing, []);
      });
    });
  }

  it("names EventBridge, CloudWatch, Scheduler, RDS and Backup resources as AWS does", () => {
    const arn = (type: string, inputs: Record<string, unknown>) =>
      mockResourceState(type, "x", inputs, CONTEXT).state.arn;
    assert.deepEqual(
      [
        arn("aws:cloudwatch/eventRule:EventRule", { name: "outcomes", eventBusName: "payments" }),
        arn("aws:cloudwatch/eventRule:EventRule", { name: "nightly" }),
        arn("aws:cloudwatch/eventArchive:EventArchive", { name: "payments" }),
        arn("aws:cloudwatch/compositeAlarm:CompositeAlarm", { alarmName: "impaired" }),
        arn("aws:scheduler/schedule:Schedule", { name: "sweeper" }),
        arn("aws:rds/clusterInstance:ClusterInstance", { identifier: "ledger-1" }),
        arn("aws:backup/vault:Vault", { name: "payments" }),
      ],
      [
        "arn:aws:events:us-west-2:111122223333:rule/payments/outcomes",
        "arn:aws:events:us-west-2:111122223333:rule/nightly",
        "arn:aws:events:us-west-2:111122223333:archive/payments",
        "arn:aws:cloudwatch:us-west-2:111122223333:alarm:impaired",
        "arn:aws:scheduler:us-west-2:111122223333:schedule/default/sweeper",
        "arn:aws:rds:us-west-2:111122223333:db:ledger-1",
        "arn:aws:backup:us-west-2:111122223333:backup-vault:payments",
      ],
    );
  });

  it("renders principals as the provider does: everyone as a bare *", () => {
    const render = (principals: { type: string; identifiers: string[] }[]) =>
      (
        JSON.parse(
          String(
            mockInvoke(
              "aws:iam/getPolicyDocument:getPolicyDocument",
              { statements: [{ actions: ["s3:*"], resources: ["*"], principals }] },
              CONTEXT,
            ).json,
          ),
        ) as { Statement: { Principal: unknown }[] }
      ).Statement[0].Principal;
    assert.deepEqual(
      [
        render([{ type: "*", identifiers: ["*"] }]),
        render([{ type: "AWS", identifiers: ["*"] }]),
        render([{ type: "Service", identifiers: ["events.amazonaws.com"] }]),
      ],
      ["*", { AWS: "*" }, { Service: "events.amazonaws.com" }],
    );
  });
});
