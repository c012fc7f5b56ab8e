import { runSimulation } from "@cloud-copilot/iam-simulate";
import { stackPlan } from "../fixtures/plan";
import { strict as assert } from "node:assert";
import { LEDGER_SCHEMA_VERSION } from "../../handlers/ledger-schema";
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
        evaluation = await stackPlan(stack);
      });
      const key = (role: Role) =>
        find(
          evaluation,
          role === "primary" ? "aws:kms/key:Key" : "aws:kms/replicaKey:ReplicaKey",
          `${role}-keys-key`,
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
          const alias = find(evaluation, "aws:kms/alias:Alias", `${role}-keys-key`);
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
              ["EventBridgeDescribesTheKey", { Service: "events.amazonaws.com" }],
              ["EventBridgeEncryptsThePaymentBusAndArchive", { Service: "events.amazonaws.com" }],
              ["AlarmsPublishToEncryptedTopics", { Service: "cloudwatch.amazonaws.com" }],
              ["EventBridgeDeliversToEncryptedTopics", { Service: "events.amazonaws.com" }],
              ["LogDeliveryReadsStateMachineLogs", { Service: "delivery.logs.amazonaws.com" }],
            ],
          );
          assert.deepEqual(policy.Statement[4].Condition, {
            StringEquals: { "aws:SourceAccount": account },
          });
        }
      });

      // The requests AWS services make to the key on the program's behalf, as the pages cited in
      // components/keys.ts describe them, judged by an IAM evaluator against the deployed policy:
      // EventBridge delivering to an encrypted topic carries no aws:SourceAccount/SourceArn (SNS
      // Developer Guide, sns-key-management.html); log delivery for an encrypted state machine
      // decrypts (Step Functions Developer Guide, encryption-at-rest.html); alarms carry their
      // account.
      it("lets EventBridge, alarms and Step Functions log delivery use the key as AWS asks", async () => {
        for (const role of ["primary", "secondary"] as const) {
          const keyResource = key(role);
          const arn = String(keyResource.outputs.arn);
          const account = arn.split(":")[4];
          const policy = JSON.parse(String(keyResource.rawInputs.policy)) as object;
          const requests: [string, string, Record<string, string>][] = [
            ["events.amazonaws.com", "kms:GenerateDataKey", {}],
            ["events.amazonaws.com", "kms:Decrypt", {}],
            ["delivery.logs.amazonaws.com", "kms:Decrypt", {}],
            ["cloudwatch.amazonaws.com", "kms:GenerateDataKey", { "aws:SourceAccount": account }],
          ];
          for (const [principal, action, contextVariables] of requests) {
            const response = await runSimulation(
              {
                identityPolicies: [],
                serviceControlPolicies: [],
                resourceControlPolicies: [],
                resourcePolicy: policy,
                request: {
                  principal,
                  action,
                  resource: { resource: arn, accountId: account },
                  contextVariables,
                },
              },
              {},
            );
            assert.equal(
              response.resultType === "error" ? JSON.stringify(response) : response.overallResult,
              "Allowed",
              `${principal} ${action}`,
            );
          }
        }
      });

      // EventBridge asks the key for DescribeKey when the bus and the archive are created with it,
      // then GenerateDataKey, Decrypt and ReEncrypt under the bus's ARN as encryption context
      // (Amazon EventBridge User Guide, "Encrypting EventBridge archives with AWS KMS keys").
      // An IAM evaluator judges DescribeKey; the evaluator ignores kms:EncryptionContext:* keys,
      // so for those the test checks that the policy names the bus the plan really deploys.
      it("lets EventBridge use the key for the payment bus and its archive", async () => {
        for (const role of ["primary", "secondary"] as const) {
          const keyResource = key(role);
          const policy = JSON.parse(String(keyResource.rawInputs.policy)) as {
            Statement: { Sid: string; Action: string | string[]; Condition?: unknown }[];
          };
          const response = await runSimulation(
            {
              identityPolicies: [],
              serviceControlPolicies: [],
              resourceControlPolicies: [],
              resourcePolicy: policy,
              request: {
                principal: "events.amazonaws.com",
                action: "kms:DescribeKey",
                resource: {
                  resource: String(keyResource.outputs.arn),
                  accountId: String(keyResource.outputs.arn).split(":")[4],
                },
                contextVariables: {},
              },
            },
            {},
          );
          assert.equal(
            response.resultType === "error" ? JSON.stringify(response) : response.overallResult,
            "Allowed",
          );
          const bus = find(
            evaluation,
            "aws:cloudwatch/eventBus:EventBus",
            `${role}-orchestration-bus`,
          );
          const archive = find(
            evaluation,
            "aws:cloudwatch/eventArchive:EventArchive",
            `${role}-orchestration-archive`,
          );
          assert.equal(bus.rawInputs.kmsKeyIdentifier, keyResource.outputs.arn);
          assert.equal(archive.rawInputs.kmsKeyIdentifier, keyResource.outputs.arn);
          const encrypts = policy.Statement.find(
            (s) => s.Sid === "EventBridgeEncryptsThePaymentBusAndArchive",
          );
          assert.deepEqual([encrypts?.Action ?? []].flat().sort(), [
            "kms:Decrypt",
            "kms:GenerateDataKey",
            "kms:ReEncrypt*",
          ]);
          assert.deepEqual(encrypts?.Condition, {
            StringEquals: { "kms:EncryptionContext:aws:events:event-bus:arn": bus.outputs.arn },
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
          {
            name: "pending",
            keySchemas: [
              { attributeName: "pendingShard", keyType: "HASH" },
              { attributeName: "createdAt", keyType: "RANGE" },
            ],
            projectionType: "ALL",
          },
          {
            name: "bySettledHour",
            keySchemas: [
              { attributeName: "settledHour", keyType: "HASH" },
              { attributeName: "paymentId", keyType: "RANGE" },
            ],
            projectionType: "INCLUDE",
            nonKeyAttributes: ["merchantId", "amountMinor", "currency", "statusDetail"],
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
          // Built by the data tier itself before the table had a part of its own.
          aliases: [
            `urn:pulumi:${stack}::payments-dr::payments:index:DataTier$aws:dynamodb/table:Table::primary-data-payments`,
          ],
        });
      });

      it("keeps merchants' API keys in a global table like the payments table's, by key id", () => {
        const merchants = find(evaluation, "aws:dynamodb/table:Table", "primary-data-merchants");
        const inputs = merchants.rawInputs;
        assert.equal(merchants.region, evaluation.config.regions.primary);
        assert.equal(inputs.name, `acmepay-${stack}-merchants`);
        assert.equal(inputs.hashKey, "keyId");
        assert.deepEqual(inputs.globalSecondaryIndexes, [
          {
            name: "byMerchant",
            keySchemas: [
              { attributeName: "merchantId", keyType: "HASH" },
              { attributeName: "createdAt", keyType: "RANGE" },
            ],
            projectionType: "INCLUDE",
            nonKeyAttributes: ["status", "revokedAt"],
          },
        ]);
        for (const field of [
          "billingMode",
          "streamEnabled",
          "streamViewType",
          "pointInTimeRecovery",
          "serverSideEncryption",
          "deletionProtectionEnabled",
        ]) {
          assert.deepEqual(inputs[field], table().rawInputs[field], field);
        }
        assert.deepEqual(merchants.options.ignoreChanges, ["replicas"]);
        assert.equal(merchants.options.protect, protect);
        const copy = find(
          evaluation,
          "aws:dynamodb/tableReplica:TableReplica",
          "secondary-data-merchants",
        );
        assert.equal(copy.region, evaluation.config.regions.secondary);
        assert.equal(copy.rawInputs.globalTableArn, merchants.outputs.arn);
        assert.equal(copy.rawInputs.kmsKeyArn, key("secondary").outputs.arn);
        assert.equal(copy.rawInputs.pointInTimeRecovery, true);
        assert.equal(copy.rawInputs.deletionProtectionEnabled, protect);
      });

      it("generates the API's two keys, each a secret replicated under the secondary's key", () => {
        for (const name of ["merchant-key-pepper", "payment-id-key"]) {
          const secret = find(
            evaluation,
            "aws:secretsmanager/secret:Secret",
            `primary-data-api-secrets-${name}`,
          );
          assert.equal(secret.region, evaluation.config.regions.primary);
          assert.equal(secret.rawInputs.name, `acmepay-${stack}-${name}`);
          assert.equal(secret.rawInputs.kmsKeyId, key("primary").outputs.arn);
          assert.deepEqual(secret.rawInputs.replicas, [
            {
              region: evaluation.config.regions.secondary,
              kmsKeyId: key("secondary").outputs.arn,
            },
          ]);
          assert.equal(secret.options.protect, protect);
          const bytes = find(
            evaluation,
            "random:index/randomBytes:RandomBytes",
            `primary-data-api-secrets-${name}`,
          );
          assert.equal(bytes.rawInputs.length, 32);
          const version = find(
            evaluation,
            "aws:secretsmanager/secretVersion:SecretVersion",
            `primary-data-api-secrets-${name}`,
          );
          assert.equal(version.rawInputs.secretId, secret.outputs.arn);
        }
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

      const other = (role: Role): Role => (role === "primary" ? "secondary" : "primary");
      const bucket = (role: Role) =>
        find(evaluation, "aws:s3/bucket:Bucket", `${role}-data-receipts`);
      const ofBucket = (role: Role, type: string) =>
        find(evaluation, type, `${role}-data-receipts`);
      const code = (role: Role) =>
        evaluation.config.regions[role] === "us-east-1" ? "use1" : "usw2";

      it("keeps receipts in a versioned, SSE-KMS, private bucket per region", () => {
        for (const role of ["primary", "secondary"] as const) {
          assert.equal(bucket(role).region, evaluation.config.regions[role]);
          assert.equal(bucket(role).rawInputs.bucket, `acmepay-${stack}-receipts-${code(role)}`);
          assert.equal(bucket(role).rawInputs.forceDestroy, !protect);
          assert.equal(bucket(role).options.protect, protect);
          assert.deepEqual(
            ofBucket(role, "aws:s3/bucketVersioning:BucketVersioning").rawInputs
              .versioningConfiguration,
            {
              status: "Enabled",
            },
          );
          assert.deepEqual(
            ofBucket(
              role,
              "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            ).rawInputs.rules,
            [
              {
                applyServerSideEncryptionByDefault: {
                  sseAlgorithm: "aws:kms",
                  kmsMasterKeyId: key(role).outputs.arn,
                },
                bucketKeyEnabled: true,
              },
            ],
          );
          const block = ofBucket(
            role,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
          ).rawInputs;
          assert.deepEqual(
            [
              block.blockPublicAcls,
              block.blockPublicPolicy,
              block.ignorePublicAcls,
              block.restrictPublicBuckets,
            ],
            [true, true, true, true],
          );
          assert.deepEqual(
            ofBucket(role, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").rawInputs.rule,
            {
              objectOwnership: "BucketOwnerEnforced",
            },
          );
        }
      });

      // The judge is an IAM policy evaluator (@cloud-copilot/iam-simulate), not this test: the
      // payment workflow's role and the bucket's policy, as the plan deploys them, decide the
      // workflow's receipt write the way AWS would. The workflow's s3:putObject names no
      // encryption (definitions/payment-workflow.ts), so the header is absent from its requests.
      it("lets the workflow write receipts under the default encryption, refusing plain HTTP and other encryption", async () => {
        for (const role of ["primary", "secondary"] as const) {
          const bucket = ofBucket(role, "aws:s3/bucket:Bucket");
          const workflowRole = find(
            evaluation,
            "aws:iam/role:Role",
            `${role}-orchestration-workflow`,
          );
          const identity = find(
            evaluation,
            "aws:iam/rolePolicy:RolePolicy",
            `${role}-orchestration-workflow`,
          );
          const bucketPolicy = ofBucket(role, "aws:s3/bucketPolicy:BucketPolicy");
          const write = async (context: Record<string, string>) => {
            const response = await runSimulation(
              {
                identityPolicies: [
                  { name: "workflow", policy: JSON.parse(String(identity.rawInputs.policy)) },
                ],
                serviceControlPolicies: [],
                resourceControlPolicies: [],
                resourcePolicy: JSON.parse(String(bucketPolicy.rawInputs.policy)),
                request: {
                  principal: String(workflowRole.outputs.arn),
                  action: "s3:PutObject",
                  resource: {
                    resource: `${String(bucket.outputs.arn)}/receipts/pay_0baac5995449170a.json`,
                    accountId: String(workflowRole.outputs.arn).split(":")[4],
                  },
                  contextVariables: context,
                },
              },
              {},
            );
            assert.notEqual(response.resultType, "error", JSON.stringify(response));
            return response.resultType === "error" ? "error" : response.overallResult;
          };
          assert.equal(await write({ "aws:SecureTransport": "true" }), "Allowed", role);
          assert.equal(
            await write({
              "aws:SecureTransport": "true",
              "s3:x-amz-server-side-encryption": "aws:kms",
            }),
            "Allowed",
          );
          assert.equal(
            await write({
              "aws:SecureTransport": "true",
              "s3:x-amz-server-side-encryption": "AES256",
            }),
            "ExplicitlyDenied",
          );
          assert.equal(await write({ "aws:SecureTransport": "false" }), "ExplicitlyDenied");
        }
      });

      it("expires old versions and moves receipts to infrequent access as configured", () => {
        const rules = ofBucket(
          "primary",
          "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        ).rawInputs.rules as {
          id: string;
          noncurrentVersionExpiration?: unknown;
          transitions?: unknown;
        }[];
        assert.deepEqual(rules[0].noncurrentVersionExpiration, {
          noncurrentDays: stack === "prod" ? 365 : 7,
        });
        assert.deepEqual(
          rules.map((r) => r.id),
          stack === "prod"
            ? ["expire-noncurrent-versions", "receipts-to-infrequent-access"]
            : ["expire-noncurrent-versions"],
        );
        if (stack === "prod") {
          assert.deepEqual(rules[1].transitions, [{ days: 30, storageClass: "STANDARD_IA" }]);
        }
      });

      it("replicates receipts both ways with RTC, delete markers and the destination region's key, once versioning and the role's policy exist", () => {
        for (const role of ["primary", "secondary"] as const) {
          const peer = other(role);
          const config = evaluation.resources.filter(
            (r) =>
              r.type === "aws:s3/bucketReplicationConfig:BucketReplicationConfig" &&
              r.placement === evaluation.config.regions[role],
          );
          assert.equal(config.length, 1);
          const inputs = config[0].rawInputs;
          assert.equal(inputs.bucket, bucket(role).outputs.bucket);
          assert.deepEqual(inputs.rules, [
            {
              id: `to-${evaluation.config.regions[peer]}`,
              status: "Enabled",
              priority: 1,
              filter: {},
              deleteMarkerReplication: { status: "Enabled" },
              sourceSelectionCriteria: {
                sseKmsEncryptedObjects: { status: "Enabled" },
                replicaModifications: { status: "Enabled" },
              },
              destination: {
                bucket: bucket(peer).outputs.arn,
                storageClass: "STANDARD",
                encryptionConfiguration: { replicaKmsKeyId: key(peer).outputs.arn },
                replicationTime: { status: "Enabled", time: { minutes: 15 } },
                metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
              },
            },
          ]);
          assert.deepEqual(
            [...config[0].options.dependsOn].sort(),
            [
              find(evaluation, "aws:iam/rolePolicy:RolePolicy", config[0].name).urn,
              ofBucket(role, "aws:s3/bucketVersioning:BucketVersioning").urn,
              ofBucket(peer, "aws:s3/bucketVersioning:BucketVersioning").urn,
            ].sort(),
          );
        }
      });

      it("gives each replication role only its two buckets and two keys", () => {
        const policy = evaluation.resources.find(
          (r) =>
            r.type === "aws:iam/rolePolicy:RolePolicy" &&
            r.name === `primary-data-receipts-to-${code("secondary")}`,
        );
        const statements = (
          JSON.parse(String(policy?.rawInputs.policy)) as {
            Statement: { Sid: string; Resource: unknown }[];
          }
        ).Statement;
        assert.deepEqual(
          statements.map((st) => [st.Sid, st.Resource]),
          [
            ["ReadSourceConfiguration", bucket("primary").outputs.arn],
            ["ReadSourceVersions", `${String(bucket("primary").outputs.arn)}/*`],
            ["WriteDestinationReplicas", `${String(bucket("secondary").outputs.arn)}/*`],
            ["DecryptWithSourceKey", key("primary").outputs.arn],
            ["EncryptWithDestinationKey", key("secondary").outputs.arn],
          ],
        );
      });

      const cluster = (role: Role) =>
        find(evaluation, "aws:rds/cluster:Cluster", `${role}-data-ledger`);
      const instances = (role: Role) =>
        evaluation.resources.filter(
          (r) =>
            r.type === "aws:rds/clusterInstance:ClusterInstance" &&
            r.placement === evaluation.config.regions[role],
        );

      it("creates the encrypted global database in the primary region", () => {
        const global = find(
          evaluation,
          "aws:rds/globalCluster:GlobalCluster",
          "primary-data-ledger",
        );
        assert.equal(global.placement, evaluation.config.regions.primary);
        assert.deepEqual(global.rawInputs, {
          globalClusterIdentifier: `acmepay-${stack}-ledger`,
          engine: "aurora-postgresql",
          engineVersion: "17.9",
          storageEncrypted: true,
          deletionProtection: protect,
        });
        assert.equal(global.options.protect, protect);
      });

      it("makes the primary cluster the writer, with generated credentials and no Backtrack", () => {
        const inputs = cluster("primary").rawInputs;
        assert.equal(inputs.globalClusterIdentifier, `acmepay-${stack}-ledger`);
        assert.equal(inputs.databaseName, "ledger");
        assert.equal(inputs.masterUsername, "ledger_admin");
        assert.equal(cluster("primary").inputs.masterPassword, "[secret]");
        assert.equal(String(inputs.masterPassword).length, 40);
        assert.equal(inputs.backtrackWindow, undefined);
        assert.equal(inputs.manageMasterUserPassword, undefined);
        assert.equal(inputs.kmsKeyId, key("primary").outputs.arn);
        assert.equal(inputs.backupRetentionPeriod, stack === "prod" ? 35 : 7);
      });

      it("joins a headed secondary cluster without name or credentials, after the primary's writer", () => {
        const inputs = cluster("secondary").rawInputs;
        assert.equal(inputs.globalClusterIdentifier, `acmepay-${stack}-ledger`);
        for (const absent of ["databaseName", "masterUsername", "masterPassword"]) {
          assert.equal(inputs[absent], undefined, absent);
        }
        assert.equal(inputs.kmsKeyId, key("secondary").outputs.arn);
        assert.equal(inputs.engineVersion, cluster("primary").rawInputs.engineVersion);
        assert.deepEqual(cluster("secondary").options.dependsOn, [
          find(evaluation, "aws:cloudwatch/logGroup:LogGroup", "secondary-data-ledger-postgresql")
            .urn,
          instances("primary")[0].urn,
        ]);
      });

      it("gives both members the settings a global database and the handlers need", () => {
        for (const role of ["primary", "secondary"] as const) {
          const { rawInputs: inputs, options } = cluster(role);
          assert.equal(inputs.engine, "aurora-postgresql");
          assert.equal(inputs.engineVersion, "17.9");
          assert.equal(inputs.storageEncrypted, true);
          assert.equal(inputs.enableHttpEndpoint, true);
          assert.equal(inputs.deletionProtection, protect);
          assert.equal(inputs.skipFinalSnapshot, !protect);
          assert.equal(
            inputs.finalSnapshotIdentifier,
            protect ? `acmepay-prod-ledger-final-${code(role)}` : undefined,
          );
          assert.deepEqual(
            inputs.serverlessv2ScalingConfiguration,
            stack === "dev" ? { minCapacity: 0.5, maxCapacity: 4 } : undefined,
          );
          assert.deepEqual(options.ignoreChanges, [
            "globalClusterIdentifier",
            "replicationSourceIdentifier",
            "engineVersion",
          ]);
          const log = find(
            evaluation,
            "aws:cloudwatch/logGroup:LogGroup",
            `${role}-data-ledger-postgresql`,
          );
          assert.equal(
            log.rawInputs.name,
            `/aws/rds/cluster/${String(inputs.clusterIdentifier)}/postgresql`,
          );
          assert.ok(options.dependsOn.includes(log.urn), "the cluster waits for its log group");
          const databaseGroup = find(
            evaluation,
            "aws:ec2/securityGroup:SecurityGroup",
            `${role}-network-database`,
          );
          assert.deepEqual(inputs.vpcSecurityGroupIds, [databaseGroup.id]);
          const vpc = evaluation.resources.find((r) => r.name === `${role}-network-vpc`);
          assert.deepEqual(
            find(evaluation, "aws:rds/subnetGroup:SubnetGroup", `${role}-data-ledger`).rawInputs
              .subnetIds,
            vpc?.outputs.privateSubnetIds,
          );
        }
      });

      it(
        stack === "prod"
          ? "runs writer + reader in the primary and a reader in the secondary, monitored"
          : "runs one Serverless v2 instance per region",
        () => {
          assert.equal(instances("primary").length, stack === "prod" ? 2 : 1);
          assert.equal(instances("secondary").length, 1);
          for (const role of ["primary", "secondary"] as const) {
            for (const instance of instances(role)) {
              const inputs = instance.rawInputs;
              assert.equal(
                inputs.instanceClass,
                stack === "prod" ? "db.r6g.large" : "db.serverless",
              );
              assert.equal(inputs.autoMinorVersionUpgrade, false);
              assert.equal(
                inputs.engineVersion,
                undefined,
                "an instance runs its cluster's version",
              );
              assert.equal(inputs.publiclyAccessible, false);
              assert.equal(inputs.performanceInsightsEnabled, stack === "prod");
              assert.equal(inputs.monitoringInterval, stack === "prod" ? 60 : 0);
              if (stack === "prod") {
                assert.equal(inputs.performanceInsightsKmsKeyId, key(role).outputs.arn);
                assert.match(
                  String(inputs.monitoringRoleArn),
                  /role\/acmepay-prod-ledger-monitoring-/,
                );
              }
            }
          }
        },
      );

      const writerSecret = () =>
        find(evaluation, "aws:secretsmanager/secret:Secret", "primary-data-ledger-writer");

      it("keeps the handlers' writer credentials in a second replicated secret, empty until the migration, rotated on schedule", () => {
        const secret = writerSecret();
        assert.equal(secret.rawInputs.name, `acmepay-${stack}-ledger-writer`);
        assert.equal(secret.rawInputs.kmsKeyId, key("primary").outputs.arn);
        assert.deepEqual(secret.rawInputs.replicas, [
          { region: evaluation.config.regions.secondary, kmsKeyId: key("secondary").outputs.arn },
        ]);
        assert.equal(secret.options.protect, protect);
        // No version in the program: no password of it is in the deployment's state.
        assert.equal(
          evaluation.resources.filter(
            (r) =>
              r.type === "aws:secretsmanager/secretVersion:SecretVersion" &&
              r.rawInputs.secretId === secret.outputs.arn,
          ).length,
          0,
        );
        const rotation = find(
          evaluation,
          "aws:secretsmanager/secretRotation:SecretRotation",
          "primary-data-ledger-writer",
        );
        const fn = find(evaluation, "aws:lambda/function:Function", "primary-data-ledger-rotation");
        assert.deepEqual(rotation.rawInputs, {
          secretId: secret.outputs.arn,
          rotationLambdaArn: fn.outputs.arn,
          rotationRules: { automaticallyAfterDays: 30 },
          rotateImmediately: false,
        });
        const permission = find(
          evaluation,
          "aws:lambda/permission:Permission",
          "primary-data-ledger-rotation",
        );
        assert.deepEqual(
          [permission.rawInputs.principal, permission.rawInputs.sourceArn],
          ["secretsmanager.amazonaws.com", secret.outputs.arn],
        );
        assert.match(String(permission.rawInputs.sourceAccount), /^\d{12}$/);
        assert.ok(
          rotation.options.dependsOn.includes(
            find(evaluation, "aws:lambda/invocation:Invocation", "primary-data-ledger-schema").urn,
          ),
          "the first rotation waits for the migration's first credentials",
        );
        const targets = JSON.parse(
          (fn.rawInputs.environment as { variables: Record<string, string> }).variables
            .LEDGER_TARGETS,
        ) as { region: string; clusterArn: string }[];
        assert.deepEqual(
          targets.map((t) => [t.region, t.clusterArn]),
          (["primary", "secondary"] as const).map((role) => [
            evaluation.config.regions[role],
            cluster(role).outputs.arn,
          ]),
        );
        assert.equal(
          evaluation.resources.filter(
            (r) => r.type === "aws:secretsmanager/secretRotation:SecretRotation",
          ).length,
          1,
          "rotation is configured on the primary secret only; replicas follow it",
        );
      });

      it("keeps the credentials in a secret the program owns, replicated under the secondary's key", () => {
        const secret = find(
          evaluation,
          "aws:secretsmanager/secret:Secret",
          "primary-data-ledger-admin",
        );
        assert.equal(secret.rawInputs.kmsKeyId, key("primary").outputs.arn);
        assert.deepEqual(secret.rawInputs.replicas, [
          { region: evaluation.config.regions.secondary, kmsKeyId: key("secondary").outputs.arn },
        ]);
        const version = find(
          evaluation,
          "aws:secretsmanager/secretVersion:SecretVersion",
          "primary-data-ledger-admin",
        );
        assert.equal(version.inputs.secretString, "[secret]");
        const stored = JSON.parse(String(version.rawInputs.secretString)) as Record<string, string>;
        assert.equal(stored.username, "ledger_admin");
        assert.equal(stored.password, cluster("primary").rawInputs.masterPassword);
      });

      it("applies the ledger schema at deploy time, after the writer and the credentials exist", () => {
        const fn = find(evaluation, "aws:lambda/function:Function", "primary-data-ledger-schema");
        assert.equal(fn.placement, evaluation.config.regions.primary);
        assert.equal(
          evaluation.resources.filter(
            (r) => r.type === "aws:lambda/function:Function" && r.name.endsWith("-ledger-schema"),
          ).length,
          1,
          "the secondary (read-only until promoted) runs no migration",
        );
        const invocation = find(
          evaluation,
          "aws:lambda/invocation:Invocation",
          "primary-data-ledger-schema",
        );
        assert.equal(invocation.rawInputs.functionName, fn.rawInputs.name);
        assert.deepEqual(invocation.rawInputs.triggers, { schemaVersion: LEDGER_SCHEMA_VERSION });
        assert.deepEqual(invocation.options.dependsOn, [
          instances("primary")[0].urn,
          find(
            evaluation,
            "aws:secretsmanager/secretVersion:SecretVersion",
            "primary-data-ledger-admin",
          ).urn,
        ]);
      });

      it("runs the migration with a role limited to the ledgers, their master secrets, the keys and its logs", () => {
        const fn = find(evaluation, "aws:lambda/function:Function", "primary-data-ledger-schema");
        const inputs = fn.rawInputs;
        assert.equal(inputs.runtime, "nodejs22.x");
        assert.equal(inputs.reservedConcurrentExecutions, 1);
        assert.equal(inputs.kmsKeyArn, key("primary").outputs.arn);
        const logGroup = find(
          evaluation,
          "aws:cloudwatch/logGroup:LogGroup",
          "primary-data-ledger-schema-logs",
        );
        assert.equal(logGroup.rawInputs.kmsKeyId, key("primary").outputs.arn);
        assert.equal(logGroup.rawInputs.retentionInDays, evaluation.config.logRetentionDays);
        assert.deepEqual(inputs.loggingConfig, {
          logFormat: "JSON",
          logGroup: logGroup.rawInputs.name,
        });
        const role = find(evaluation, "aws:iam/role:Role", "primary-data-ledger-schema");
        assert.equal(inputs.role, role.outputs.arn);
        const statements = (
          JSON.parse(
            String(
              find(evaluation, "aws:iam/rolePolicy:RolePolicy", "primary-data-ledger-schema")
                .rawInputs.policy,
            ),
          ) as {
            Statement: { Sid: string; Action: unknown; Resource: unknown }[];
          }
        ).Statement;
        const secret = find(
          evaluation,
          "aws:secretsmanager/secret:Secret",
          "primary-data-ledger-admin",
        );
        const secondaryAdmin = String(secret.outputs.arn).replace(":us-east-1:", ":us-west-2:");
        const global = find(
          evaluation,
          "aws:rds/globalCluster:GlobalCluster",
          "primary-data-ledger",
        );
        const account = String(cluster("primary").outputs.arn).split(":")[4];
        // What the migration reaches each region's ledger with: the secondary's cluster is known by
        // its ARN, which the plan's secondary cluster confirms.
        assert.deepEqual(
          JSON.parse(
            String(
              (inputs.environment as { variables: Record<string, string> }).variables
                .LEDGER_TARGETS,
            ),
          ),
          [
            {
              region: "us-east-1",
              clusterArn: cluster("primary").outputs.arn,
              secretArn: secret.outputs.arn,
            },
            {
              region: "us-west-2",
              clusterArn: cluster("secondary").outputs.arn,
              secretArn: secondaryAdmin,
            },
          ],
        );
        assert.equal(
          (inputs.environment as { variables: Record<string, string> }).variables.GLOBAL_CLUSTER_ID,
          global.id,
        );
        assert.equal(inputs.timeout, 300);
        assert.deepEqual(
          statements.map((st) => [st.Sid, st.Action, st.Resource]),
          [
            [
              "WriteOwnLogs",
              ["logs:CreateLogStream", "logs:PutLogEvents"],
              `${String(logGroup.outputs.arn)}:*`,
            ],
            ["DecryptOwnEnvironment", "kms:Decrypt", key("primary").outputs.arn],
            [
              "FindTheGlobalWriter",
              "rds:DescribeGlobalClusters",
              `arn:aws:rds::${account}:global-cluster:${global.id}`,
            ],
            [
              "RunStatementsOnTheLedger",
              "rds-data:ExecuteStatement",
              [cluster("primary").outputs.arn, cluster("secondary").outputs.arn],
            ],
            [
              "ReadTheMasterCredentials",
              "secretsmanager:GetSecretValue",
              [secret.outputs.arn, secondaryAdmin],
            ],
            [
              "ProvisionTheWriterAndRotatorCredentials",
              ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
              [
                writerSecret().outputs.arn,
                find(evaluation, "aws:secretsmanager/secret:Secret", "primary-data-ledger-rotator")
                  .outputs.arn,
              ],
            ],
            ["MakePasswords", "secretsmanager:GetRandomPassword", "*"],
            [
              "UseTheSecretsKeys",
              ["kms:GenerateDataKey", "kms:Decrypt"],
              [key("primary").outputs.arn, key("secondary").outputs.arn],
            ],
          ],
        );
        assert.deepEqual(
          Object.keys((inputs.code as { assets: object }).assets),
          ["__index.js"],
          "nothing but the handler is packaged",
        );
      });

      const vault = (role: Role) =>
        find(evaluation, "aws:backup/vault:Vault", `${role}-data-backups`);
      const regional = (role: Role, type: string) =>
        evaluation.resources.filter(
          (r) => r.type === type && r.placement === evaluation.config.regions[role],
        );

      it("keeps recovery points in a CMK vault per region, locked in production", () => {
        for (const role of ["primary", "secondary"] as const) {
          assert.equal(vault(role).rawInputs.kmsKeyArn, key(role).outputs.arn);
          assert.equal(vault(role).rawInputs.forceDestroy, !protect);
          assert.equal(vault(role).options.protect, protect);
          const locks = regional(role, "aws:backup/vaultLockConfiguration:VaultLockConfiguration");
          assert.deepEqual(
            locks.map((l) => l.rawInputs),
            protect
              ? [
                  {
                    backupVaultName: vault(role).outputs.name,
                    minRetentionDays: 7,
                    maxRetentionDays: 366,
                    changeableForDays: 3,
                  },
                ]
              : [],
          );
        }
      });

      it("backs up the tables and the bucket daily (hourly too in prod), copied to the other region", () => {
        for (const role of ["primary", "secondary"] as const) {
          const plan = find(evaluation, "aws:backup/plan:Plan", `${role}-data-backups`);
          const rules = plan.rawInputs.rules as {
            ruleName: string;
            lifecycle: unknown;
            copyActions: unknown;
          }[];
          const retention = stack === "prod" ? 35 : 7;
          assert.deepEqual(
            rules.map((r) => [r.ruleName, r.lifecycle, r.copyActions]),
            [
              [
                "daily",
                { deleteAfter: retention },
                [
                  {
                    destinationVaultArn: vault(other(role)).outputs.arn,
                    lifecycle: { deleteAfter: retention },
                  },
                ],
              ],
              ...(stack === "prod"
                ? [
                    [
                      "hourly",
                      { deleteAfter: 7 },
                      [
                        {
                          destinationVaultArn: vault(other(role)).outputs.arn,
                          lifecycle: { deleteAfter: 7 },
                        },
                      ],
                    ],
                  ]
                : []),
            ],
          );
          const selection = find(
            evaluation,
            "aws:backup/selection:Selection",
            `${role}-data-backups`,
          );
          assert.equal(selection.rawInputs.planId, plan.id);
          const tablePart = role === "primary" ? table().outputs.arn : replica().outputs.arn;
          const merchantsPart = find(
            evaluation,
            role === "primary"
              ? "aws:dynamodb/table:Table"
              : "aws:dynamodb/tableReplica:TableReplica",
            `${role}-data-merchants`,
          ).outputs.arn;
          assert.deepEqual(selection.rawInputs.resources, [
            tablePart,
            merchantsPart,
            bucket(role).outputs.arn,
          ]);
          assert.match(
            String(tablePart),
            new RegExp(`:dynamodb:${evaluation.config.regions[role]}:`),
          );
        }
      });

      it("backs up the ledger daily only, copied to the other region (Aurora copies are full copies, hours long)", () => {
        const retention = stack === "prod" ? 35 : 7;
        for (const role of ["primary", "secondary"] as const) {
          const plan = find(evaluation, "aws:backup/plan:Plan", `${role}-data-backups-ledger`);
          assert.equal(plan.rawInputs.name, `acmepay-${stack}-ledger-${code(role)}`);
          assert.deepEqual(
            (
              plan.rawInputs.rules as { ruleName: string; schedule: string; copyActions: unknown }[]
            ).map((r) => [r.ruleName, r.schedule, r.copyActions]),
            [
              [
                "daily",
                "cron(0 5 * * ? *)",
                [
                  {
                    destinationVaultArn: vault(other(role)).outputs.arn,
                    lifecycle: { deleteAfter: retention },
                  },
                ],
              ],
            ],
          );
          const selection = find(
            evaluation,
            "aws:backup/selection:Selection",
            `${role}-data-backups-ledger`,
          );
          assert.equal(selection.rawInputs.planId, plan.id);
          assert.deepEqual(selection.rawInputs.resources, [cluster(role).outputs.arn]);
        }
        assert.equal(regional("primary", "aws:backup/plan:Plan").length, 2);
      });

      it("opts both regions in to AWS Backup for the stack's types and turns on advanced DynamoDB backup, kept on destroy", () => {
        for (const role of ["primary", "secondary"] as const) {
          const [settings] = regional(role, "aws:backup/regionSettings:RegionSettings");
          const optIn = settings.rawInputs.resourceTypeOptInPreference as Record<string, boolean>;
          // Only the stack's own types: a region refuses a type it does not offer.
          assert.deepEqual(optIn, { Aurora: true, DynamoDB: true, S3: true });
          assert.deepEqual(settings.rawInputs.resourceTypeManagementPreference, {
            DynamoDB: true,
          });
          assert.equal(settings.options.retainOnDelete, true);
          assert.deepEqual(settings.options.ignoreChanges, [
            "resourceTypeOptInPreference",
            "resourceTypeManagementPreference",
          ]);
        }
      });

      it(
        stack === "prod"
          ? "proves restores weekly for every data store"
          : "runs no restore testing in dev",
        () => {
          for (const role of ["primary", "secondary"] as const) {
            const plans = regional(role, "aws:backup/restoreTestingPlan:RestoreTestingPlan");
            const selections = regional(
              role,
              "aws:backup/restoreTestingSelection:RestoreTestingSelection",
            );
            if (stack === "dev") {
              assert.deepEqual([plans.length, selections.length], [0, 0]);
              continue;
            }
            assert.equal(plans.length, 1);
            assert.match(String(plans[0].rawInputs.name), /^[A-Za-z0-9_]+$/);
            assert.deepEqual(
              (plans[0].rawInputs.recoveryPointSelection as { includeVaults: unknown })
                .includeVaults,
              [vault(role).outputs.arn],
            );
            assert.deepEqual(
              selections
                .map((sel) => [
                  sel.rawInputs.protectedResourceType,
                  sel.rawInputs.protectedResourceArns,
                ])
                .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
              [
                ["Aurora", [cluster(role).outputs.arn]],
                [
                  "DynamoDB",
                  [
                    role === "primary" ? table().outputs.arn : replica().outputs.arn,
                    find(
                      evaluation,
                      role === "primary"
                        ? "aws:dynamodb/table:Table"
                        : "aws:dynamodb/tableReplica:TableReplica",
                      `${role}-data-merchants`,
                    ).outputs.arn,
                  ],
                ],
                ["S3", [bucket(role).outputs.arn]],
              ],
            );
          }
        },
      );

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
        // Global resources (the DNS zone and its records) serve both regions wherever they sit.
        const primaryUrns = new Set(
          evaluation.resources
            .filter((r) => r.placement === evaluation.config.regions.primary)
            .filter((r) => !(r.custom && r.region === null))
            .map((r) => r.urn),
        );
        const waiting = evaluation.resources
          .filter((r) => r.placement === evaluation.config.regions.secondary)
          .filter((r) => r.dependencies.some((d) => primaryUrns.has(d)))
          .map((r) => r.name)
          .sort();
        assert.deepEqual(waiting, [
          // The health check's ledger question and the processor's gate go through the secret's
          // replica (below), as do their roles.
          "secondary-compute-health",
          "secondary-compute-health",
          // The authorizer and the API read their keys from the API secrets' replicas.
          "secondary-compute-merchant-authorizer",
          "secondary-compute-merchant-authorizer",
          "secondary-compute-payments-api",
          "secondary-compute-payments-api",
          "secondary-compute-payments-processor",
          "secondary-compute-payments-processor",
          // So does the sweeper's.
          "secondary-compute-sweeper",
          "secondary-compute-sweeper",
          "secondary-data-backups",
          "secondary-data-backups-ledger",
          "secondary-data-ledger",
          "secondary-data-merchants",
          "secondary-data-payments",
          "secondary-data-receipts-to-use1",
          "secondary-data-receipts-to-use1",
          // The runbook's steps fence the other region's flag; the runbook and its role name the
          // global cluster (the primary's resource); the primary's orchestrator listens to this
          // region's impairment.
          "secondary-failover-impaired-to-peer-orchestrator",
          "secondary-failover-orchestrator-from-peer-alarms",
          // The peer watch reads the global cluster (the primary's resource), as does its role.
          "secondary-failover-peer-watch",
          "secondary-failover-peer-watch",
          "secondary-failover-runbook",
          "secondary-failover-runbook",
          // Replication alarms name the bucket replicated to.
          "secondary-failover-s3-replication-failed",
          "secondary-failover-s3-replication-latency",
          "secondary-failover-steps",
          "secondary-keys-key",
          // The workflow reads the credentials through the secret's replica, whose ARN is the
          // primary secret's in this region.
          "secondary-orchestration-payments",
          "secondary-orchestration-workflow",
        ]);
      });
    });
  }
});

describe("data tier with multi-Region strong consistency", () => {
  let evaluation: Evaluation;
  before(async () => {
    evaluation = await evaluate({
      stack: "prod",
      configOverrides: { dynamodbConsistency: "strong", dynamodbWitnessRegion: "us-east-2" },
    });
  });

  it("declares the secondary replica as STRONG, under the secondary's key, with a witness", () => {
    const table = find(evaluation, "aws:dynamodb/table:Table", "primary-data-payments");
    const secondaryKey = find(evaluation, "aws:kms/replicaKey:ReplicaKey", "secondary-keys-key");
    assert.deepEqual(table.rawInputs.replicas, [
      {
        regionName: "us-west-2",
        kmsKeyArn: secondaryKey.outputs.arn,
        consistencyMode: "STRONG",
        pointInTimeRecovery: true,
        deletionProtectionEnabled: true,
        propagateTags: true,
      },
    ]);
    assert.deepEqual(table.rawInputs.globalTableWitness, { regionName: "us-east-2" });
    assert.deepEqual(table.options.ignoreChanges, []);
    assert.equal(table.rawInputs.ttl, undefined, "strong consistency forbids TTL");
    assert.equal(table.rawInputs.localSecondaryIndexes, undefined, "and local secondary indexes");
  });

  it("creates no TableReplica, and backs up the replica by its ARN in the secondary region", () => {
    assert.equal(
      evaluation.resources.filter((r) => r.type === "aws:dynamodb/tableReplica:TableReplica")
        .length,
      0,
    );
    const selection = evaluation.resources.find(
      (r) => r.type === "aws:backup/selection:Selection" && r.placement === "us-west-2",
    );
    assert.equal(
      (selection?.rawInputs.resources as string[])[0],
      "arn:aws:dynamodb:us-west-2:418295077265:table/acmepay-prod-payments",
    );
  });
});
