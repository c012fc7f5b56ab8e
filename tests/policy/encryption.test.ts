import { strict as assert } from "node:assert";
import {
  apiTls12,
  auroraEncryption,
  backupVaultCmk,
  dynamodbCmk,
  kmsKeyRotation,
  lambdaEnvironmentCmk,
  logGroupCmk,
  s3BucketEncrypted,
  s3KmsEncryption,
  s3TlsOnly,
  secretCmk,
  snsCmk,
  sqsCmk,
  stateMachineCmk,
} from "../../policy/encryption";
import { messagesOf, resource, resourceCases, stackMessagesOf } from "./harness";

const KEY = "arn:aws:kms:us-east-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef";
const CMK = "is not encrypted with a customer managed KMS key";

describe("encryption policies", () => {
  resourceCases(
    s3KmsEncryption,
    resource(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "sse",
      {
        bucket: "receipts",
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY },
            bucketKeyEnabled: true,
          },
        ],
      },
    ),
    [
      [
        "SSE-S3",
        "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm",
        "AES256",
        [
          'rule 1 encrypts with AES256; use SSE-KMS (sseAlgorithm "aws:kms") with a customer managed key',
        ],
      ],
      [
        "the AWS managed key",
        "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId",
        undefined,
        [
          "rule 1 names no customer managed kmsMasterKeyId: SSE-KMS would use the AWS managed key aws/s3",
        ],
      ],
      [
        "no bucket key",
        "rules.0.bucketKeyEnabled",
        false,
        [
          "rule 1 does not enable the S3 Bucket Key (bucketKeyEnabled), which cuts KMS requests and cost",
        ],
      ],
      ["no rules", "rules", [], ["has no encryption rules"]],
    ],
  );

  resourceCases(
    dynamodbCmk,
    resource("aws:dynamodb/table:Table", "payments", {
      serverSideEncryption: { enabled: true, kmsKeyArn: KEY },
    }),
    [
      [
        "the AWS owned key",
        "serverSideEncryption.enabled",
        false,
        [`table ${CMK} (serverSideEncryption.enabled and kmsKeyArn)`],
      ],
      [
        "the AWS managed key",
        "serverSideEncryption.kmsKeyArn",
        undefined,
        [`table ${CMK} (serverSideEncryption.enabled and kmsKeyArn)`],
      ],
    ],
  );

  resourceCases(
    dynamodbCmk,
    resource("aws:dynamodb/tableReplica:TableReplica", "replica", { kmsKeyArn: KEY }),
    [["a replica without a key", "kmsKeyArn", undefined, [`replica ${CMK} (kmsKeyArn)`]]],
  );

  resourceCases(
    auroraEncryption,
    resource("aws:rds/cluster:Cluster", "ledger", { storageEncrypted: true, kmsKeyId: KEY }),
    [
      [
        "unencrypted storage",
        "storageEncrypted",
        false,
        ["storage is not encrypted (storageEncrypted)"],
      ],
      ["the AWS managed key", "kmsKeyId", undefined, [`storage ${CMK} (kmsKeyId)`]],
    ],
  );

  resourceCases(
    auroraEncryption,
    resource("aws:rds/globalCluster:GlobalCluster", "global", { storageEncrypted: true }),
    [
      [
        "an unencrypted global cluster",
        "storageEncrypted",
        undefined,
        ["storage is not encrypted (storageEncrypted)"],
      ],
    ],
  );

  resourceCases(sqsCmk, resource("aws:sqs/queue:Queue", "q", { kmsMasterKeyId: KEY }), [
    ["no key", "kmsMasterKeyId", undefined, [`${CMK} (kmsMasterKeyId)`]],
    ["the AWS managed key", "kmsMasterKeyId", "alias/aws/sqs", [`${CMK} (kmsMasterKeyId)`]],
  ]);

  resourceCases(snsCmk, resource("aws:sns/topic:Topic", "t", { kmsMasterKeyId: KEY }), [
    ["the AWS managed key", "kmsMasterKeyId", "alias/aws/sns", [`${CMK} (kmsMasterKeyId)`]],
  ]);

  resourceCases(
    logGroupCmk,
    resource("aws:cloudwatch/logGroup:LogGroup", "lg", { kmsKeyId: KEY }),
    [["no key", "kmsKeyId", undefined, [`${CMK} (kmsKeyId)`]]],
  );

  resourceCases(backupVaultCmk, resource("aws:backup/vault:Vault", "v", { kmsKeyArn: KEY }), [
    ["no key", "kmsKeyArn", undefined, [`${CMK} (kmsKeyArn)`]],
  ]);

  resourceCases(
    secretCmk,
    resource("aws:secretsmanager/secret:Secret", "db", {
      kmsKeyId: KEY,
      replicas: [{ region: "us-west-2", kmsKeyId: KEY }],
    }),
    [
      ["no key", "kmsKeyId", undefined, [`secret ${CMK} (kmsKeyId)`]],
      [
        "a replica without a key",
        "replicas.0.kmsKeyId",
        undefined,
        [`replica in us-west-2 ${CMK} (kmsKeyId)`],
      ],
    ],
  );

  resourceCases(
    stateMachineCmk,
    resource("aws:sfn/stateMachine:StateMachine", "wf", {
      encryptionConfiguration: { type: "CUSTOMER_MANAGED_KMS_KEY", kmsKeyId: KEY },
    }),
    [
      [
        "the AWS owned key",
        "encryptionConfiguration.type",
        "AWS_OWNED_KEY",
        [`${CMK} (encryptionConfiguration type CUSTOMER_MANAGED_KMS_KEY with kmsKeyId)`],
      ],
      [
        "no encryption configuration",
        "encryptionConfiguration",
        undefined,
        [`${CMK} (encryptionConfiguration type CUSTOMER_MANAGED_KMS_KEY with kmsKeyId)`],
      ],
    ],
  );

  resourceCases(
    lambdaEnvironmentCmk,
    resource("aws:lambda/function:Function", "api", {
      kmsKeyArn: KEY,
      environment: { variables: { TABLE: "payments" } },
    }),
    [
      [
        "environment variables without a key",
        "kmsKeyArn",
        undefined,
        ["environment variables are not encrypted with a customer managed KMS key (kmsKeyArn)"],
      ],
    ],
  );

  it("lambda-environment-cmk leaves functions without environment variables alone", async () => {
    assert.deepEqual(
      await messagesOf(lambdaEnvironmentCmk, resource("aws:lambda/function:Function", "f", {})),
      [],
    );
  });

  resourceCases(kmsKeyRotation, resource("aws:kms/key:Key", "data", { enableKeyRotation: true }), [
    [
      "a key without rotation",
      "enableKeyRotation",
      false,
      ["automatic key rotation is off (enableKeyRotation)"],
    ],
  ]);

  resourceCases(
    apiTls12,
    resource("aws:apigateway/domainName:DomainName", "api", { securityPolicy: "TLS_1_2" }),
    [
      [
        "TLS 1.0",
        "securityPolicy",
        "TLS_1_0",
        ["custom domain security policy is TLS_1_0; use TLS_1_2 or later"],
      ],
      [
        "an unset policy",
        "securityPolicy",
        undefined,
        ["custom domain security policy is unset; use TLS_1_2 or later"],
      ],
    ],
  );

  resourceCases(
    apiTls12,
    resource("aws:apigatewayv2/domainName:DomainName", "api", {
      domainNameConfiguration: { securityPolicy: "TLS_1_2" },
    }),
    [
      [
        "TLS 1.0 on an HTTP API domain",
        "domainNameConfiguration.securityPolicy",
        "TLS_1_0",
        ["custom domain security policy is TLS_1_0; use TLS_1_2 or later"],
      ],
    ],
  );

  describe("stack policies on buckets", () => {
    const bucket = resource("aws:s3/bucket:Bucket", "receipts", {
      bucket: "acmepay-dev-receipts-use1",
    });
    const sse = resource(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "sse",
      {
        bucket: "acmepay-dev-receipts-use1",
      },
    );
    const tlsPolicy = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [
            "arn:aws:s3:::acmepay-dev-receipts-use1",
            "arn:aws:s3:::acmepay-dev-receipts-use1/*",
          ],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    };
    const bucketPolicy = (policy: unknown) =>
      resource("aws:s3/bucketPolicy:BucketPolicy", "tls", {
        bucket: "acmepay-dev-receipts-use1",
        policy: JSON.stringify(policy),
      });

    it("s3-bucket-encrypted passes a bucket with an encryption configuration", async () => {
      assert.deepEqual(await stackMessagesOf(s3BucketEncrypted, [bucket, sse]), []);
    });

    it("s3-bucket-encrypted rejects a bucket without one", async () => {
      assert.deepEqual(await stackMessagesOf(s3BucketEncrypted, [bucket]), [
        "bucket acmepay-dev-receipts-use1 has no server-side encryption configuration",
      ]);
    });

    it("s3-tls-only passes a bucket whose policy denies requests without TLS", async () => {
      assert.deepEqual(await stackMessagesOf(s3TlsOnly, [bucket, bucketPolicy(tlsPolicy)]), []);
    });

    const noTls =
      "bucket acmepay-dev-receipts-use1 has no bucket policy denying requests without TLS (aws:SecureTransport false)";

    it("s3-tls-only rejects a bucket without a policy", async () => {
      assert.deepEqual(await stackMessagesOf(s3TlsOnly, [bucket]), [noTls]);
    });

    it("s3-tls-only rejects a policy that allows instead of denying", async () => {
      const allowing = { Statement: [{ ...tlsPolicy.Statement[0], Effect: "Allow" }] };
      assert.deepEqual(await stackMessagesOf(s3TlsOnly, [bucket, bucketPolicy(allowing)]), [noTls]);
    });
  });
});
