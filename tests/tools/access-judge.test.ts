/**
 * The access judge over the program's whole inventory of requests (issue 16): every request the
 * program causes — its handlers' SDK commands, its state machines' Tasks, and what AWS services do
 * for it — derived from the plan (tools/harness/access-inventory.ts) and decided by an IAM policy
 * evaluator against every policy of the plan (tools/harness/access-judge.ts). Then the other way
 * round: every grant of the plan names real actions and resources of the types they take
 * (Service Authorization Reference, via iam-data), and every grant has a use.
 */
import { strict as assert } from "node:assert";
import type { Evaluation } from "../../tools/engine/engine";
import {
  describeGrant,
  type Grant,
  grantKey,
  grantProblems,
  grantsOf,
  grantUsedBy,
} from "../../tools/harness/access-grants";
import { accessInventory, type Inventory } from "../../tools/harness/access-inventory";
import {
  type AccessCall,
  AccessJudge,
  type PolicyDocument,
  type Verdict,
} from "../../tools/harness/access-judge";
import { stackPlan } from "../fixtures/plan";

/**
 * Actions granted on `*` although they take a resource, and why. Lambda creates a function's
 * network interfaces with the function's role, before the interface has an ARN; AWS's own
 * AWSLambdaVPCAccessExecutionRole grants these on `*` (AWS Lambda Developer Guide, "Giving Lambda
 * functions access to resources in an Amazon VPC":
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html).
 */
const ALLOWED_STARS: Readonly<Record<string, string>> = {
  "ec2:CreateNetworkInterface": "Lambda's VPC access (the interface does not exist yet)",
  "ec2:DeleteNetworkInterface": "Lambda's VPC access",
  "ec2:AssignPrivateIpAddresses": "Lambda's VPC access",
  "ec2:UnassignPrivateIpAddresses": "Lambda's VPC access",
};

/**
 * Grants no inventoried call uses, kept on purpose: each names why. A grant that appears unused and
 * is not here fails the test (least privilege); an entry here that is used again fails it too.
 */
const DELIBERATE_EXTRAS: Readonly<Record<string, string>> = {
  // CloudWatch Logs' own key policy statement, as the Logs page gives it: Logs uses
  // GenerateDataKey and Decrypt here; the page's statement also names these
  // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
  "keys-key CloudWatchLogsEncryptsThisAccountsLogGroups: kms:Encrypt*": "the Logs page's statement",
  "keys-key CloudWatchLogsEncryptsThisAccountsLogGroups: kms:ReEncrypt*":
    "the Logs page's statement",
  "keys-key CloudWatchLogsEncryptsThisAccountsLogGroups: kms:Describe*":
    "the Logs page's statement",
  // PutSecretValue runs on the primary secret; the new version reaches the replica through
  // Secrets Manager's replication, and no page found says whether that uses the caller's
  // permission on the replica's key (https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html).
  // Kept until a page says it is not needed.
  "data-ledger-rotation UseTheSecretsKeys: kms:GenerateDataKey": "the replica's new version",
  "data-ledger-schema UseTheSecretsKeys: kms:GenerateDataKey": "the replica's new version",
  // The replication page's sample policy gives the role kms:Encrypt on the destination key; with
  // S3 Bucket Keys on the destination S3 may generate a data key instead, and no page found says
  // which (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html).
  "data-receipts-to-usw2 EncryptWithDestinationKey: kms:GenerateDataKey":
    "Bucket Keys on the replica",
  "data-receipts-to-use1 EncryptWithDestinationKey: kms:GenerateDataKey":
    "Bucket Keys on the replica",
};

interface Judged {
  readonly call: AccessCall;
  readonly verdict: Verdict;
}

async function judgeAll(judge: AccessJudge, inventory: Inventory): Promise<Judged[]> {
  return Promise.all(
    inventory.calls.map(async (call) => ({ call, verdict: await judge.judge(call) })),
  );
}

describe("access judge: every request of the program, decided against every policy of the plan", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      let judge: AccessJudge;
      let inventory: Inventory;
      let judged: Judged[];
      before(async () => {
        evaluation = await stackPlan(stack);
        judge = new AccessJudge(evaluation);
        inventory = accessInventory(evaluation);
        judged = await judgeAll(judge, inventory);
      });

      it("derives every request from the plan: no command, Task, role or resource type unexplained", () => {
        assert.deepEqual(inventory.gaps, []);
        // Commands the code carries that the entry point never sends in this plan.
        const unreachable = [
          "primary-data-ledger-schema: secrets.DescribeSecretCommand: credentialPorts' describe serves the rotation (rotationStep) only",
          "primary-data-ledger-schema: secrets.UpdateSecretVersionStageCommand: credentialPorts' promote serves the rotation (rotationStep) only",
          // Without ARC (dev), the runbook flips no routing control.
          ...(stack === "dev"
            ? ["primary", "secondary"].map(
                (role) =>
                  `${role}-failover-steps: arc.UpdateRoutingControlStatesCommand: no Task of the plan sends it "route-traffic"`,
              )
            : []),
        ];
        assert.deepEqual(inventory.unreachable, unreachable);
      });

      it("cites the AWS page of every request", () => {
        const uncited = inventory.calls.filter(
          (c) => !c.page.startsWith("https://docs.aws.amazon.com/"),
        );
        assert.deepEqual(
          uncited.map((c) => `${c.action} (${c.origin})`),
          [],
        );
      });

      it("allows every request", () => {
        const denied = judged
          .filter(({ verdict }) => verdict !== "Allowed")
          .map(({ call, verdict }) => judge.describe(call, verdict));
        assert.deepEqual(denied, []);
      });

      it("grants only actions that exist, on resources of a type they take", async () => {
        const grants = grantsOf(judge.policies());
        const problems = (
          await Promise.all(grants.map((g) => grantProblems(g, ALLOWED_STARS)))
        ).flat();
        assert.deepEqual(problems, []);
        // NotAction and NotResource grant everything but: none belongs in an Allow here.
        const negated = judge
          .policies()
          .flatMap((p) =>
            p.document.Statement.filter((s) => s.Effect === "Allow").map((s) => [p, s] as const),
          )
          .filter(([, s]) => s.NotAction !== undefined || s.NotResource !== undefined)
          .map(([p, s]) => `${p.holder} ${s.Sid ?? ""}`);
        assert.deepEqual(negated, []);
      });

      it("grants nothing that no request uses, apart from the listed extras", () => {
        const allowed = judged
          .filter(({ verdict }) => verdict === "Allowed")
          .map(({ call }) => call);
        const unused = grantsOf(judge.policies()).filter(
          (g) => !allowed.some((c) => grantUsedBy(g, c)),
        );
        const keys = [...new Set(unused.map(grantKey))].sort();
        const listed = DELIBERATE_EXTRAS;
        assert.deepEqual(
          unused.filter((g) => listed[grantKey(g)] === undefined).map(describeGrant),
          [],
          "unused grants",
        );
        assert.deepEqual(
          keys,
          Object.keys(listed).sort(),
          "the extras listed are the unused grants",
        );
      });
    });
  }

  describe("the checks can fail", () => {
    const grant = (action: string, resource: string): Grant => ({
      policy: {
        kind: "identity",
        holder: "primary-example",
        owner: "arn:aws:iam::111122223333:role/example",
        document: { Statement: [] },
      },
      sid: "Example",
      principals: ["arn:aws:iam::111122223333:role/example"],
      action,
      resource,
    });

    it("names a grant of an unknown action, of * for an action that takes a resource, and of an ARN of the wrong type", async () => {
      const problems = await Promise.all(
        [
          grant("sqs:SendMessageBatch", "arn:aws:sqs:us-east-1:111122223333:payments"),
          grant("dynamodb:GetItem", "*"),
          grant("s3:PutObject", "arn:aws:s3:::receipts"),
          grant(
            "secretsmanager:GetRandomPassword",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:x",
          ),
          grant("s3:PutObject", "arn:aws:s3:::receipts/*"),
        ].map((g) => grantProblems(g, ALLOWED_STARS)),
      );
      assert.deepEqual(
        problems.map((p) => p.map((m) => m.replace(/ \(arn:.*\)$/, ""))),
        [
          [
            "primary-example Example: sqs:SendMessageBatch on arn:aws:sqs:us-east-1:111122223333:payments: sqs:SendMessageBatch names no action of the Service Authorization Reference",
          ],
          [
            "primary-example Example: dynamodb:GetItem on *: dynamodb:GetItem requires a resource (table), not *",
          ],
          [
            "primary-example Example: s3:PutObject on arn:aws:s3:::receipts: fits no resource type s3:PutObject takes",
          ],
          [
            "primary-example Example: secretsmanager:GetRandomPassword on arn:aws:secretsmanager:us-east-1:111122223333:secret:x: secretsmanager:GetRandomPassword takes only *",
          ],
          [],
        ],
      );
    });

    it("decides a key's encryption-context condition on the context the service sends", async () => {
      const evaluation = await stackPlan("dev");
      const judge = new AccessJudge(evaluation);
      const key = String(
        evaluation.resources.find((r) => r.type === "aws:kms/key:Key")?.outputs.arn,
      );
      const logs = (group: string): AccessCall => ({
        principal: "logs.us-east-1.amazonaws.com",
        action: "kms:GenerateDataKey",
        resource: key,
        context: { "kms:EncryptionContext:aws:logs:arn": group },
        origin: "test",
        page: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
      });
      assert.deepEqual(
        await Promise.all([
          judge.judge(logs("arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/x")),
          judge.judge(logs("arn:aws:logs:us-west-2:111122223333:log-group:/aws/lambda/x")),
          judge.judge({ ...logs(""), context: {} }),
        ]),
        ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied"],
      );
    });
  });

  it("fails naming the service, action and resource once a key-policy grant is reverted", async () => {
    const evaluation = await stackPlan("dev");
    // The plan as it would be without the statement that lets EventBridge use the primary
    // region's key for the encrypted topics its rules deliver to.
    const reverted: Evaluation = {
      ...evaluation,
      resources: evaluation.resources.map((r) => {
        if (r.type !== "aws:kms/key:Key") {
          return r;
        }
        const policy = JSON.parse(String(r.rawInputs.policy)) as PolicyDocument;
        const statements = policy.Statement.filter(
          (s) => s.Sid !== "EventBridgeDeliversToEncryptedTopics",
        );
        return {
          ...r,
          rawInputs: {
            ...r.rawInputs,
            policy: JSON.stringify({ ...policy, Statement: statements }),
          },
        };
      }),
    };
    const judge = new AccessJudge(reverted);
    const judged = await judgeAll(judge, accessInventory(reverted));
    const key = String(evaluation.resources.find((r) => r.type === "aws:kms/key:Key")?.outputs.arn);
    const denied = [
      ...new Set(
        judged
          .filter(({ verdict }) => verdict !== "Allowed")
          .map(({ call, verdict }) => judge.describe(call, verdict).replace(/ \(.*\)$/, "")),
      ),
    ];
    assert.deepEqual(denied, [
      `events.amazonaws.com: kms:GenerateDataKey on ${key} → ImplicitlyDenied`,
      `events.amazonaws.com: kms:Decrypt on ${key} → ImplicitlyDenied`,
    ]);
  });
});
