/**
 * The data tier of one region: what a payment company cannot lose.
 *
 * Every encrypted resource uses its own region's key (components/keys.ts).
 * - DynamoDB `payments`: a global table created in the primary region. In eventual mode the
 *   secondary joins with a `TableReplica`: each region's tier owns its part with its own provider,
 *   key, protection and tags, and the dependency stays one-way (secondary on primary); the table
 *   ignores `replicas`, as AWS then requires. Multi-Region strong consistency cannot be expressed
 *   with TableReplica, so in strong mode the table declares its replica (`consistencyMode:
 *   STRONG`, the secondary's key) and the witness region itself. The table has no TTL, no local
 *   index and the handlers use no transactions: strong mode forbids all three. No separate
 *   idempotency table either: the API derives the payment id from the merchant and the
 *   Idempotency-Key and writes it with one conditional put.
 * - S3 `receipts`: a versioned, SSE-KMS bucket per region, replicated both ways (`replicateTo`,
 *   called once both regions exist) with Replication Time Control, delete markers and replica
 *   modification sync, KMS objects re-encrypted under the destination region's key.
 * - Aurora PostgreSQL Global Database `ledger`: the global cluster and the writer cluster in the
 *   primary region, a headed secondary cluster with one reader in the secondary. Credentials are
 *   generated, never written in code or config, kept in a Secrets Manager secret the program owns
 *   (global database members cannot use RDS-managed passwords), replicated under the secondary's
 *   key. No Backtrack (global members cannot), the RDS Data API on both clusters. The ledger
 *   schema is applied at deploy time by a migration handler (handlers/ledger-schema.lambda.ts) that
 *   `aws.lambda.Invocation` runs whenever the schema version changes.
 * - AWS Backup: a CMK vault per region (locked in production), a plan with daily (production: also
 *   hourly) backups of the table, the cluster and the bucket, each copied to the peer region's
 *   vault, and in production a restore testing plan, so that restores are proven on a schedule.
 * - SSM: the active-region flag the handlers read and the failover runbook flips.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LEDGER_SCHEMA_VERSION } from "../handlers/ledger-schema";
import { migrateLedger } from "../handlers/ledger-schema.lambda";
import type { DynamodbConsistency } from "../model/config";
import type { DataKeys } from "./keys";
import { policyDocument, rolePolicy, serviceRole } from "./building-blocks/iam";
import { handlerFunction } from "./building-blocks/lambda";
import type { Namer } from "../model/naming";
import type { Network } from "./network";
import { type AwsRegion, regionCode } from "../model/regions";

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
  readonly consistency: DynamodbConsistency;
  /** The witness region of strong consistency. */
  readonly witnessRegion?: AwsRegion;
  /** This region's key; every encrypted resource of the tier uses it. */
  readonly keys: DataKeys;
  /** Days before receipts move to Standard-IA; 0 for never. */
  readonly receiptsInfrequentAccessDays: number;
  readonly noncurrentVersionExpirationDays: number;
  readonly network: Network;
  readonly database: DatabaseSettings;
  readonly logRetentionDays: number;
  /** For the primary: the secondary region and its keys, under which the credentials replicate. */
  readonly peer?: { readonly region: AwsRegion; readonly keys: DataKeys };
  /** The primary region's tier; required for the secondary, which replicates it. */
  readonly primary?: DataTier;
}

export interface DatabaseSettings {
  readonly engineVersion: string;
  readonly instanceClass: string;
  readonly maxCapacity: number;
  readonly backupRetentionDays: number;
  /** Production adds a reader in the primary region, Performance Insights and enhanced monitoring. */
  readonly production: boolean;
}

const LEDGER_DATABASE = "ledger";
/** S3 Replication Time Control's commitment, the only one S3 offers. */
export const RECEIPTS_REPLICATION_MINUTES = 15;
const LEDGER_ADMIN = "ledger_admin";
const AURORA_ENGINE = "aurora-postgresql";
const SERVERLESS = "db.serverless";
/** Days hourly recovery points are kept; also the vault lock's minimum retention. */
const HOURLY_RETENTION_DAYS = 7;
const BACKUP_ROLE_POLICIES = [
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
  "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
  "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
];
/** Aurora rewrites these on a member after a switchover or failover: the runbook owns them then. */
const MEMBER_IGNORED_CHANGES = ["globalClusterIdentifier", "replicationSourceIdentifier"];

export class DataTier extends pulumi.ComponentResource {
  /** ARN of this region's KMS key (the multi-Region primary, or its replica). */
  readonly keyArn: pulumi.Output<string>;
  /** ARN of the global table (created in the primary region). */
  readonly globalTableArn: pulumi.Output<string>;
  readonly tableName: pulumi.Output<string>;
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
  /** This region's part of the global table: the table in the primary, the replica elsewhere. */
  readonly tableArn: pulumi.Output<string>;
  private readonly backupVault: aws.backup.Vault;
  private readonly backupRole: aws.iam.Role;
  /** AWS Backup uses the role as soon as a selection exists: its policies must be attached. */
  private readonly backupRolePolicies: aws.iam.RolePolicyAttachment[];
  /** What the tier was built with; replicateTo reads the region, names and sizes from it. */
  private readonly settings: DataTierArgs;
  /** The secondary cluster waits for the primary's first instance. */
  private readonly firstInstance: aws.rds.ClusterInstance;
  private readonly logicalName: string;
  /** Replication needs versioning on both buckets first. */
  private readonly receiptsVersioning: aws.s3.BucketVersioning;

  constructor(name: string, args: DataTierArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("payments:index:DataTier", name, {}, opts);
    const { namer, region } = args;
    const parent = { parent: this };
    const dataStore = { ...parent, protect: args.protectData, retainOnDelete: args.protectData };
    if (args.role === "secondary" && args.primary === undefined) {
      throw new Error(`${name}: the secondary data tier needs the primary's ({ primary })`);
    }

    const tableName = namer.global("dynamodbTable", "payments");
    const strong = args.consistency === "strong";
    if (args.role === "primary") {
      const peer = args.peer;
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
          serverSideEncryption: { enabled: true, kmsKeyArn: args.keys.arn },
          deletionProtectionEnabled: args.protectData,
          ...(strong && peer !== undefined
            ? {
                replicas: [
                  {
                    regionName: peer.region,
                    kmsKeyArn: peer.keys.arn,
                    consistencyMode: "STRONG",
                    pointInTimeRecovery: true,
                    deletionProtectionEnabled: args.protectData,
                    propagateTags: true,
                  },
                ],
                globalTableWitness: { regionName: args.witnessRegion },
              }
            : {}),
        },
        // In eventual mode the secondary region's TableReplica manages the replica.
        strong ? dataStore : { ...dataStore, ignoreChanges: ["replicas"] },
      );
      this.globalTableArn = table.arn;
      this.tableArn = table.arn;
    } else if (strong) {
      const primary = args.primary as DataTier;
      this.globalTableArn = primary.globalTableArn;
      // The replica the primary's table declares: the table's ARN in this region.
      this.tableArn = primary.globalTableArn.apply((arn) =>
        arn.replace(/:dynamodb:[^:]+:/, `:dynamodb:${region}:`),
      );
    } else {
      const primary = args.primary as DataTier;
      const replica = new aws.dynamodb.TableReplica(
        `${name}-payments`,
        {
          globalTableArn: primary.globalTableArn,
          kmsKeyArn: args.keys.arn,
          pointInTimeRecovery: true,
          deletionProtectionEnabled: args.protectData,
        },
        dataStore,
      );
      this.globalTableArn = primary.globalTableArn;
      this.tableArn = replica.arn;
    }

    const receipts = this.receipts(name, args, dataStore);
    this.receiptsBucket = receipts.bucket.bucket;
    this.receiptsBucketArn = receipts.bucket.arn;
    this.receiptsVersioning = receipts.versioning;

    const ledger = this.ledger(name, args, dataStore);
    this.globalClusterId = ledger.globalClusterId;
    this.globalWriterEndpoint = ledger.globalWriterEndpoint;
    this.clusterArn = ledger.cluster.arn;
    this.clusterIdentifier = ledger.cluster.clusterIdentifier;
    this.clusterEndpoint = ledger.cluster.endpoint;
    this.clusterReaderEndpoint = ledger.cluster.readerEndpoint;
    this.credentialsSecretArn = ledger.credentialsSecretArn;
    this.firstInstance = ledger.firstInstance;
    this.settings = args;
    const backups = this.backups(name, args, dataStore);
    this.backupVault = backups.vault;
    this.backupRole = backups.role;
    this.backupRolePolicies = backups.attached;
    this.logicalName = name;

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

    this.keyArn = args.keys.arn;
    this.tableName = pulumi.output(tableName);
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

  private ledger(
    name: string,
    args: DataTierArgs,
    dataStore: pulumi.CustomResourceOptions,
  ): {
    cluster: aws.rds.Cluster;
    firstInstance: aws.rds.ClusterInstance;
    globalClusterId: pulumi.Output<string>;
    globalWriterEndpoint: pulumi.Output<string>;
    credentialsSecretArn: pulumi.Output<string>;
  } {
    const { namer, region, database } = args;
    const parent = { parent: this };
    const primary = args.role === "primary";
    const clusterIdentifier = namer.regional("rdsCluster", LEDGER_DATABASE, region);

    let globalClusterId: pulumi.Output<string>;
    let globalWriterEndpoint: pulumi.Output<string>;
    let credentials: { username: string; password: pulumi.Output<string> } | undefined;
    let credentialsSecretArn: pulumi.Output<string>;
    let secretVersion: aws.secretsmanager.SecretVersion | undefined;
    if (primary) {
      const global = new aws.rds.GlobalCluster(
        `${name}-ledger`,
        {
          globalClusterIdentifier: namer.global("rdsGlobalCluster", LEDGER_DATABASE),
          engine: AURORA_ENGINE,
          engineVersion: database.engineVersion,
          storageEncrypted: true,
          deletionProtection: args.protectData,
        },
        dataStore,
      );
      globalClusterId = global.id;
      globalWriterEndpoint = global.endpoint;
      const password = new random.RandomPassword(
        `${name}-ledger-admin`,
        // RDS refuses "/", "@", '"' and spaces in master passwords.
        { length: 40, special: true, overrideSpecial: "!#$%^&*()-_=+[]{}:?<>" },
        parent,
      );
      credentials = { username: LEDGER_ADMIN, password: password.result };
      const peer = args.peer;
      if (peer === undefined) {
        throw new Error(`${name}: the primary data tier needs its peer region's keys ({ peer })`);
      }
      const secret = new aws.secretsmanager.Secret(
        `${name}-ledger-admin`,
        {
          name: namer.global("secret", "ledger-admin"),
          description: "Aurora ledger master credentials (RDS Data API and migrations)",
          kmsKeyId: args.keys.arn,
          replicas: [{ region: peer.region, kmsKeyId: peer.keys.arn }],
          recoveryWindowInDays: args.protectData ? 30 : 0,
        },
        dataStore,
      );
      secretVersion = new aws.secretsmanager.SecretVersion(
        `${name}-ledger-admin`,
        {
          secretId: secret.id,
          secretString: pulumi.jsonStringify({
            engine: "postgres",
            username: credentials.username,
            password: credentials.password,
            dbname: LEDGER_DATABASE,
          }),
        },
        parent,
      );
      credentialsSecretArn = secret.arn;
    } else {
      const writerTier = args.primary as DataTier;
      globalClusterId = writerTier.globalClusterId;
      globalWriterEndpoint = writerTier.globalWriterEndpoint;
      // A replica secret has the primary's ARN in the replica's region.
      credentialsSecretArn = writerTier.credentialsSecretArn.apply((arn) =>
        arn.replace(/:secretsmanager:[^:]+:/, `:secretsmanager:${region}:`),
      );
    }

    const subnets = new aws.rds.SubnetGroup(
      `${name}-ledger`,
      {
        name: clusterIdentifier,
        description: "Aurora ledger: the private subnets of every availability zone",
        subnetIds: args.network.privateSubnetIds,
      },
      parent,
    );
    // Pre-created so that RDS writes the PostgreSQL log into a group encrypted with our key.
    new aws.cloudwatch.LogGroup(
      `${name}-ledger-postgresql`,
      {
        name: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
        kmsKeyId: args.keys.arn,
        retentionInDays: args.logRetentionDays,
      },
      parent,
    );
    const serverless = database.instanceClass === SERVERLESS;
    const cluster = new aws.rds.Cluster(
      `${name}-ledger`,
      {
        clusterIdentifier,
        engine: AURORA_ENGINE,
        engineMode: "provisioned",
        engineVersion: database.engineVersion,
        globalClusterIdentifier: globalClusterId,
        // Only the member that creates the global database carries its name and credentials.
        ...(credentials === undefined
          ? {}
          : {
              databaseName: LEDGER_DATABASE,
              masterUsername: credentials.username,
              masterPassword: credentials.password,
            }),
        storageEncrypted: true,
        kmsKeyId: args.keys.arn,
        dbSubnetGroupName: subnets.name,
        vpcSecurityGroupIds: [args.network.databaseSecurityGroupId],
        backupRetentionPeriod: database.backupRetentionDays,
        preferredBackupWindow: "03:00-04:00",
        copyTagsToSnapshot: true,
        deletionProtection: args.protectData,
        skipFinalSnapshot: !args.protectData,
        finalSnapshotIdentifier: args.protectData
          ? namer.regional("rdsCluster", "ledger-final", region)
          : undefined,
        enableHttpEndpoint: true,
        enabledCloudwatchLogsExports: ["postgresql"],
        serverlessv2ScalingConfiguration: serverless
          ? { minCapacity: 0.5, maxCapacity: database.maxCapacity }
          : undefined,
      },
      {
        ...dataStore,
        ignoreChanges: MEMBER_IGNORED_CHANGES,
        dependsOn: primary ? [] : [(args.primary as DataTier).firstInstance],
      },
    );

    const monitoring = database.production ? this.monitoringRole(name, args) : undefined;
    const instanceCount = primary && database.production ? 2 : 1;
    const instances = Array.from(
      { length: instanceCount },
      (_, i) =>
        new aws.rds.ClusterInstance(
          `${name}-ledger-${i + 1}`,
          {
            identifier: namer.regional("rdsInstance", `ledger-${i + 1}`, region),
            clusterIdentifier: cluster.id,
            engine: AURORA_ENGINE,
            engineVersion: database.engineVersion,
            instanceClass: database.instanceClass,
            dbSubnetGroupName: subnets.name,
            publiclyAccessible: false,
            autoMinorVersionUpgrade: false,
            promotionTier: i,
            performanceInsightsEnabled: database.production,
            performanceInsightsKmsKeyId: database.production ? args.keys.arn : undefined,
            performanceInsightsRetentionPeriod: database.production ? 7 : undefined,
            monitoringInterval: database.production ? 60 : 0,
            monitoringRoleArn: monitoring?.role.arn,
          },
          // RDS checks the role's permissions when it creates the instance.
          { ...parent, dependsOn: monitoring === undefined ? [] : [monitoring.attached] },
        ),
    );
    if (secretVersion !== undefined) {
      this.migrateSchema(name, args, cluster, credentialsSecretArn, [instances[0], secretVersion]);
    }
    return {
      cluster,
      firstInstance: instances[0],
      globalClusterId,
      globalWriterEndpoint,
      credentialsSecretArn,
    };
  }

  /**
   * Applies the ledger schema at deploy time: a migration handler run by aws.lambda.Invocation
   * once the writer and the credentials exist, and again whenever the schema version changes.
   */
  private migrateSchema(
    name: string,
    args: DataTierArgs,
    cluster: aws.rds.Cluster,
    secretArn: pulumi.Output<string>,
    after: pulumi.Resource[],
  ): void {
    const migration = handlerFunction(
      `${name}-ledger-schema`,
      {
        base: "ledger-schema",
        description: `Applies the ledger schema ${LEDGER_SCHEMA_VERSION} (idempotent SQL) through the RDS Data API`,
        callback: migrateLedger,
        region: args.region,
        namer: args.namer,
        keyArn: args.keys.arn,
        logRetentionDays: args.logRetentionDays,
        statements: [
          {
            sid: "RunStatementsOnTheLedger",
            actions: ["rds-data:ExecuteStatement"],
            resources: [cluster.arn],
          },
          {
            sid: "ReadTheLedgerCredentials",
            actions: ["secretsmanager:GetSecretValue"],
            resources: [secretArn],
          },
        ],
        environment: { CLUSTER_ARN: cluster.arn, SECRET_ARN: secretArn, DATABASE: LEDGER_DATABASE },
        timeoutSeconds: 120,
        memoryMb: 256,
        reservedConcurrency: 1,
      },
      this,
    );
    new aws.lambda.Invocation(
      `${name}-ledger-schema`,
      {
        functionName: migration.name,
        input: JSON.stringify({ schemaVersion: LEDGER_SCHEMA_VERSION }),
        triggers: { schemaVersion: LEDGER_SCHEMA_VERSION },
      },
      { parent: this, dependsOn: after },
    );
  }

  /** The role RDS enhanced monitoring publishes OS metrics with, once its policy is attached. */
  private monitoringRole(
    name: string,
    args: DataTierArgs,
  ): { role: aws.iam.Role; attached: aws.iam.RolePolicyAttachment } {
    const role = serviceRole(
      `${name}-ledger-monitoring`,
      {
        roleName: args.namer.regional("iamRole", "ledger-monitoring", args.region),
        service: "monitoring.rds.amazonaws.com",
      },
      this,
    );
    const attached = new aws.iam.RolePolicyAttachment(
      `${name}-ledger-monitoring`,
      {
        role: role.name,
        policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
      },
      { parent: this },
    );
    return { role, attached };
  }

  private receipts(
    name: string,
    args: DataTierArgs,
    dataStore: pulumi.CustomResourceOptions,
  ): { bucket: aws.s3.Bucket; versioning: aws.s3.BucketVersioning } {
    const parent = { parent: this };
    const keyArn = args.keys.arn;
    const bucket = new aws.s3.Bucket(
      `${name}-receipts`,
      {
        bucket: args.namer.regional("s3Bucket", "receipts", args.region),
        // A destroyable (dev) stack may delete a bucket that still holds receipts.
        forceDestroy: !args.protectData,
      },
      dataStore,
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-receipts`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-receipts`,
      {
        bucket: bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn },
            bucketKeyEnabled: true,
          },
        ],
      },
      parent,
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-receipts`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-receipts`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    const everything = [bucket.arn, pulumi.interpolate`${bucket.arn}/*`];
    const anyone = [{ type: "*", identifiers: ["*"] }];
    new aws.s3.BucketPolicy(
      `${name}-receipts`,
      {
        bucket: bucket.id,
        policy: policyDocument(
          [
            {
              sid: "DenyRequestsWithoutTls",
              effect: "Deny",
              principals: anyone,
              actions: ["s3:*"],
              resources: everything,
              conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
            },
            {
              // Objects written without naming an encryption get the bucket default (SSE-KMS with
              // this region's key); a write that asks for another encryption is refused. The key
              // is not pinned here: replication writes under the destination key as S3 names it.
              sid: "DenyWritesWithOtherEncryption",
              effect: "Deny",
              principals: anyone,
              actions: ["s3:PutObject"],
              resources: [pulumi.interpolate`${bucket.arn}/*`],
              conditions: [
                {
                  test: "StringNotEqualsIfExists",
                  variable: "s3:x-amz-server-side-encryption",
                  values: ["aws:kms"],
                },
              ],
            },
          ],
          this,
        ),
      },
      parent,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-receipts`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionExpirationDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
          ...(args.receiptsInfrequentAccessDays > 0
            ? [
                {
                  id: "receipts-to-infrequent-access",
                  status: "Enabled",
                  filter: {},
                  transitions: [
                    { days: args.receiptsInfrequentAccessDays, storageClass: "STANDARD_IA" },
                  ],
                },
              ]
            : []),
        ],
      },
      { ...parent, dependsOn: [versioning] },
    );
    return { bucket, versioning };
  }

  /** The vault, its lock in production, the role AWS Backup works with, restore testing. */
  private backups(
    name: string,
    args: DataTierArgs,
    dataStore: pulumi.CustomResourceOptions,
  ): { vault: aws.backup.Vault; role: aws.iam.Role; attached: aws.iam.RolePolicyAttachment[] } {
    const parent = { parent: this };
    const vault = new aws.backup.Vault(
      `${name}-backups`,
      {
        name: args.namer.regional("backupVault", "payments", args.region),
        kmsKeyArn: args.keys.arn,
        forceDestroy: !args.protectData,
      },
      dataStore,
    );
    if (args.database.production) {
      // Compliance mode after three days: from then on no one, root included, can shorten or
      // delete the recovery points.
      new aws.backup.VaultLockConfiguration(
        `${name}-backups`,
        {
          backupVaultName: vault.name,
          minRetentionDays: HOURLY_RETENTION_DAYS,
          maxRetentionDays: 366,
          changeableForDays: 3,
        },
        parent,
      );
    }
    const role = serviceRole(
      `${name}-backups`,
      {
        roleName: args.namer.regional("iamRole", "backups", args.region),
        service: "backup.amazonaws.com",
      },
      this,
    );
    const attached = BACKUP_ROLE_POLICIES.map(
      (policyArn, i) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-backups-${i + 1}`,
          { role: role.name, policyArn },
          parent,
        ),
    );
    if (args.database.production) {
      this.restoreTesting(name, args, vault, role, attached);
    }
    return { vault, role, attached };
  }

  /** A weekly restore of the latest recovery point of each data store, validated and discarded. */
  private restoreTesting(
    name: string,
    args: DataTierArgs,
    vault: aws.backup.Vault,
    role: aws.iam.Role,
    attached: aws.iam.RolePolicyAttachment[],
  ): void {
    const parent = { parent: this };
    const plan = new aws.backup.RestoreTestingPlan(
      `${name}-restore-testing`,
      {
        // Restore testing plan names take letters, digits and underscores only.
        name: args.namer.regional("backupPlan", "restore-testing", args.region).replace(/-/g, "_"),
        scheduleExpression: "cron(0 6 ? * SUN *)",
        startWindowHours: 4,
        recoveryPointSelection: {
          algorithm: "LATEST_WITHIN_WINDOW",
          includeVaults: [vault.arn],
          recoveryPointTypes: ["SNAPSHOT"],
          selectionWindowDays: 7,
        },
      },
      parent,
    );
    const tested: [string, pulumi.Input<string>][] = [
      ["DynamoDB", this.tableArn],
      ["Aurora", this.clusterArn],
      ["S3", this.receiptsBucketArn],
    ];
    for (const [type, arn] of tested) {
      new aws.backup.RestoreTestingSelection(
        `${name}-restore-testing-${type.toLowerCase()}`,
        {
          name: `payments_${type.toLowerCase()}`,
          restoreTestingPlanName: plan.name,
          protectedResourceType: type,
          protectedResourceArns: [arn],
          iamRoleArn: role.arn,
          validationWindowHours: 4,
        },
        { ...parent, dependsOn: attached },
      );
    }
  }

  /**
   * Replicates this region's receipts to the peer region's bucket, re-encrypting under the peer's
   * key, and backs up this region's data stores with copies into the peer region's vault. Called
   * for both directions once both regions' tiers exist.
   */
  replicateTo(peer: DataTier): void {
    this.backupPlan(peer);
    const name = `${this.logicalName}-receipts-to-${regionCode(peer.settings.region)}`;
    const parent = { parent: this };
    const role = serviceRole(
      name,
      {
        roleName: this.settings.namer.regional(
          "iamRole",
          `receipts-to-${regionCode(peer.settings.region)}`,
          this.settings.region,
        ),
        service: "s3.amazonaws.com",
      },
      this,
    );
    const policy = rolePolicy(
      name,
      role,
      [
        {
          sid: "ReadSourceConfiguration",
          actions: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
          resources: [this.receiptsBucketArn],
        },
        {
          sid: "ReadSourceVersions",
          actions: [
            "s3:GetObjectVersionForReplication",
            "s3:GetObjectVersionAcl",
            "s3:GetObjectVersionTagging",
          ],
          resources: [pulumi.interpolate`${this.receiptsBucketArn}/*`],
        },
        {
          sid: "WriteDestinationReplicas",
          actions: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
          resources: [pulumi.interpolate`${peer.receiptsBucketArn}/*`],
        },
        {
          sid: "DecryptWithSourceKey",
          actions: ["kms:Decrypt"],
          resources: [this.keyArn],
          conditions: [
            {
              test: "StringEquals",
              variable: "kms:ViaService",
              values: [`s3.${this.settings.region}.amazonaws.com`],
            },
          ],
        },
        {
          sid: "EncryptWithDestinationKey",
          actions: ["kms:Encrypt", "kms:GenerateDataKey"],
          resources: [peer.keyArn],
          conditions: [
            {
              test: "StringEquals",
              variable: "kms:ViaService",
              values: [`s3.${peer.settings.region}.amazonaws.com`],
            },
          ],
        },
      ],
      this,
    );
    new aws.s3.BucketReplicationConfig(
      name,
      {
        bucket: this.receiptsBucket,
        role: role.arn,
        rules: [
          {
            id: `to-${peer.settings.region}`,
            status: "Enabled",
            priority: 1,
            filter: {},
            deleteMarkerReplication: { status: "Enabled" },
            sourceSelectionCriteria: {
              sseKmsEncryptedObjects: { status: "Enabled" },
              replicaModifications: { status: "Enabled" },
            },
            destination: {
              bucket: peer.receiptsBucketArn,
              storageClass: "STANDARD",
              encryptionConfiguration: { replicaKmsKeyId: peer.keyArn },
              replicationTime: {
                status: "Enabled",
                time: { minutes: RECEIPTS_REPLICATION_MINUTES },
              },
              metrics: {
                status: "Enabled",
                eventThreshold: { minutes: RECEIPTS_REPLICATION_MINUTES },
              },
            },
          },
        ],
      },
      { ...parent, dependsOn: [this.receiptsVersioning, peer.receiptsVersioning, policy] },
    );
  }

  private backupPlan(peer: DataTier): void {
    const parent = { parent: this };
    const name = `${this.logicalName}-backups`;
    const { backupRetentionDays, production } = this.settings.database;
    const copyToPeer = (deleteAfter: number) => [
      { destinationVaultArn: peer.backupVault.arn, lifecycle: { deleteAfter } },
    ];
    const plan = new aws.backup.Plan(
      name,
      {
        name: this.settings.namer.regional("backupPlan", "payments", this.settings.region),
        rules: [
          {
            ruleName: "daily",
            targetVaultName: this.backupVault.name,
            schedule: "cron(0 5 * * ? *)",
            startWindow: 60,
            completionWindow: 360,
            lifecycle: { deleteAfter: backupRetentionDays },
            copyActions: copyToPeer(backupRetentionDays),
          },
          ...(production
            ? [
                {
                  ruleName: "hourly",
                  targetVaultName: this.backupVault.name,
                  schedule: "cron(0 * * * ? *)",
                  startWindow: 60,
                  completionWindow: 120,
                  lifecycle: { deleteAfter: HOURLY_RETENTION_DAYS },
                  copyActions: copyToPeer(HOURLY_RETENTION_DAYS),
                },
              ]
            : []),
        ],
      },
      parent,
    );
    new aws.backup.Selection(
      name,
      {
        name: this.settings.namer.regional("backupPlan", "data-stores", this.settings.region),
        planId: plan.id,
        iamRoleArn: this.backupRole.arn,
        resources: [this.tableArn, this.clusterArn, this.receiptsBucketArn],
      },
      { ...parent, dependsOn: this.backupRolePolicies },
    );
  }
}
