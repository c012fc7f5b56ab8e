/**
 * The ledger: an Aurora PostgreSQL Global Database, one region's member of it. The primary region
 * creates the global cluster and the writer cluster; the secondary a headed secondary cluster with
 * one reader. Master credentials are generated, never written in code or config, and kept in a
 * Secrets Manager secret the program owns (global database members cannot use RDS-managed
 * passwords), replicated under the secondary's key; only the migration uses them.
 * The handlers use the writer credentials (a role that may only insert and read ledger entries),
 * in a second replicated secret that the migration fills and a rotation function deployed here
 * rotates on the configured schedule (handlers/ledger-credentials.ts). No Backtrack (global
 * members cannot), the RDS Data API on both clusters. The schema is applied at deploy time by a
 * migration handler (handlers/ledger-schema.lambda.ts) that `aws.lambda.Invocation` runs on the
 * global writer whenever the statements change.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { LEDGER_SCHEMA_VERSION } from "../../handlers/ledger-schema";
import { migrateLedger } from "../../handlers/ledger-schema.lambda";
import { rotateLedgerCredentials } from "../../handlers/ledger-credentials.lambda";
import {
  LEDGER_MIGRATION_RESERVED_CONCURRENCY,
  LEDGER_ROTATION_RESERVED_CONCURRENCY,
} from "../../model/config";
import type { Namer } from "../../model/naming";
import type { AwsRegion } from "../../model/regions";
import { serviceRole, type Statement } from "../building-blocks/iam";
import { handlerFunction } from "../building-blocks/lambda";
import { replicaSecretArn, replicatedSecret } from "../building-blocks/replicated-secret";
import { type ChildOptions, movedChild, type PartOptions } from "../building-blocks/parts";
import type { DataKeys } from "../keys";
import type { Network } from "../network";

export const LEDGER_DATABASE = "ledger";

/** The ledger a handler reaches through the RDS Data API. */
export interface LedgerEndpoint {
  readonly clusterArn: pulumi.Input<string>;
  readonly credentialsSecretArn: pulumi.Input<string>;
}

/**
 * What a caller of the ledger's Data API needs: the statement on the cluster (under `sid`), and
 * the secret the Data API reads with the caller's credentials (Amazon Aurora User Guide,
 * "Authorizing access to the Amazon RDS Data API":
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.access.html). The secret's
 * key is the region's key, which the handlers' roles may decrypt with.
 */
export function ledgerAccess(ledger: LedgerEndpoint, sid: string): Statement[] {
  return [
    { sid, actions: ["rds-data:ExecuteStatement"], resources: [ledger.clusterArn] },
    {
      sid: "ReadLedgerCredentials",
      actions: ["secretsmanager:GetSecretValue"],
      resources: [ledger.credentialsSecretArn],
    },
  ];
}

/** The environment of a handler that asks the ledger (LEDGER_CLUSTER_ARN, …). */
export function ledgerEnvironment(ledger: LedgerEndpoint): Record<string, pulumi.Input<string>> {
  return {
    LEDGER_CLUSTER_ARN: ledger.clusterArn,
    LEDGER_SECRET_ARN: ledger.credentialsSecretArn,
    LEDGER_DATABASE,
  };
}
const LEDGER_ADMIN = "ledger_admin";
const AURORA_ENGINE = "aurora-postgresql";
const SERVERLESS = "db.serverless";
/**
 * What a member does not take from the program once it exists. Aurora rewrites the first two after a
 * switchover or failover (the runbook owns them then). The engine version follows the global
 * cluster: raising it there upgrades every member in place, and a member that also declared it
 * would give "Provider produced inconsistent final plan" (provider docs, aws.rds.GlobalCluster,
 * "Upgrading Engine Versions": https://www.pulumi.com/registry/packages/aws/api-docs/rds/globalcluster/).
 */
const MEMBER_IGNORED_CHANGES = [
  "globalClusterIdentifier",
  "replicationSourceIdentifier",
  "engineVersion",
];

export interface DatabaseSettings {
  readonly engineVersion: string;
  readonly instanceClass: string;
  readonly maxCapacity: number;
  readonly backupRetentionDays: number;
  /** Production adds a reader in the primary region, Performance Insights and enhanced monitoring. */
  readonly production: boolean;
}

interface LedgerCommon {
  readonly region: AwsRegion;
  readonly namer: Namer;
  readonly keys: DataKeys;
  readonly network: Network;
  readonly database: DatabaseSettings;
  readonly protectData: boolean;
  readonly logRetentionDays: number;
  /** Days between rotations of the writer credentials. */
  readonly credentialsRotationDays: number;
}

export type LedgerArgs = LedgerCommon &
  (
    | {
        readonly role: "primary";
        /** The secondary region and its key, under which the credentials replicate. */
        readonly peer: { readonly region: AwsRegion; readonly keys: DataKeys };
      }
    | { readonly role: "secondary"; readonly primary: Ledger }
  );

export class Ledger extends pulumi.ComponentResource {
  /** The global cluster's identifier (created by the primary region's ledger). */
  readonly globalClusterId: pulumi.Output<string>;
  /** Writer endpoint of the global database: it follows the writer across regions. */
  readonly globalWriterEndpoint: pulumi.Output<string>;
  readonly clusterArn: pulumi.Output<string>;
  readonly clusterIdentifier: pulumi.Output<string>;
  readonly clusterEndpoint: pulumi.Output<string>;
  readonly clusterReaderEndpoint: pulumi.Output<string>;
  /**
   * The writer credentials' secret in this region (the secondary's is the primary's replica): what
   * every handler reaches the ledger with.
   */
  readonly credentialsSecretArn: pulumi.Output<string>;
  /** The master credentials' secret in this region: the migration's only. */
  readonly adminSecretArn: pulumi.Output<string>;
  /** The rotator's credentials (ledger_rotator) in this region: the rotation's, filled by the migration. */
  readonly rotatorSecretArn: pulumi.Output<string>;
  private readonly settings: LedgerArgs;
  private readonly child: ChildOptions;
  private readonly logicalName: string;
  private migrated?: aws.lambda.Invocation;
  /** The secondary cluster waits for the primary's first instance. */
  readonly firstInstance: aws.rds.ClusterInstance;

  constructor(name: string, args: LedgerArgs, opts: PartOptions) {
    super("payments:data:Ledger", name, {}, opts);
    this.settings = args;
    const { namer, region, database } = args;
    const child = movedChild(this, { parent: opts.parent });
    this.child = { parent: this };
    this.logicalName = name;
    const dataStore = { ...child, protect: args.protectData, retainOnDelete: args.protectData };
    const clusterIdentifier = namer.regional("rdsCluster", LEDGER_DATABASE, region);

    let credentials: { username: string; password: pulumi.Output<string> } | undefined;
    let secretVersion: aws.secretsmanager.SecretVersion | undefined;
    if (args.role === "primary") {
      const global = new aws.rds.GlobalCluster(
        name,
        {
          globalClusterIdentifier: namer.global("rdsGlobalCluster", LEDGER_DATABASE),
          engine: AURORA_ENGINE,
          engineVersion: database.engineVersion,
          storageEncrypted: true,
          deletionProtection: args.protectData,
        },
        dataStore,
      );
      this.globalClusterId = global.id;
      this.globalWriterEndpoint = global.endpoint;
      const password = new random.RandomPassword(
        `${name}-admin`,
        // RDS refuses "/", "@", '"' and spaces in master passwords.
        { length: 40, special: true, overrideSpecial: "!#$%^&*()-_=+[]{}:?<>" },
        child,
      );
      credentials = { username: LEDGER_ADMIN, password: password.result };
      const secret = (suffix: string, description: string) =>
        replicatedSecret(
          `${name}-${suffix}`,
          {
            secretName: namer.global("secret", `ledger-${suffix}`),
            description,
            keyArn: args.keys.arn,
            peer: { region: args.peer.region, keyArn: args.peer.keys.arn },
            protectData: args.protectData,
          },
          dataStore,
        );
      const admin = secret(
        "admin",
        "Aurora ledger master credentials (RDS Data API and migrations)",
      );
      secretVersion = new aws.secretsmanager.SecretVersion(
        `${name}-admin`,
        {
          secretId: admin.id,
          secretString: pulumi.jsonStringify({
            engine: "postgres",
            username: credentials.username,
            password: credentials.password,
            dbname: LEDGER_DATABASE,
          }),
        },
        child,
      );
      this.adminSecretArn = admin.arn;
      // Created empty: the migration puts their first values, so no password of them is ever in
      // the deployment's state, and the rotation owns every later one of the writer's.
      this.credentialsSecretArn = secret(
        "writer",
        "Aurora ledger writer credentials (insert and read ledger entries): the handlers' RDS Data API secret, rotated",
      ).arn;
      this.rotatorSecretArn = secret(
        "rotator",
        "Aurora ledger rotator credentials (sets the writer roles' passwords): the rotation function's only",
      ).arn;
    } else {
      const writer = args.primary;
      this.globalClusterId = writer.globalClusterId;
      this.globalWriterEndpoint = writer.globalWriterEndpoint;
      this.adminSecretArn = replicaSecretArn(writer.adminSecretArn, region);
      this.rotatorSecretArn = replicaSecretArn(writer.rotatorSecretArn, region);
      this.credentialsSecretArn = replicaSecretArn(writer.credentialsSecretArn, region);
    }

    const subnets = new aws.rds.SubnetGroup(
      name,
      {
        name: clusterIdentifier,
        description: "Aurora ledger: the private subnets of every availability zone",
        subnetIds: args.network.privateSubnetIds,
      },
      child,
    );
    // Created before the cluster, so that RDS exports the PostgreSQL log into a group encrypted with
    // our key: a cluster that exports first makes the group itself, unencrypted, and then this one
    // cannot be created (Aurora User Guide, "Publishing Aurora PostgreSQL logs to Amazon CloudWatch
    // Logs": RDS creates /aws/rds/cluster/<cluster>/postgresql when it does not exist:
    // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.CloudWatch.html).
    const postgresqlLog = new aws.cloudwatch.LogGroup(
      `${name}-postgresql`,
      {
        name: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
        kmsKeyId: args.keys.arn,
        retentionInDays: args.logRetentionDays,
      },
      child,
    );
    const serverless = database.instanceClass === SERVERLESS;
    const cluster = new aws.rds.Cluster(
      name,
      {
        clusterIdentifier,
        engine: AURORA_ENGINE,
        engineMode: "provisioned",
        engineVersion: database.engineVersion,
        globalClusterIdentifier: this.globalClusterId,
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
        dependsOn: [
          postgresqlLog,
          ...(args.role === "primary" ? [] : [args.primary.firstInstance]),
        ],
      },
    );

    const monitoring = database.production ? this.monitoringRole(name, args, child) : undefined;
    const instanceCount = args.role === "primary" && database.production ? 2 : 1;
    const instances = Array.from(
      { length: instanceCount },
      (_, i) =>
        new aws.rds.ClusterInstance(
          `${name}-${i + 1}`,
          {
            identifier: namer.regional("rdsInstance", `ledger-${i + 1}`, region),
            clusterIdentifier: cluster.id,
            // No engineVersion: an instance runs its cluster's (provider docs,
            // aws.rds.ClusterInstance engineVersion: "must be done on the aws.rds.Cluster").
            engine: AURORA_ENGINE,
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
          { ...child, dependsOn: monitoring === undefined ? [] : [monitoring.attached] },
        ),
    );
    if (args.role === "primary" && secretVersion !== undefined) {
      this.migrateSchema(name, args, cluster, child, [instances[0], secretVersion]);
    }
    this.clusterArn = cluster.arn;
    this.clusterIdentifier = cluster.clusterIdentifier;
    this.clusterEndpoint = cluster.endpoint;
    this.clusterReaderEndpoint = cluster.readerEndpoint;
    this.firstInstance = instances[0];
    this.registerOutputs({
      globalClusterId: this.globalClusterId,
      clusterArn: this.clusterArn,
      clusterEndpoint: this.clusterEndpoint,
      credentialsSecretArn: this.credentialsSecretArn,
    });
  }

  /**
   * Applies the ledger schema at deploy time: a migration handler run by aws.lambda.Invocation
   * once the writer and the credentials exist, and again whenever the statements change (the
   * version is their digest). It runs them on whichever region's cluster is the global writer
   * when it runs, so it knows both regions' clusters and master secrets.
   */
  private migrateSchema(
    name: string,
    args: LedgerArgs & { readonly role: "primary" },
    cluster: aws.rds.Cluster,
    child: ChildOptions,
    after: pulumi.Resource[],
  ): void {
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const peerIdentifier = args.namer.regional("rdsCluster", LEDGER_DATABASE, args.peer.region);
    const targets = [
      { region: args.region, clusterArn: cluster.arn, secretArn: this.adminSecretArn },
      {
        region: args.peer.region,
        // The secondary's cluster is built after this one: its ARN is known from its identifier
        // (Aurora User Guide, "Amazon Resource Names (ARNs) in Amazon RDS", DB cluster:
        // arn:aws:rds:<region>:<account>:cluster:<identifier>:
        // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Tagging.ARN.Constructing.html).
        clusterArn: pulumi.interpolate`arn:aws:rds:${args.peer.region}:${account}:cluster:${peerIdentifier}`,
        secretArn: replicaSecretArn(this.adminSecretArn, args.peer.region),
      },
    ];
    const globalClusterId = this.globalClusterId;
    const migration = handlerFunction(
      `${name}-schema`,
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
            // DescribeGlobalClusters takes the global-cluster resource type (Service Authorization
            // Reference, Amazon RDS: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html).
            sid: "FindTheGlobalWriter",
            actions: ["rds:DescribeGlobalClusters"],
            resources: [
              pulumi.interpolate`arn:aws:rds::${account}:global-cluster:${globalClusterId}`,
            ],
          },
          {
            sid: "RunStatementsOnTheLedger",
            actions: ["rds-data:ExecuteStatement"],
            resources: targets.map((t) => t.clusterArn),
          },
          {
            sid: "ReadTheMasterCredentials",
            actions: ["secretsmanager:GetSecretValue"],
            resources: targets.map((t) => t.secretArn),
          },
          {
            sid: "ProvisionTheWriterAndRotatorCredentials",
            actions: ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
            resources: [this.credentialsSecretArn, this.rotatorSecretArn],
          },
          // GetRandomPassword acts on no resource (Service Authorization Reference, AWS Secrets
          // Manager: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html).
          { sid: "MakePasswords", actions: ["secretsmanager:GetRandomPassword"], resources: ["*"] },
          {
            // The master secret's replica in the peer region is under the peer's key.
            sid: "UseTheSecretsKeys",
            actions: ["kms:GenerateDataKey", "kms:Decrypt"],
            resources: [args.keys.arn, args.peer.keys.arn],
          },
        ],
        environment: {
          LEDGER_TARGETS: pulumi.jsonStringify(targets),
          GLOBAL_CLUSTER_ID: globalClusterId,
          WRITER_SECRET_ARN: this.credentialsSecretArn,
          ROTATOR_SECRET_ARN: this.rotatorSecretArn,
          DATABASE: LEDGER_DATABASE,
        },
        // Long enough to wait out a cluster that cannot take statements yet (handlers/ledger-schema.ts
        // untilReady), short of Lambda's 900 s.
        timeoutSeconds: 300,
        memoryMb: 256,
        reservedConcurrency: LEDGER_MIGRATION_RESERVED_CONCURRENCY,
      },
      child,
    );
    this.migrated = new aws.lambda.Invocation(
      `${name}-schema`,
      {
        functionName: migration.name,
        input: JSON.stringify({ schemaVersion: LEDGER_SCHEMA_VERSION }),
        triggers: { schemaVersion: LEDGER_SCHEMA_VERSION },
      },
      { ...child, dependsOn: after },
    );
  }

  /**
   * The writer credentials' rotation (the primary region's ledger, once the peer's exists): the
   * rotation function, Secrets Manager's permission to call it, and the schedule. The function
   * changes a role's password on whichever region's cluster is the writer, so it knows both.
   */
  rotateCredentials(peer: Ledger): void {
    const args = this.settings;
    if (args.role !== "primary" || this.migrated === undefined) {
      return;
    }
    const name = this.logicalName;
    const targets = [this, peer].map((ledger) => ({
      region: ledger.settings.region,
      clusterArn: ledger.clusterArn,
      secretArn: ledger.rotatorSecretArn,
    }));
    const rotation = handlerFunction(
      `${name}-rotation`,
      {
        base: "ledger-rotation",
        description:
          "Rotates the ledger writer's credentials (alternating users) for Secrets Manager",
        callback: rotateLedgerCredentials,
        region: args.region,
        namer: args.namer,
        keyArn: args.keys.arn,
        logRetentionDays: args.logRetentionDays,
        statements: [
          {
            // What a rotation function does to its secret (Secrets Manager User Guide, "Lambda
            // rotation functions", permissions:
            // https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html).
            sid: "RotateTheWriterCredentials",
            actions: [
              "secretsmanager:DescribeSecret",
              "secretsmanager:GetSecretValue",
              "secretsmanager:PutSecretValue",
              "secretsmanager:UpdateSecretVersionStage",
            ],
            resources: [this.credentialsSecretArn],
          },
          { sid: "MakePasswords", actions: ["secretsmanager:GetRandomPassword"], resources: ["*"] },
          {
            sid: "SetPasswordsAsTheRotator",
            actions: ["rds-data:ExecuteStatement"],
            resources: targets.map((t) => t.clusterArn),
          },
          {
            sid: "ReadTheRotatorCredentials",
            actions: ["secretsmanager:GetSecretValue"],
            resources: targets.map((t) => t.secretArn),
          },
          {
            sid: "UseTheSecretsKeys",
            actions: ["kms:GenerateDataKey", "kms:Decrypt"],
            resources: [args.keys.arn, args.peer.keys.arn],
          },
        ],
        environment: {
          LEDGER_TARGETS: pulumi.jsonStringify(targets),
          LEDGER_DATABASE,
        },
        timeoutSeconds: 60,
        memoryMb: 256,
        reservedConcurrency: LEDGER_ROTATION_RESERVED_CONCURRENCY,
      },
      this.child,
    );
    // Secrets Manager calls the function with the secret's ARN and account as the source: with
    // aws:SourceArn the function rotates only this secret (Secrets Manager User Guide, "Set up
    // automatic rotation", step 5:
    // https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_turn-on-for-other.html).
    const permission = new aws.lambda.Permission(
      `${name}-rotation`,
      {
        action: "lambda:InvokeFunction",
        function: rotation.name,
        principal: "secretsmanager.amazonaws.com",
        sourceArn: this.credentialsSecretArn,
        sourceAccount: aws.getCallerIdentityOutput({}, { parent: this }).accountId,
      },
      this.child,
    );
    new aws.secretsmanager.SecretRotation(
      `${name}-writer`,
      {
        secretId: this.credentialsSecretArn,
        rotationLambdaArn: rotation.arn,
        rotationRules: { automaticallyAfterDays: args.credentialsRotationDays },
        // The first rotation waits for the schedule; the migration gave the secret its value.
        rotateImmediately: false,
      },
      { ...this.child, dependsOn: [permission, this.migrated] },
    );
  }

  /** The role RDS enhanced monitoring publishes OS metrics with, once its policy is attached. */
  private monitoringRole(
    name: string,
    args: LedgerArgs,
    child: ChildOptions,
  ): { role: aws.iam.Role; attached: aws.iam.RolePolicyAttachment } {
    // RDS sends both confused-deputy keys when it assumes the enhanced monitoring role: the account
    // and the DB instance's ARN (Amazon Aurora User Guide, "Setting up and enabling Enhanced
    // Monitoring", confused deputy:
    // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Monitoring.OS.Enabling.html).
    const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const role = serviceRole(
      `${name}-monitoring`,
      {
        roleName: args.namer.regional("iamRole", "ledger-monitoring", args.region),
        service: "monitoring.rds.amazonaws.com",
        source: { account, arn: pulumi.interpolate`arn:aws:rds:${args.region}:${account}:db:*` },
      },
      child,
    );
    const attached = new aws.iam.RolePolicyAttachment(
      `${name}-monitoring`,
      {
        role: role.name,
        policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
      },
      child,
    );
    return { role, attached };
  }
}
