/**
 * The data tier of one region: what a payment company cannot lose. Each store is a part of its
 * own (components/data/): the payments and merchants global tables, the API's keys, the receipts
 * bucket, the Aurora ledger and the backups of the stores. Every encrypted resource uses its own region's key (components/keys.ts).
 * The tier itself holds the active-region flag (SSM) the handlers read and the failover runbook
 * flips, and wires the two regions together once both exist (`replicateTo`).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../model/config";
import type { Namer } from "../model/naming";
import type { AwsRegion } from "../model/regions";
import { Backups } from "./data/backups";
import { Ledger } from "./data/ledger";
import { ApiSecrets } from "./data/api-secrets";
import { MerchantsTable, PaymentsTable } from "./data/global-tables";
import { Receipts } from "./data/receipts";
import type { DataKeys } from "./keys";
import type { Network } from "./network";

/** The stack settings the data tier reads. */
export type DataConfig = Pick<
  StackConfig,
  | "regions"
  | "protectData"
  | "production"
  | "pitrRecoveryDays"
  | "dynamodb"
  | "aurora"
  | "backupRetentionDays"
  | "logRetentionDays"
  | "receiptsInfrequentAccessDays"
  | "noncurrentVersionExpirationDays"
  | "parameterStoreHighThroughput"
>;

interface DataTierCommon {
  readonly region: AwsRegion;
  readonly namer: Namer;
  readonly config: DataConfig;
  /** This region's key; every encrypted resource of the tier uses it. */
  readonly keys: DataKeys;
  /** The other region's key: the primary's credentials (and a strong table) replicate under it. */
  readonly peerKeys: DataKeys;
  readonly network: Network;
}

export type DataTierArgs = DataTierCommon &
  (
    | { readonly role: "primary" }
    | {
        readonly role: "secondary";
        /** The primary region's tier, which this one replicates. */
        readonly primary: DataTier;
      }
  );

export class DataTier extends pulumi.ComponentResource {
  /** ARN of this region's KMS key (the multi-Region primary, or its replica). */
  readonly keyArn: pulumi.Output<string>;
  /** ARN of the global table (created in the primary region). */
  readonly globalTableArn: pulumi.Output<string>;
  readonly tableName: pulumi.Output<string>;
  /** This region's part of the global table: the table in the primary, the replica elsewhere. */
  readonly tableArn: pulumi.Output<string>;
  readonly activeRegionParameter: pulumi.Output<string>;
  readonly activeRegionParameterArn: pulumi.Output<string>;
  readonly receiptsBucket: pulumi.Output<string>;
  readonly receiptsBucketArn: pulumi.Output<string>;
  /** The global cluster's identifier (created by the primary region's tier). */
  readonly globalClusterId: pulumi.Output<string>;
  readonly clusterArn: pulumi.Output<string>;
  readonly clusterIdentifier: pulumi.Output<string>;
  readonly clusterEndpoint: pulumi.Output<string>;
  readonly clusterReaderEndpoint: pulumi.Output<string>;
  /** The credentials secret in this region (the secondary's is the primary's replica). */
  readonly credentialsSecretArn: pulumi.Output<string>;
  /** Writer endpoint of the global database: it follows the writer across regions. */
  readonly globalWriterEndpoint: pulumi.Output<string>;
  readonly payments: PaymentsTable;
  readonly merchants: MerchantsTable;
  /** The API's keys (merchant key pepper, payment-id key): this region's copies. */
  readonly apiSecrets: ApiSecrets;
  readonly ledger: Ledger;
  private readonly receipts: Receipts;
  private readonly backups: Backups;

  constructor(name: string, args: DataTierArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("payments:index:DataTier", name, {}, opts);
    const { namer, region, config } = args;
    const part = { parent: this };
    const store = { region, protectData: config.protectData };
    const peer = { region: config.regions.secondary, keys: args.peerKeys };
    const database = {
      ...config.aurora,
      backupRetentionDays: config.backupRetentionDays,
      production: config.production,
    };

    // Each global table's part in this region: the same settings, and the primary's part of the
    // table to replicate.
    const globalTable = (
      base: string,
      partOf: (tier: DataTier) => PaymentsTable | MerchantsTable,
    ) => ({
      ...store,
      tableName: namer.global("dynamodbTable", base),
      keys: args.keys,
      pitrRecoveryDays: config.pitrRecoveryDays,
      consistency: config.dynamodb.consistency,
      ...(args.role === "primary"
        ? { role: "primary" as const, peer, witnessRegion: config.dynamodb.witnessRegion }
        : { role: "secondary" as const, primary: partOf(args.primary) }),
    });
    this.payments = new PaymentsTable(
      `${name}-payments`,
      globalTable("payments", (tier) => tier.payments),
      part,
    );
    this.merchants = new MerchantsTable(
      `${name}-merchants`,
      globalTable("merchants", (tier) => tier.merchants),
      part,
    );
    this.apiSecrets = new ApiSecrets(
      `${name}-api-secrets`,
      {
        ...store,
        namer,
        keys: args.keys,
        ...(args.role === "primary"
          ? { role: "primary", peer }
          : { role: "secondary", primary: args.primary.apiSecrets }),
      },
      part,
    );
    this.receipts = new Receipts(
      `${name}-receipts`,
      {
        ...store,
        namer,
        keyArn: args.keys.arn,
        infrequentAccessDays: config.receiptsInfrequentAccessDays,
        noncurrentVersionExpirationDays: config.noncurrentVersionExpirationDays,
      },
      part,
    );
    this.ledger = new Ledger(
      `${name}-ledger`,
      {
        ...store,
        namer,
        keys: args.keys,
        network: args.network,
        database,
        logRetentionDays: config.logRetentionDays,
        credentialsRotationDays: config.aurora.credentialsRotationDays,
        ...(args.role === "primary"
          ? { role: "primary", peer }
          : { role: "secondary", primary: args.primary.ledger }),
      },
      part,
    );
    this.backups = new Backups(
      `${name}-backups`,
      {
        ...store,
        namer,
        keyArn: args.keys.arn,
        retentionDays: config.backupRetentionDays,
        production: config.production,
        stores: {
          DynamoDB: [this.payments.tableArn, this.merchants.tableArn],
          Aurora: [this.ledger.clusterArn],
          S3: [this.receipts.bucketArn],
        },
        tierName: name,
      },
      part,
    );

    const activeRegion = new aws.ssm.Parameter(
      `${name}-active-region`,
      {
        name: namer.global("ssmParameter", "active-region"),
        description:
          "Region that takes payment writes. Handlers read it; the failover runbook changes it.",
        type: "String",
        value: config.regions.primary,
      },
      // The runbook owns the value after the first deployment: an update must not undo a failover.
      { parent: this, ignoreChanges: ["value"] },
    );
    if (config.parameterStoreHighThroughput) {
      // Every warm handler reads the flag every few seconds: at full concurrency more than half of
      // Parameter Store's default 40 reads a second (model/quotas.ts), so the stack asks for the
      // higher throughput (AWS Systems Manager User Guide, "Changing Parameter Store throughput":
      // https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-throughput.html).
      // Account-wide: removing this stack leaves it on for the others. The setting's ARN, which the
      // provider reads back into settingId (terraform-provider-aws
      // internal/service/ssm/service_setting.go): a bare path would show a change on every preview.
      const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
      new aws.ssm.ServiceSetting(
        `${name}-parameter-throughput`,
        {
          settingId: pulumi.interpolate`arn:aws:ssm:${region}:${account}:servicesetting/ssm/parameter-store/high-throughput-enabled`,
          settingValue: "true",
        },
        { parent: this, retainOnDelete: true },
      );
    }

    this.keyArn = args.keys.arn;
    this.globalTableArn = this.payments.globalTableArn;
    this.tableArn = this.payments.tableArn;
    this.tableName = this.payments.tableName;
    this.receiptsBucket = this.receipts.bucket;
    this.receiptsBucketArn = this.receipts.bucketArn;
    this.globalClusterId = this.ledger.globalClusterId;
    this.globalWriterEndpoint = this.ledger.globalWriterEndpoint;
    this.clusterArn = this.ledger.clusterArn;
    this.clusterIdentifier = this.ledger.clusterIdentifier;
    this.clusterEndpoint = this.ledger.clusterEndpoint;
    this.clusterReaderEndpoint = this.ledger.clusterReaderEndpoint;
    this.credentialsSecretArn = this.ledger.credentialsSecretArn;
    this.activeRegionParameter = activeRegion.name;
    this.activeRegionParameterArn = activeRegion.arn;
    this.registerOutputs({
      keyArn: this.keyArn,
      globalTableArn: this.globalTableArn,
      tableName: this.tableName,
      activeRegionParameter: this.activeRegionParameter,
      receiptsBucket: this.receiptsBucket,
      globalClusterId: this.globalClusterId,
      clusterEndpoint: this.clusterEndpoint,
      credentialsSecretArn: this.credentialsSecretArn,
    });
  }

  /**
   * Replicates this region's receipts to the peer region's bucket and copies this region's backups
   * into the peer's vault. Called for both directions once both regions' tiers exist.
   */
  replicateTo(peer: DataTier): void {
    this.backups.copyTo(peer.backups);
    this.receipts.replicateTo(peer.receipts);
    this.ledger.rotateCredentials(peer.ledger);
  }
}
