/**
 * An S3 bucket as this program makes every one: versioned, SSE-KMS with the region's key and the
 * S3 Bucket Key, all public access blocked, ACLs off (BucketOwnerEnforced), and a policy that
 * refuses requests without TLS, plus whatever statements the bucket's use adds.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type Statement } from "./iam";
import type { ChildOptions } from "./parts";

export interface PrivateBucketArgs {
  readonly bucketName: string;
  readonly keyArn: pulumi.Input<string>;
  /** Protected (and kept on delete) rather than destroyable with its objects. */
  readonly protect: boolean;
  /** More statements for the bucket policy, given the bucket's ARN. */
  readonly statements?: (bucketArn: pulumi.Output<string>) => Statement[];
}

export function privateBucket(
  name: string,
  args: PrivateBucketArgs,
  child: ChildOptions,
): { readonly bucket: aws.s3.Bucket; readonly versioning: aws.s3.BucketVersioning } {
  const bucket = new aws.s3.Bucket(
    name,
    { bucket: args.bucketName, forceDestroy: !args.protect },
    { ...child, protect: args.protect, retainOnDelete: args.protect },
  );
  const versioning = new aws.s3.BucketVersioning(
    name,
    { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
    child,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    name,
    {
      bucket: bucket.id,
      rules: [
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: "aws:kms",
            kmsMasterKeyId: args.keyArn,
          },
          bucketKeyEnabled: true,
        },
      ],
    },
    child,
  );
  new aws.s3.BucketPublicAccessBlock(
    name,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    child,
  );
  new aws.s3.BucketOwnershipControls(
    name,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    child,
  );
  new aws.s3.BucketPolicy(
    name,
    {
      bucket: bucket.id,
      policy: policyDocument(
        [
          {
            sid: "DenyRequestsWithoutTls",
            effect: "Deny",
            principals: [{ type: "*", identifiers: ["*"] }],
            actions: ["s3:*"],
            resources: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
            conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
          },
          ...(args.statements?.(bucket.arn) ?? []),
        ],
        child,
      ),
    },
    child,
  );
  return { bucket, versioning };
}
