/**
 * Encryption: at rest with a customer managed KMS key wherever AWS supports one, in transit with
 * TLS only. An AWS managed key (aws/s3, aws/sqs, …) cannot be shared across accounts, rotated on
 * our schedule or revoked, so it does not count.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
  asArray,
  bucketName,
  type Props,
  record,
  resourcesOfType,
  statements,
  text,
  typedPolicy,
} from "./support";

export const S3_SSE_TYPES = [
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
export const S3_BUCKET_POLICY_TYPE = "aws:s3/bucketPolicy:BucketPolicy";

const isAwsManagedAlias = (key: string | undefined, service: string) =>
  key === `alias/aws/${service}`;

function s3Encryption(props: Props): string[] {
  const rules = asArray(props.rules as Props[] | undefined);
  if (rules.length === 0) {
    return ["has no encryption rules"];
  }
  return rules.flatMap((rule, i) => {
    const byDefault = record(rule.applyServerSideEncryptionByDefault);
    const algorithm = text(byDefault.sseAlgorithm);
    const problems: string[] = [];
    if (algorithm !== "aws:kms" && algorithm !== "aws:kms:dsse") {
      problems.push(
        `rule ${i + 1} encrypts with ${algorithm ?? "nothing"}; use SSE-KMS (sseAlgorithm "aws:kms") with a customer managed key`,
      );
    } else if (
      text(byDefault.kmsMasterKeyId) === undefined ||
      isAwsManagedAlias(text(byDefault.kmsMasterKeyId), "s3")
    ) {
      problems.push(
        `rule ${i + 1} names no customer managed kmsMasterKeyId: SSE-KMS would use the AWS managed key aws/s3`,
      );
    }
    if (rule.bucketKeyEnabled !== true) {
      problems.push(
        `rule ${i + 1} does not enable the S3 Bucket Key (bucketKeyEnabled), which cuts KMS requests and cost`,
      );
    }
    return problems;
  });
}

export const s3KmsEncryption = typedPolicy({
  name: "s3-kms-encryption",
  description:
    "S3 default encryption is SSE-KMS with a customer managed key and the S3 Bucket Key.",
  enforcementLevel: "mandatory",
  checks: Object.fromEntries(S3_SSE_TYPES.map((type) => [type, s3Encryption])),
});

export const s3BucketEncrypted: StackValidationPolicy = {
  name: "s3-bucket-encrypted",
  description:
    "Every S3 bucket has a server-side encryption configuration (checked by s3-kms-encryption).",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const configured = new Set(
      resourcesOfType(resources, ...S3_SSE_TYPES).map((c) => text(c.props.bucket)),
    );
    for (const bucket of resourcesOfType(resources, "aws:s3/bucket:Bucket")) {
      if (!configured.has(bucketName(bucket))) {
        reportViolation(
          `bucket ${bucketName(bucket) ?? bucket.name} has no server-side encryption configuration`,
          bucket.urn,
        );
      }
    }
  },
};

/** True when the bucket policy denies every request that does not use TLS. */
function deniesInsecureTransport(policy: unknown): boolean {
  return statements(policy).some((s) => {
    const bool = record(record(s.Condition).Bool);
    return s.Effect === "Deny" && String(bool["aws:SecureTransport"]) === "false";
  });
}

export const s3TlsOnly: StackValidationPolicy = {
  name: "s3-tls-only",
  description:
    "Every S3 bucket policy denies requests that do not use TLS (aws:SecureTransport false).",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const policies = resourcesOfType(resources, S3_BUCKET_POLICY_TYPE);
    for (const bucket of resourcesOfType(resources, "aws:s3/bucket:Bucket")) {
      const name = bucketName(bucket);
      const policy = policies.find((p) => text(p.props.bucket) === name);
      if (policy === undefined || !deniesInsecureTransport(policy.props.policy)) {
        reportViolation(
          `bucket ${name ?? bucket.name} has no bucket policy denying requests without TLS (aws:SecureTransport false)`,
          bucket.urn,
        );
      }
    }
  },
};

const CMK_MESSAGE = "is not encrypted with a customer managed KMS key";

export const dynamodbCmk = typedPolicy({
  name: "dynamodb-cmk",
  description: "DynamoDB tables and table replicas are encrypted with a customer managed KMS key.",
  enforcementLevel: "mandatory",
  checks: {
    "aws:dynamodb/table:Table": (props) => {
      const sse = record(props.serverSideEncryption);
      return sse.enabled === true && text(sse.kmsKeyArn) !== undefined
        ? undefined
        : `table ${CMK_MESSAGE} (serverSideEncryption.enabled and kmsKeyArn)`;
    },
    "aws:dynamodb/tableReplica:TableReplica": (props) =>
      text(props.kmsKeyArn) === undefined ? `replica ${CMK_MESSAGE} (kmsKeyArn)` : undefined,
  },
});

export const auroraEncryption = typedPolicy({
  name: "aurora-encryption",
  description:
    "Aurora clusters and global clusters encrypt storage; clusters with a customer managed key.",
  enforcementLevel: "mandatory",
  checks: {
    "aws:rds/cluster:Cluster": (props) => [
      ...(props.storageEncrypted === true ? [] : ["storage is not encrypted (storageEncrypted)"]),
      ...(text(props.kmsKeyId) === undefined ? [`storage ${CMK_MESSAGE} (kmsKeyId)`] : []),
    ],
    "aws:rds/globalCluster:GlobalCluster": (props) =>
      props.storageEncrypted === true ? undefined : "storage is not encrypted (storageEncrypted)",
  },
});

/** A policy for the services whose single key input must name a customer managed key. */
function keyInputPolicy(
  name: string,
  description: string,
  type: string,
  input: string,
  service?: string,
): ResourceValidationPolicy {
  return typedPolicy({
    name,
    description,
    enforcementLevel: "mandatory",
    checks: {
      [type]: (props) => {
        const key = text(props[input]);
        return key === undefined || (service !== undefined && isAwsManagedAlias(key, service))
          ? `${CMK_MESSAGE} (${input})`
          : undefined;
      },
    },
  });
}

export const sqsCmk = keyInputPolicy(
  "sqs-cmk",
  "SQS queues are encrypted with a customer managed KMS key.",
  "aws:sqs/queue:Queue",
  "kmsMasterKeyId",
  "sqs",
);
export const snsCmk = keyInputPolicy(
  "sns-cmk",
  "SNS topics are encrypted with a customer managed KMS key.",
  "aws:sns/topic:Topic",
  "kmsMasterKeyId",
  "sns",
);
export const logGroupCmk = keyInputPolicy(
  "log-group-cmk",
  "CloudWatch log groups are encrypted with a customer managed KMS key.",
  "aws:cloudwatch/logGroup:LogGroup",
  "kmsKeyId",
);
export const backupVaultCmk = keyInputPolicy(
  "backup-vault-cmk",
  "AWS Backup vaults are encrypted with a customer managed KMS key.",
  "aws:backup/vault:Vault",
  "kmsKeyArn",
);

export const secretCmk = typedPolicy({
  name: "secret-cmk",
  description:
    "Secrets Manager secrets, and each of their replicas, are encrypted with a customer managed KMS key.",
  enforcementLevel: "mandatory",
  checks: {
    "aws:secretsmanager/secret:Secret": (props) => [
      ...(text(props.kmsKeyId) === undefined ? [`secret ${CMK_MESSAGE} (kmsKeyId)`] : []),
      ...asArray(props.replicas as Props[] | undefined)
        .filter((replica) => text(replica.kmsKeyId) === undefined)
        .map((replica) => `replica in ${String(replica.region)} ${CMK_MESSAGE} (kmsKeyId)`),
    ],
  },
});

export const stateMachineCmk = typedPolicy({
  name: "state-machine-cmk",
  description:
    "Step Functions state machines encrypt their data and execution history with a customer managed KMS key.",
  enforcementLevel: "mandatory",
  checks: {
    "aws:sfn/stateMachine:StateMachine": (props) => {
      const encryption = record(props.encryptionConfiguration);
      return encryption.type === "CUSTOMER_MANAGED_KMS_KEY" &&
        text(encryption.kmsKeyId) !== undefined
        ? undefined
        : `${CMK_MESSAGE} (encryptionConfiguration type CUSTOMER_MANAGED_KMS_KEY with kmsKeyId)`;
    },
  },
});

export const lambdaEnvironmentCmk = typedPolicy({
  name: "lambda-environment-cmk",
  description:
    "Lambda functions with environment variables encrypt them with a customer managed KMS key.",
  enforcementLevel: "mandatory",
  checks: {
    "aws:lambda/function:Function": (props) => {
      const variables = record(record(props.environment).variables);
      return Object.keys(variables).length > 0 && text(props.kmsKeyArn) === undefined
        ? "environment variables are not encrypted with a customer managed KMS key (kmsKeyArn)"
        : undefined;
    },
  },
});

export const kmsKeyRotation = typedPolicy({
  name: "kms-key-rotation",
  description: "Customer managed KMS keys rotate automatically.",
  enforcementLevel: "mandatory",
  checks: {
    "aws:kms/key:Key": (props) =>
      props.enableKeyRotation === true
        ? undefined
        : "automatic key rotation is off (enableKeyRotation)",
  },
});

const TLS_1_2_OR_LATER = /^(TLS_1_2|SecurityPolicy_TLS1[23]_)/;

export const apiTls12 = typedPolicy({
  name: "api-tls-1-2",
  description: "API Gateway custom domains accept TLS 1.2 or later only.",
  enforcementLevel: "mandatory",
  checks: {
    "aws:apigateway/domainName:DomainName": (props) =>
      TLS_1_2_OR_LATER.test(text(props.securityPolicy) ?? "")
        ? undefined
        : `custom domain security policy is ${text(props.securityPolicy) ?? "unset"}; use TLS_1_2 or later`,
    "aws:apigatewayv2/domainName:DomainName": (props) => {
      const policy = text(record(props.domainNameConfiguration).securityPolicy);
      return TLS_1_2_OR_LATER.test(policy ?? "")
        ? undefined
        : `custom domain security policy is ${policy ?? "unset"}; use TLS_1_2 or later`;
    },
  },
});

export const encryptionPolicies = [
  s3KmsEncryption,
  s3BucketEncrypted,
  s3TlsOnly,
  dynamodbCmk,
  auroraEncryption,
  sqsCmk,
  snsCmk,
  logGroupCmk,
  secretCmk,
  stateMachineCmk,
  backupVaultCmk,
  lambdaEnvironmentCmk,
  kmsKeyRotation,
  apiTls12,
];
