/**
 * The data tier of one region: what a payment company cannot lose.
 *
 * - KMS: a multi-Region key in the primary region and its replica in the secondary, so data
 *   encrypted in one region decrypts in the other; every encrypted resource uses its own region's.
 * - DynamoDB `payments`: a global table created in the primary region, joined by a
 *   `TableReplica` in the secondary. TableReplica (rather than the table's `replicas` block) lets
 *   each region's tier own its part with its own provider, key, protection and tags, and keeps the
 *   dependency one-way (secondary on primary); the table ignores `replicas` as AWS then requires.
 * - SSM: the active-region flag the handlers read and the failover runbook flips.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Namer } from "./naming";
import type { AwsRegion } from "./regions";

export type RegionRole = "primary" | "secondary";

export interface DataTierArgs {
  readonly role: RegionRole;
  readonly region: AwsRegion;
  /** The region that takes writes when nothing has failed over. */
  readonly primaryRegion: AwsRegion;
  readonly namer: Namer;
  /** Protect data stores from deletion (Pulumi protect, retainOnDelete, deletion protection). */
  readonly protectData: boolean;
  readonly pitrRecoveryDays: number;
  /** The primary region's tier; required for the secondary, which replicates it. */
  readonly primary?: DataTier;
}

/** Key usage AWS services need when they encrypt on their own behalf (not through a grant). */
const SERVICE_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"];

export class DataTier extends pulumi.ComponentResource {
  /** ARN of this region's KMS key (the multi-Region primary, or its replica). */
  readonly keyArn: pulumi.Output<string>;
  readonly keyAlias: pulumi.Output<string>;
  /** ARN of the global table (created in the primary region). */
  readonly globalTableArn: pulumi.Output<string>;
  readonly tableName: pulumi.Output<string>;
  readonly activeRegionParameter: pulumi.Output<string>;

  constructor(name: string, args: DataTierArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("payments:index:DataTier", name, {}, opts);
    const { namer, region } = args;
    const parent = { parent: this };
    const dataStore = { ...parent, protect: args.protectData, retainOnDelete: args.protectData };
    if (args.role === "secondary" && args.primary === undefined) {
      throw new Error(`${name}: the secondary data tier needs the primary's ({ primary })`);
    }

    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const keyPolicy = aws.iam.getPolicyDocumentOutput(
      {
        statements: [
          {
            sid: "AccountAdministersTheKeyThroughIam",
            principals: [
              { type: "AWS", identifiers: [pulumi.interpolate`arn:aws:iam::${account}:root`] },
            ],
            actions: ["kms:*"],
            resources: ["*"],
          },
          {
            sid: "CloudWatchLogsEncryptsThisAccountsLogGroups",
            principals: [{ type: "Service", identifiers: [`logs.${region}.amazonaws.com`] }],
            actions: [
              "kms:Encrypt*",
              "kms:Decrypt*",
              "kms:ReEncrypt*",
              "kms:GenerateDataKey*",
              "kms:Describe*",
            ],
            resources: ["*"],
            conditions: [
              {
                test: "ArnLike",
                variable: "kms:EncryptionContext:aws:logs:arn",
                values: [pulumi.interpolate`arn:aws:logs:${region}:${account}:log-group:*`],
              },
            ],
          },
          {
            sid: "AlarmsAndEventsPublishToEncryptedTopicsAndQueues",
            principals: [
              {
                type: "Service",
                identifiers: ["cloudwatch.amazonaws.com", "events.amazonaws.com"],
              },
            ],
            actions: SERVICE_KEY_ACTIONS,
            resources: ["*"],
            conditions: [
              { test: "StringEquals", variable: "aws:SourceAccount", values: [account] },
            ],
          },
        ],
      },
      parent,
    ).json;

    const keyDescription =
      "payments-dr data at rest: tables, database, buckets, queues, logs, secrets";
    const deletionWindowInDays = args.protectData ? 30 : 7;
    const key =
      args.role === "primary"
        ? new aws.kms.Key(
            `${name}-key`,
            {
              description: keyDescription,
              multiRegion: true,
              enableKeyRotation: true,
              deletionWindowInDays,
              policy: keyPolicy,
            },
            dataStore,
          )
        : new aws.kms.ReplicaKey(
            `${name}-key`,
            {
              description: keyDescription,
              primaryKeyArn: (args.primary as DataTier).keyArn,
              deletionWindowInDays,
              policy: keyPolicy,
            },
            dataStore,
          );
    const alias = new aws.kms.Alias(
      `${name}-key`,
      { name: namer.global("kmsAlias", "payments"), targetKeyId: key.keyId },
      parent,
    );

    const tableName = namer.global("dynamodbTable", "payments");
    if (args.role === "primary") {
      const table = new aws.dynamodb.Table(
        `${name}-payments`,
        {
          name: tableName,
          billingMode: "PAY_PER_REQUEST",
          hashKey: "paymentId",
          attributes: [
            { name: "paymentId", type: "S" },
            { name: "merchantId", type: "S" },
            { name: "createdAt", type: "S" },
          ],
          globalSecondaryIndexes: [
            {
              name: "byMerchant",
              keySchemas: [
                { attributeName: "merchantId", keyType: "HASH" },
                { attributeName: "createdAt", keyType: "RANGE" },
              ],
              projectionType: "ALL",
            },
          ],
          streamEnabled: true,
          streamViewType: "NEW_AND_OLD_IMAGES",
          pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: args.pitrRecoveryDays },
          serverSideEncryption: { enabled: true, kmsKeyArn: key.arn },
          deletionProtectionEnabled: args.protectData,
        },
        // The secondary region's TableReplica manages the replica; the table must not.
        { ...dataStore, ignoreChanges: ["replicas"] },
      );
      this.globalTableArn = table.arn;
    } else {
      const primary = args.primary as DataTier;
      new aws.dynamodb.TableReplica(
        `${name}-payments`,
        {
          globalTableArn: primary.globalTableArn,
          kmsKeyArn: key.arn,
          pointInTimeRecovery: true,
          deletionProtectionEnabled: args.protectData,
        },
        dataStore,
      );
      this.globalTableArn = primary.globalTableArn;
    }

    const activeRegion = new aws.ssm.Parameter(
      `${name}-active-region`,
      {
        name: namer.global("ssmParameter", "active-region"),
        description:
          "Region that takes payment writes. Handlers read it; the failover runbook changes it.",
        type: "String",
        value: args.primaryRegion,
      },
      // The runbook owns the value after the first deployment: an update must not undo a failover.
      { ...parent, ignoreChanges: ["value"] },
    );

    this.keyArn = key.arn;
    this.keyAlias = alias.name;
    this.tableName = pulumi.output(tableName);
    this.activeRegionParameter = activeRegion.name;
    this.registerOutputs({
      keyArn: this.keyArn,
      keyAlias: this.keyAlias,
      globalTableArn: this.globalTableArn,
      tableName: this.tableName,
      activeRegionParameter: this.activeRegionParameter,
    });
  }
}
