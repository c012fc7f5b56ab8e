/**
 * Mutual TLS on `api.<zone>` (config `mutualTlsTruststore`): the truststore file of the project,
 * checked before anything is registered, and kept in a private bucket of each region, which the
 * custom domain of that region names (API Gateway Developer Guide, "Configuring mutual TLS
 * authentication for a REST API": a regional custom domain, an ACM certificate and a truststore in
 * Amazon S3: https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html).
 * Only `api.<zone>` asks for client certificates: Route 53's health checks and the peer watch
 * probe `<region>.api.<zone>/health` and present none, so the authorizer refuses payment requests
 * that arrive without a certificate (handlers/merchant-authorizer.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, type StackConfig } from "../../model/config";
import { type Namer, TRUSTSTORE_BUCKET_BASE } from "../../model/naming";
import type { AwsRegion } from "../../model/regions";
import type { ChildOptions } from "../building-blocks/parts";
import { privateBucket } from "../building-blocks/private-bucket";

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
/** The object key of the truststore in each region's bucket. */
export const TRUSTSTORE_KEY = "truststore.pem";

/** The truststore's path on disk, for a path in the project. */
export function truststoreFile(relative: string): string {
  return path.join(PROJECT_ROOT, relative);
}

/** Fails, naming the key, when the configured truststore is not a PEM file of certificates. */
export function checkTruststore(config: StackConfig, project: string): void {
  const relative = config.api.mutualTlsTruststore;
  if (relative === undefined) {
    return;
  }
  const file = truststoreFile(relative);
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
  const problem =
    text === undefined
      ? "there is no such file in the project"
      : !text.includes("-----BEGIN CERTIFICATE-----")
        ? "the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        : undefined;
  if (problem !== undefined) {
    throw new ConfigError(config.stack, [
      `${project}:mutualTlsTruststore = ${JSON.stringify(relative)}: ${problem}`,
    ]);
  }
}

/** The truststore in this region: its bucket and object, and the domain's setting naming it. */
export function regionalTruststore(
  name: string,
  args: {
    readonly region: AwsRegion;
    readonly namer: Namer;
    readonly keyArn: pulumi.Input<string>;
    readonly file: string;
  },
  child: ChildOptions,
): aws.types.input.apigateway.DomainNameMutualTlsAuthentication {
  const { bucket, versioning } = privateBucket(
    `${name}-truststore`,
    {
      bucketName: args.namer.regional("s3Bucket", TRUSTSTORE_BUCKET_BASE, args.region),
      keyArn: args.keyArn,
      // The file in the project is the truststore's source: the bucket is rebuilt from it.
      protect: false,
    },
    child,
  );
  const object = new aws.s3.BucketObjectv2(
    `${name}-truststore`,
    {
      bucket: bucket.id,
      key: TRUSTSTORE_KEY,
      source: new pulumi.asset.FileAsset(truststoreFile(args.file)),
      contentType: "application/x-pem-file",
    },
    { ...child, dependsOn: [versioning] },
  );
  // A new version of the file is a new object version; the domain names the version, so it
  // moves to the new truststore on the next update.
  return {
    truststoreUri: pulumi.interpolate`s3://${bucket.bucket}/${TRUSTSTORE_KEY}`,
    truststoreVersion: object.versionId,
  };
}
