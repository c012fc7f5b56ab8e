/**
 * The `receipts` bucket of one region: versioned, SSE-KMS under the region's key, public access
 * blocked, TLS only, and replicated both ways (`replicateTo`, called once both regions exist)
 * with Replication Time Control, delete markers and replica modification sync, KMS objects
 * re-encrypted under the destination region's key.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Namer } from "../../model/naming";
import { S3_REPLICATION_TIME_MINUTES } from "../../model/recovery";
import { type AwsRegion, regionCode } from "../../model/regions";
import { rolePolicy, serviceRole } from "../building-blocks/iam";
import { privateBucket } from "../building-blocks/private-bucket";
import { type ChildOptions, movedChild, type PartOptions } from "../building-blocks/parts";

export interface ReceiptsArgs {
  readonly region: AwsRegion;
  readonly namer: Namer;
  readonly keyArn: pulumi.Input<string>;
  readonly protectData: boolean;
  /** Days before receipts move to Standard-IA; 0 for never. */
  readonly infrequentAccessDays: number;
  readonly noncurrentVersionExpirationDays: number;
}

export class Receipts extends pulumi.ComponentResource {
  readonly bucket: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  private readonly region: AwsRegion;
  private readonly namer: Namer;
  private readonly keyArn: pulumi.Input<string>;
  /** Replication needs versioning on both buckets first. */
  private readonly versioning: aws.s3.BucketVersioning;
  private readonly child: ChildOptions;
  private readonly logicalName: string;

  constructor(name: string, args: ReceiptsArgs, opts: PartOptions) {
    super("payments:data:Receipts", name, {}, opts);
    const child = movedChild(this, { parent: opts.parent });
    const keyArn = args.keyArn;
    const { bucket, versioning } = privateBucket(
      name,
      {
        bucketName: args.namer.regional("s3Bucket", "receipts", args.region),
        keyArn,
        // A destroyable (dev) stack may delete a bucket that still holds receipts.
        protect: args.protectData,
        statements: (arn) => [
          {
            // Objects written without naming an encryption get the bucket default (SSE-KMS with
            // this region's key); only a write that names another encryption is refused. The
            // key is not pinned here: replication writes under the destination key as S3 names
            // it. `Null: false` (the header is present) AND `StringNotEquals`: IAM evaluates a
            // negated operator, and any …IfExists operator, as true when the key is absent, so
            // either alone would deny every write that relies on the default encryption
            // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
            sid: "DenyWritesWithOtherEncryption",
            effect: "Deny",
            principals: [{ type: "*", identifiers: ["*"] }],
            actions: ["s3:PutObject"],
            resources: [pulumi.interpolate`${arn}/*`],
            conditions: [
              { test: "Null", variable: "s3:x-amz-server-side-encryption", values: ["false"] },
              {
                test: "StringNotEquals",
                variable: "s3:x-amz-server-side-encryption",
                values: ["aws:kms"],
              },
            ],
          },
        ],
      },
      child,
    );
    new aws.s3.BucketLifecycleConfiguration(
      name,
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
          ...(args.infrequentAccessDays > 0
            ? [
                {
                  id: "receipts-to-infrequent-access",
                  status: "Enabled",
                  filter: {},
                  transitions: [{ days: args.infrequentAccessDays, storageClass: "STANDARD_IA" }],
                },
              ]
            : []),
        ],
      },
      { ...child, dependsOn: [versioning] },
    );
    this.bucket = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.region = args.region;
    this.namer = args.namer;
    this.keyArn = keyArn;
    this.versioning = versioning;
    this.child = child;
    this.logicalName = name;
    this.registerOutputs({ bucket: this.bucket, bucketArn: this.bucketArn });
  }

  /** Replicates this region's receipts to the peer region's bucket, under the peer's key. */
  replicateTo(peer: Receipts): void {
    const to = regionCode(peer.region);
    const name = `${this.logicalName}-to-${to}`;
    const role = serviceRole(
      name,
      {
        roleName: this.namer.regional("iamRole", `receipts-to-${to}`, this.region),
        service: "s3.amazonaws.com",
      },
      this.child,
    );
    const policy = rolePolicy(
      name,
      role,
      [
        {
          sid: "ReadSourceConfiguration",
          actions: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
          resources: [this.bucketArn],
        },
        {
          sid: "ReadSourceVersions",
          actions: [
            "s3:GetObjectVersionForReplication",
            "s3:GetObjectVersionAcl",
            "s3:GetObjectVersionTagging",
          ],
          resources: [pulumi.interpolate`${this.bucketArn}/*`],
        },
        {
          sid: "WriteDestinationReplicas",
          actions: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
          resources: [pulumi.interpolate`${peer.bucketArn}/*`],
        },
        {
          sid: "DecryptWithSourceKey",
          actions: ["kms:Decrypt"],
          resources: [this.keyArn],
          conditions: [
            {
              test: "StringEquals",
              variable: "kms:ViaService",
              values: [`s3.${this.region}.amazonaws.com`],
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
              values: [`s3.${peer.region}.amazonaws.com`],
            },
          ],
        },
      ],
      this.child,
    );
    new aws.s3.BucketReplicationConfig(
      name,
      {
        bucket: this.bucket,
        role: role.arn,
        rules: [
          {
            id: `to-${peer.region}`,
            status: "Enabled",
            priority: 1,
            filter: {},
            deleteMarkerReplication: { status: "Enabled" },
            sourceSelectionCriteria: {
              sseKmsEncryptedObjects: { status: "Enabled" },
              replicaModifications: { status: "Enabled" },
            },
            destination: {
              bucket: peer.bucketArn,
              storageClass: "STANDARD",
              encryptionConfiguration: { replicaKmsKeyId: peer.keyArn },
              replicationTime: {
                status: "Enabled",
                time: { minutes: S3_REPLICATION_TIME_MINUTES },
              },
              metrics: {
                status: "Enabled",
                eventThreshold: { minutes: S3_REPLICATION_TIME_MINUTES },
              },
            },
          },
        ],
      },
      { ...this.child, dependsOn: [this.versioning, peer.versioning, policy] },
    );
  }
}
