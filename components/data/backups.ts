/**
 * AWS Backup for one region's data stores: the region's AWS Backup settings, a CMK vault (locked in
 * production), the role AWS Backup works with, two plans whose recovery points are copied to the
 * peer region's vault (`copyTo`, called once both regions exist) — the tables and the bucket daily
 * (production: hourly too), the ledger daily only — and in production a restore testing plan, so
 * that restores are proven on a schedule.
 *
 * The ledger has a plan of its own because a cross-region copy of an Aurora snapshot is a full copy
 * that can take hours, and a destination region runs at most five at a time (Aurora User Guide,
 * "Copying a DB cluster snapshot", cross-Region copy limitations:
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-copy-snapshot.html): hourly
 * copies would queue behind each other. Aurora's own continuous backup gives the ledger its
 * point-in-time recovery within the region.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Namer } from "../../model/naming";
import type { AwsRegion } from "../../model/regions";
import { serviceRole } from "../building-blocks/iam";
import { type ChildOptions, movedChild, type PartOptions } from "../building-blocks/parts";

/** Days hourly recovery points are kept; also the vault lock's minimum retention. */
const HOURLY_RETENTION_DAYS = 7;
/**
 * The resource types this stack backs up, opted in (and nothing else: a region refuses a type it
 * does not offer, "Element present in resource type opt in preference has invalid values",
 * hashicorp/terraform-provider-aws#21801, and opting other types in or out is other teams' call).
 */
const BACKED_UP_TYPES = ["Aurora", "DynamoDB", "S3"] as const;
const BACKUP_ROLE_POLICIES = [
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
  "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
  "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
  "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
];

export interface BackupsArgs {
  readonly region: AwsRegion;
  readonly namer: Namer;
  readonly keyArn: pulumi.Input<string>;
  readonly protectData: boolean;
  readonly retentionDays: number;
  /** Production adds hourly backups, the vault lock and restore testing. */
  readonly production: boolean;
  /** The ARNs of the region's data stores, by AWS Backup's resource type. */
  readonly stores: Readonly<Record<"DynamoDB" | "Aurora" | "S3", readonly pulumi.Input<string>[]>>;
  /** The data tier's logical name: restore testing stood under it as `<tier>-restore-testing…`. */
  readonly tierName: string;
}

export class Backups extends pulumi.ComponentResource {
  readonly vaultArn: pulumi.Output<string>;
  private readonly settings: BackupsArgs;
  private readonly vaultName: pulumi.Output<string>;
  private readonly role: aws.iam.Role;
  /** AWS Backup uses the role as soon as a selection exists: its policies must be attached. */
  private readonly attached: aws.iam.RolePolicyAttachment[];
  private readonly child: ChildOptions;
  private readonly logicalName: string;

  constructor(name: string, args: BackupsArgs, opts: PartOptions) {
    super("payments:data:Backups", name, {}, opts);
    const child = movedChild(this, { parent: opts.parent });
    const vault = new aws.backup.Vault(
      name,
      {
        name: args.namer.regional("backupVault", "payments", args.region),
        kmsKeyArn: args.keyArn,
        forceDestroy: !args.protectData,
      },
      { ...child, protect: args.protectData, retainOnDelete: args.protectData },
    );
    if (args.production) {
      // Compliance mode after three days: from then on no one, root included, can shorten or
      // delete the recovery points.
      new aws.backup.VaultLockConfiguration(
        name,
        {
          backupVaultName: vault.name,
          minRetentionDays: HOURLY_RETENTION_DAYS,
          maxRetentionDays: 366,
          changeableForDays: 3,
        },
        child,
      );
    }
    // Cross-region copy of a DynamoDB backup needs AWS Backup's advanced DynamoDB features, which
    // accounts with vaults from before November 2021 have off (AWS Backup Developer Guide,
    // "Advanced DynamoDB backup": https://docs.aws.amazon.com/aws-backup/latest/devguide/advanced-ddb-backup.html),
    // and a plan backs up only the resource types the region has opted in to (AWS Backup Developer
    // Guide, "Service opt-in": https://docs.aws.amazon.com/aws-backup/latest/devguide/service-opt-in.html).
    // The settings are one per account and region; UpdateRegionSettings changes the types it is
    // given (AWS Backup API Reference, UpdateRegionSettings:
    // https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateRegionSettings.html).
    new aws.backup.RegionSettings(
      name,
      {
        resourceTypeOptInPreference: Object.fromEntries(
          BACKED_UP_TYPES.map((type) => [type, true]),
        ),
        resourceTypeManagementPreference: { DynamoDB: true },
      },
      // Account-wide: removing this stack leaves them as they are. The provider reads back both
      // maps whole, and AWS adds resource types over time (terraform-provider-aws
      // internal/service/backup/region_settings.go: read sets every type DescribeRegionSettings
      // returns), so after the first deployment the maps are AWS's: otherwise every preview would
      // show a change. `npm run preflight` checks the keys this stack needs.
      {
        ...child,
        retainOnDelete: true,
        ignoreChanges: ["resourceTypeOptInPreference", "resourceTypeManagementPreference"],
      },
    );
    this.role = serviceRole(
      name,
      {
        roleName: args.namer.regional("iamRole", "backups", args.region),
        service: "backup.amazonaws.com",
      },
      child,
    );
    this.attached = BACKUP_ROLE_POLICIES.map(
      (policyArn, i) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-${i + 1}`,
          { role: this.role.name, policyArn },
          child,
        ),
    );
    this.vaultArn = vault.arn;
    this.vaultName = vault.name;
    this.settings = args;
    this.child = child;
    this.logicalName = name;
    if (args.production) {
      this.restoreTesting(opts.parent, vault);
    }
    this.registerOutputs({ vaultArn: this.vaultArn });
  }

  /** A weekly restore of the latest recovery point of each data store, validated and discarded. */
  private restoreTesting(tier: pulumi.Resource, vault: aws.backup.Vault): void {
    const { namer, region } = this.settings;
    const name = `${this.logicalName}-restore-testing`;
    const formerly = (suffix: string) =>
      movedChild(this, {
        parent: tier,
        name: `${this.settings.tierName}-restore-testing${suffix}`,
      });
    const plan = new aws.backup.RestoreTestingPlan(
      name,
      {
        // Restore testing plan names take letters, digits and underscores only.
        name: namer.regional("backupPlan", "restore-testing", region).replace(/-/g, "_"),
        scheduleExpression: "cron(0 6 ? * SUN *)",
        startWindowHours: 4,
        recoveryPointSelection: {
          algorithm: "LATEST_WITHIN_WINDOW",
          includeVaults: [vault.arn],
          recoveryPointTypes: ["SNAPSHOT"],
          selectionWindowDays: 7,
        },
      },
      formerly(""),
    );
    for (const [type, arns] of Object.entries(this.settings.stores)) {
      const suffix = `-${type.toLowerCase()}`;
      new aws.backup.RestoreTestingSelection(
        `${name}${suffix}`,
        {
          name: `payments_${type.toLowerCase()}`,
          restoreTestingPlanName: plan.name,
          protectedResourceType: type,
          protectedResourceArns: [...arns],
          iamRoleArn: this.role.arn,
          validationWindowHours: 4,
        },
        { ...formerly(suffix), dependsOn: this.attached },
      );
    }
  }

  /**
   * Backs up this region's tables and bucket daily (production: hourly too) and its ledger daily,
   * each recovery point copied to `peer`'s vault.
   */
  copyTo(peer: Backups): void {
    const { namer, region, retentionDays, production, stores } = this.settings;
    const copyToPeer = (deleteAfter: number) => [
      { destinationVaultArn: peer.vaultArn, lifecycle: { deleteAfter } },
    ];
    const daily = {
      ruleName: "daily",
      targetVaultName: this.vaultName,
      schedule: "cron(0 5 * * ? *)",
      startWindow: 60,
      completionWindow: 360,
      lifecycle: { deleteAfter: retentionDays },
      copyActions: copyToPeer(retentionDays),
    };
    const plan = new aws.backup.Plan(
      this.logicalName,
      {
        name: namer.regional("backupPlan", "payments", region),
        rules: [
          daily,
          ...(production
            ? [
                {
                  ruleName: "hourly",
                  targetVaultName: this.vaultName,
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
      this.child,
    );
    new aws.backup.Selection(
      this.logicalName,
      {
        name: namer.regional("backupPlan", "data-stores", region),
        planId: plan.id,
        iamRoleArn: this.role.arn,
        resources: [...stores.DynamoDB, ...stores.S3],
      },
      { ...this.child, dependsOn: this.attached },
    );
    const ledgerPlan = new aws.backup.Plan(
      `${this.logicalName}-ledger`,
      { name: namer.regional("backupPlan", "ledger", region), rules: [daily] },
      this.child,
    );
    new aws.backup.Selection(
      `${this.logicalName}-ledger`,
      {
        name: namer.regional("backupPlan", "ledger", region),
        planId: ledgerPlan.id,
        iamRoleArn: this.role.arn,
        resources: [...stores.Aurora],
      },
      { ...this.child, dependsOn: this.attached },
    );
  }
}
