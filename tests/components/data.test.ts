import { strict as assert } from "node:assert";
import { evaluate, type Evaluation, type RecordedResource } from "../../tools/engine/engine";

type Role = "primary" | "secondary";

function find(evaluation: Evaluation, type: string, name: string): RecordedResource {
  const found = evaluation.resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `${type} ${name}`);
  return found[0];
}

const regionOfArn = (arn: unknown) => String(arn).split(":")[3];

describe("data tier", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      const protect = stack === "prod";
      before(async () => {
        evaluation = await evaluate({ stack });
      });
      const key = (role: Role) =>
        find(
          evaluation,
          role === "primary" ? "aws:kms/key:Key" : "aws:kms/replicaKey:ReplicaKey",
          `${role}-data-key`,
        );
      const table = () => find(evaluation, "aws:dynamodb/table:Table", "primary-data-payments");
      const replica = () =>
        find(evaluation, "aws:dynamodb/tableReplica:TableReplica", "secondary-data-payments");

      it("creates a rotating multi-Region key in the primary and its replica in the secondary", () => {
        const primary = key("primary");
        assert.equal(primary.region, evaluation.config.regions.primary);
        assert.equal(primary.rawInputs.multiRegion, true);
        assert.equal(primary.rawInputs.enableKeyRotation, true);
        const secondary = key("secondary");
        assert.equal(secondary.region, evaluation.config.regions.secondary);
        assert.equal(secondary.rawInputs.primaryKeyArn, primary.outputs.arn);
        assert.equal(
          String(secondary.outputs.arn),
          String(primary.outputs.arn).replace(
            evaluation.config.regions.primary,
            evaluation.config.regions.secondary,
          ),
        );
        for (const role of ["primary", "secondary"] as const) {
          const alias = find(evaluation, "aws:kms/alias:Alias", `${role}-data-key`);
          assert.equal(alias.rawInputs.name, `alias/acmepay-${stack}-payments`);
          assert.equal(alias.rawInputs.targetKeyId, key(role).outputs.keyId);
        }
      });

      it("scopes each key policy to the account and to its own region's services", () => {
        for (const role of ["primary", "secondary"] as const) {
          const region = evaluation.config.regions[role];
          const account = evaluation.config.allowedAccountIds[0] ?? "111122223333";
          const policy = JSON.parse(String(key(role).rawInputs.policy)) as {
            Statement: { Sid: string; Principal: Record<string, unknown>; Condition?: unknown }[];
          };
          assert.deepEqual(
            policy.Statement.map((s) => [s.Sid, s.Principal]),
            [
              ["AccountAdministersTheKeyThroughIam", { AWS: `arn:aws:iam::${account}:root` }],
              [
                "CloudWatchLogsEncryptsThisAccountsLogGroups",
                { Service: `logs.${region}.amazonaws.com` },
              ],
              [
                "AlarmsAndEventsPublishToEncryptedTopicsAndQueues",
                { Service: ["cloudwatch.amazonaws.com", "events.amazonaws.com"] },
              ],
            ],
          );
          assert.deepEqual(policy.Statement[2].Condition, {
            StringEquals: { "aws:SourceAccount": account },
          });
        }
      });

      it("creates the payments global table in the primary region", () => {
        const inputs = table().rawInputs;
        assert.equal(table().region, evaluation.config.regions.primary);
        assert.equal(inputs.name, `acmepay-${stack}-payments`);
        assert.equal(inputs.billingMode, "PAY_PER_REQUEST");
        assert.equal(inputs.hashKey, "paymentId");
        assert.deepEqual(inputs.globalSecondaryIndexes, [
          {
            name: "byMerchant",
            keySchemas: [
              { attributeName: "merchantId", keyType: "HASH" },
              { attributeName: "createdAt", keyType: "RANGE" },
            ],
            projectionType: "ALL",
          },
        ]);
        assert.equal(inputs.streamEnabled, true);
        assert.equal(inputs.streamViewType, "NEW_AND_OLD_IMAGES");
        assert.deepEqual(inputs.pointInTimeRecovery, {
          enabled: true,
          recoveryPeriodInDays: stack === "prod" ? 35 : 7,
        });
        assert.deepEqual(inputs.serverSideEncryption, {
          enabled: true,
          kmsKeyArn: key("primary").outputs.arn,
        });
        assert.equal(inputs.deletionProtectionEnabled, protect);
        assert.deepEqual(table().options, {
          protect,
          retainOnDelete: protect,
          ignoreChanges: ["replicas"],
          dependsOn: [],
        });
      });

      it("joins the secondary region with a replica under the secondary's own key", () => {
        const inputs = replica().rawInputs;
        assert.equal(replica().region, evaluation.config.regions.secondary);
        assert.equal(inputs.globalTableArn, table().outputs.arn);
        assert.equal(inputs.kmsKeyArn, key("secondary").outputs.arn);
        assert.equal(inputs.pointInTimeRecovery, true);
        assert.equal(inputs.deletionProtectionEnabled, protect);
        assert.equal(replica().options.protect, protect);
      });

      it("keeps the active-region flag in both regions, owned by the runbook after creation", () => {
        for (const role of ["primary", "secondary"] as const) {
          const parameter = find(
            evaluation,
            "aws:ssm/parameter:Parameter",
            `${role}-data-active-region`,
          );
          assert.equal(parameter.region, evaluation.config.regions[role]);
          assert.equal(parameter.rawInputs.name, `acmepay-${stack}-active-region`);
          assert.equal(parameter.rawInputs.value, evaluation.config.regions.primary);
          assert.deepEqual(parameter.options.ignoreChanges, ["value"]);
        }
      });

      it("encrypts every resource with its own region's key", () => {
        const keyInputs = ["kmsKeyArn", "kmsKeyId", "kmsMasterKeyId"];
        const encrypted = evaluation.resources.filter(
          (r) => r.custom && keyInputs.some((k) => typeof r.rawInputs[k] === "string"),
        );
        assert.ok(encrypted.length >= 1);
        for (const r of encrypted) {
          const arn = keyInputs.map((k) => r.rawInputs[k]).find((v) => typeof v === "string");
          assert.equal(regionOfArn(arn), r.placement, r.urn);
        }
      });

      it("makes the secondary wait on the primary only where replication needs it", () => {
        const primaryUrns = new Set(
          evaluation.resources
            .filter((r) => r.placement === evaluation.config.regions.primary)
            .map((r) => r.urn),
        );
        const waiting = evaluation.resources
          .filter((r) => r.placement === evaluation.config.regions.secondary)
          .filter((r) => r.dependencies.some((d) => primaryUrns.has(d)))
          .map((r) => r.name)
          .sort();
        assert.deepEqual(waiting, ["secondary-data-key", "secondary-data-payments"]);
      });
    });
  }
});
