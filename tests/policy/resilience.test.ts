import { strict as assert } from "node:assert";
import {
  auroraBackups,
  CALLBACK_FUNCTION_DEFAULT_POLICIES,
  dataStoresProtected,
  dynamodbPitr,
  lambdaExplicitRole,
  lambdaReservedConcurrency,
  lambdaTimeoutWithinVisibility,
  s3ReplicationRtc,
  s3Versioning,
  sqsDeadLetterQueues,
} from "../../policy/resilience";
import { messagesOf, mutate, resource, resourceCases, stackMessagesOf } from "./harness";

describe("resilience policies", () => {
  resourceCases(
    dynamodbPitr,
    resource("aws:dynamodb/table:Table", "payments", { pointInTimeRecovery: { enabled: true } }),
    [
      [
        "a table without PITR",
        "pointInTimeRecovery.enabled",
        false,
        ["point-in-time recovery is off (pointInTimeRecovery.enabled)"],
      ],
    ],
  );

  resourceCases(
    auroraBackups,
    resource("aws:rds/cluster:Cluster", "ledger", {
      backupRetentionPeriod: 35,
      deletionProtection: true,
    }),
    [
      [
        "backups shorter than the minimum",
        "backupRetentionPeriod",
        14,
        ["keeps automated backups 14 days; the minimum is 30"],
      ],
      [
        "the AWS default of one day",
        "backupRetentionPeriod",
        undefined,
        ["keeps automated backups 1 days; the minimum is 30"],
      ],
      [
        "no deletion protection in production",
        "deletionProtection",
        false,
        ["deletion protection is off in a production stack (deletionProtection)"],
      ],
    ],
    { "aurora-backups": { minimumBackupRetentionDays: 30, production: true } },
  );

  it("aurora-backups lets a non-production cluster go without deletion protection", async () => {
    const cluster = resource("aws:rds/cluster:Cluster", "ledger", { backupRetentionPeriod: 7 });
    assert.deepEqual(
      await messagesOf(auroraBackups, cluster, { "aurora-backups": { production: false } }),
      [],
    );
  });

  resourceCases(
    auroraBackups,
    resource("aws:rds/globalCluster:GlobalCluster", "global", { deletionProtection: true }),
    [
      [
        "a global cluster without deletion protection",
        "deletionProtection",
        false,
        ["deletion protection is off in a production stack (deletionProtection)"],
      ],
    ],
  );

  describe("data-stores-protected", () => {
    const table = resource("aws:dynamodb/table:Table", "payments", {}, { opts: { protect: true } });
    it("passes a protected data store", async () => {
      assert.deepEqual(await messagesOf(dataStoresProtected, table), []);
    });
    for (const type of [
      "aws:dynamodb/table:Table",
      "aws:rds/cluster:Cluster",
      "aws:s3/bucket:Bucket",
      "aws:kms/key:Key",
    ]) {
      it(`rejects an unprotected ${type} in production`, async () => {
        const subject = resource(type, "store", {}, { opts: { protect: false } });
        assert.deepEqual(await messagesOf(dataStoresProtected, subject), [
          "is a data store without protect: true in a production stack",
        ]);
      });
    }
    it("does not count a region's truststore copy as a data store", async () => {
      const copy = (bucket: string) =>
        resource("aws:s3/bucket:Bucket", "t", { bucket }, { opts: { protect: false } });
      assert.deepEqual(
        await messagesOf(dataStoresProtected, copy("acmepay-prod-truststore-usw2")),
        [],
      );
      assert.deepEqual(await messagesOf(dataStoresProtected, copy("acmepay-prod-receipts-usw2")), [
        "is a data store without protect: true in a production stack",
      ]);
    });
    it("leaves dev's destroyable stores alone", async () => {
      const subject = resource("aws:s3/bucket:Bucket", "store", {}, { opts: { protect: false } });
      assert.deepEqual(
        await messagesOf(dataStoresProtected, subject, {
          "data-stores-protected": { production: false },
        }),
        [],
      );
    });
  });

  describe("s3-versioning and s3-replication-rtc", () => {
    const bucket = resource("aws:s3/bucket:Bucket", "receipts", { bucket: "receipts-use1" });
    const versioning = resource("aws:s3/bucketVersioning:BucketVersioning", "v", {
      bucket: "receipts-use1",
      versioningConfiguration: { status: "Enabled" },
    });
    const replication = resource("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "r", {
      bucket: "receipts-use1",
      rules: [
        {
          status: "Enabled",
          destination: {
            bucket: "arn:aws:s3:::receipts-usw2",
            replicationTime: { status: "Enabled", time: { minutes: 15 } },
            metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
          },
        },
      ],
    });
    const withRule = (path: string, value: unknown) => ({
      ...replication,
      props: mutate(replication.props, path, value),
    });

    it("pass a versioned, replicated bucket", async () => {
      assert.deepEqual(await stackMessagesOf(s3Versioning, [bucket, versioning]), []);
      assert.deepEqual(await stackMessagesOf(s3ReplicationRtc, [bucket, replication]), []);
    });
    it("reject a bucket without versioning", async () => {
      assert.deepEqual(await stackMessagesOf(s3Versioning, [bucket]), [
        "bucket receipts-use1 does not have versioning enabled",
      ]);
    });
    it("reject suspended versioning", async () => {
      const suspended = {
        ...versioning,
        props: mutate(versioning.props, "versioningConfiguration.status", "Suspended"),
      };
      assert.deepEqual(await stackMessagesOf(s3Versioning, [bucket, suspended]), [
        "bucket receipts-use1 does not have versioning enabled",
      ]);
    });
    it("do not ask a region's truststore copy to replicate: each region is built from the file", async () => {
      const truststore = resource("aws:s3/bucket:Bucket", "t", {
        bucket: "acmepay-prod-truststore-use1",
      });
      assert.deepEqual(await stackMessagesOf(s3ReplicationRtc, [truststore]), []);
      const lookalike = resource("aws:s3/bucket:Bucket", "t", {
        bucket: "acmepay-prod-truststore-archive",
      });
      assert.deepEqual(await stackMessagesOf(s3ReplicationRtc, [lookalike]), [
        "bucket acmepay-prod-truststore-archive is not replicated (no replication configuration)",
      ]);
    });
    it("reject a bucket without replication", async () => {
      assert.deepEqual(await stackMessagesOf(s3ReplicationRtc, [bucket]), [
        "bucket receipts-use1 is not replicated (no replication configuration)",
      ]);
    });
    it("reject replication without Replication Time Control", async () => {
      assert.deepEqual(
        await stackMessagesOf(s3ReplicationRtc, [
          bucket,
          withRule("rules.0.destination.replicationTime.status", "Disabled"),
        ]),
        [
          "bucket receipts-use1: replication rule 1 has no Replication Time Control (replicationTime 15 minutes)",
        ],
      );
    });
    it("reject replication without metrics", async () => {
      assert.deepEqual(
        await stackMessagesOf(s3ReplicationRtc, [
          bucket,
          withRule("rules.0.destination.metrics", undefined),
        ]),
        ["bucket receipts-use1: replication rule 1 has no replication metrics"],
      );
    });
  });

  describe("sqs-dead-letter-queues", () => {
    const dlqArn = "arn:aws:sqs:us-east-1:111122223333:payments-dlq";
    const queue = resource("aws:sqs/queue:Queue", "payments", {
      name: "payments",
      arn: "arn:aws:sqs:us-east-1:111122223333:payments",
      redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
    });
    const dlq = resource("aws:sqs/queue:Queue", "payments-dlq", {
      name: "payments-dlq",
      arn: dlqArn,
    });
    const alarm = resource("aws:cloudwatch/metricAlarm:MetricAlarm", "dlq-depth", {
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "payments-dlq" },
    });

    it("passes a queue with a watched dead-letter queue", async () => {
      assert.deepEqual(await stackMessagesOf(sqsDeadLetterQueues, [queue, dlq, alarm]), []);
    });
    it("rejects a queue without a dead-letter queue", async () => {
      const bare = { ...queue, props: mutate(queue.props, "redrivePolicy", undefined) };
      assert.deepEqual(await stackMessagesOf(sqsDeadLetterQueues, [bare]), [
        "queue payments has no dead-letter queue (redrivePolicy.deadLetterTargetArn)",
      ]);
    });
    it("rejects a dead-letter queue nobody watches", async () => {
      assert.deepEqual(await stackMessagesOf(sqsDeadLetterQueues, [queue, dlq]), [
        "dead-letter queue payments-dlq has no CloudWatch alarm",
      ]);
    });
  });

  describe("lambda-explicit-role", () => {
    const fn = resource("aws:lambda/function:Function", "api", {
      name: "api",
      role: "arn:aws:iam::111122223333:role/api",
    });
    const role = resource("aws:iam/role:Role", "api", {
      name: "api",
      arn: "arn:aws:iam::111122223333:role/api",
    });
    const attachment = (policyArn: string) =>
      resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "att", {
        role: "api",
        policyArn,
      });

    it("passes a function with its own role", async () => {
      const basic = attachment("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
      assert.deepEqual(await stackMessagesOf(lambdaExplicitRole, [fn, role, basic]), []);
    });
    it("rejects CallbackFunction's default role", async () => {
      assert.deepEqual(
        await stackMessagesOf(lambdaExplicitRole, [
          fn,
          role,
          attachment(CALLBACK_FUNCTION_DEFAULT_POLICIES[0]),
        ]),
        [
          "function api uses CallbackFunction's default role api; pass an explicit least-privilege role",
        ],
      );
    });
  });

  resourceCases(
    lambdaReservedConcurrency,
    resource("aws:lambda/function:Function", "api", { reservedConcurrentExecutions: 50 }),
    [
      [
        "unreserved concurrency",
        "reservedConcurrentExecutions",
        -1,
        ["reserves no concurrency (reservedConcurrentExecutions ≥ 1)"],
      ],
      [
        "no setting",
        "reservedConcurrentExecutions",
        undefined,
        ["reserves no concurrency (reservedConcurrentExecutions ≥ 1)"],
      ],
    ],
  );

  describe("lambda-timeout-within-visibility", () => {
    const queue = resource("aws:sqs/queue:Queue", "q", {
      name: "payments",
      arn: "arn:aws:sqs:us-east-1:1:payments",
      visibilityTimeoutSeconds: 180,
    });
    const fn = resource("aws:lambda/function:Function", "processor", {
      name: "processor",
      arn: "arn:aws:lambda:us-east-1:1:function:processor",
      timeout: 30,
    });
    const mapping = resource("aws:lambda/eventSourceMapping:EventSourceMapping", "m", {
      eventSourceArn: "arn:aws:sqs:us-east-1:1:payments",
      functionName: "arn:aws:lambda:us-east-1:1:function:processor",
    });
    it("passes a consumer that finishes within the visibility timeout", async () => {
      assert.deepEqual(
        await stackMessagesOf(lambdaTimeoutWithinVisibility, [queue, fn, mapping]),
        [],
      );
    });
    it("rejects a consumer that outlives it", async () => {
      const slow = { ...fn, props: mutate(fn.props, "timeout", 300) };
      assert.deepEqual(
        await stackMessagesOf(lambdaTimeoutWithinVisibility, [queue, slow, mapping]),
        ["function processor times out after 300 s but queue payments hides a message for 180 s"],
      );
    });
    it("applies the AWS defaults (3 s timeout, 30 s visibility)", async () => {
      const defaults = {
        ...queue,
        props: mutate(queue.props, "visibilityTimeoutSeconds", undefined),
      };
      const callbackDefault = { ...fn, props: mutate(fn.props, "timeout", 180) };
      assert.deepEqual(
        await stackMessagesOf(lambdaTimeoutWithinVisibility, [defaults, callbackDefault, mapping]),
        ["function processor times out after 180 s but queue payments hides a message for 30 s"],
      );
    });
  });
});
