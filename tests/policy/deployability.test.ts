import { strict as assert } from "node:assert";
import {
  auroraGlobalMembers,
  dynamodbReplicaPrerequisites,
  iamNoWildcards,
  lambdaRoleNoFullAccess,
  physicalNameLimits,
  route53ZoneName,
  s3ReplicationPrerequisites,
  securityGroupInlineRules,
  securityGroupRuleResources,
  auroraLifecycle,
  backupCopyPrerequisites,
  sqsDeadLetterOutlivesSource,
} from "../../policy/deployability";
import { messagesOf, mutate, provider, resource, resourceCases, stackMessagesOf } from "./harness";

const KEY_EAST = "arn:aws:kms:us-east-1:111122223333:key/mrk-1";
const KEY_WEST = "arn:aws:kms:us-west-2:111122223333:key/mrk-1";

describe("deployability policies", () => {
  describe("aurora-global-members", () => {
    const primary = resource("aws:rds/cluster:Cluster", "primary", {
      globalClusterIdentifier: "acmepay-prod-ledger",
      databaseName: "ledger",
      masterUsername: "ledger_admin",
      masterPassword: "generated",
    });
    const secondary = resource(
      "aws:rds/cluster:Cluster",
      "secondary",
      { globalClusterIdentifier: "acmepay-prod-ledger" },
      { provider: provider("us-west-2") },
    );

    it("passes a primary with credentials and a bare secondary", async () => {
      assert.deepEqual(await messagesOf(auroraGlobalMembers, primary), []);
      assert.deepEqual(await messagesOf(auroraGlobalMembers, secondary), []);
    });
    it("rejects Backtrack on a member", async () => {
      assert.deepEqual(
        await messagesOf(auroraGlobalMembers, {
          ...primary,
          props: mutate(primary.props, "backtrackWindow", 3600),
        }),
        ["a Global Database member cannot use Backtrack (backtrackWindow)"],
      );
    });
    it("rejects an RDS-managed master password on a member", async () => {
      assert.deepEqual(
        await messagesOf(auroraGlobalMembers, {
          ...primary,
          props: mutate(primary.props, "manageMasterUserPassword", true),
        }),
        [
          "a Global Database member cannot use an RDS-managed master password (manageMasterUserPassword); keep the credentials in a secret the program owns",
        ],
      );
    });
    it("rejects a database name on the secondary", async () => {
      assert.deepEqual(
        await messagesOf(auroraGlobalMembers, {
          ...secondary,
          props: mutate(secondary.props, "databaseName", "ledger"),
        }),
        [
          'the secondary member in us-west-2 sets databaseName: a cross-region member takes them from the primary ("Cannot specify database name for cross region replication cluster")',
        ],
      );
    });
    it("takes the primary region from the pack config", async () => {
      const config = { "aurora-global-members": { primaryRegion: "us-west-2" } };
      assert.deepEqual(await messagesOf(auroraGlobalMembers, primary, config), [
        'the secondary member in us-east-1 sets databaseName, masterUsername, masterPassword: a cross-region member takes them from the primary ("Cannot specify database name for cross region replication cluster")',
      ]);
    });
    it("rejects an instance that declares an engine version, and passes one that does not", async () => {
      const instance = (props: Record<string, unknown>) =>
        resource("aws:rds/clusterInstance:ClusterInstance", "ledger-1", {
          identifier: "acmepay-dev-ledger-1-use1",
          ...props,
        });
      assert.deepEqual(await messagesOf(auroraGlobalMembers, instance({})), []);
      assert.deepEqual(await messagesOf(auroraGlobalMembers, instance({ engineVersion: "17.9" })), [
        "instance acmepay-dev-ledger-1-use1 pins engine version 17.9: an instance runs its cluster's",
      ]);
    });
    it("leaves clusters outside a global database alone", async () => {
      assert.deepEqual(
        await messagesOf(
          auroraGlobalMembers,
          resource("aws:rds/cluster:Cluster", "solo", { backtrackWindow: 3600 }),
        ),
        [],
      );
    });
  });

  resourceCases(
    route53ZoneName,
    resource("aws:route53/zone:Zone", "zone", { name: "payments.acmepay.io" }),
    [
      [
        "example.com",
        "name",
        "example.com",
        [
          'hosted zone "example.com" is reserved (RFC 2606/6761) and cannot be a Route 53 hosted zone; use a domain your organisation owns',
        ],
      ],
      [
        "a .test zone with a trailing dot",
        "name",
        "pay.test.",
        [
          'hosted zone "pay.test" is reserved (RFC 2606/6761) and cannot be a Route 53 hosted zone; use a domain your organisation owns',
        ],
      ],
      [
        "an uppercase zone",
        "name",
        "Pay.Acmepay.io",
        [
          'hosted zone "Pay.Acmepay.io" must be lowercase: Route 53 stores names in lowercase (write "pay.acmepay.io")',
        ],
      ],
    ],
  );

  resourceCases(
    securityGroupInlineRules,
    resource("aws:ec2/securityGroup:SecurityGroup", "db", {
      ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-lambda"] }],
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/16"] }],
    }),
    [
      [
        "a repeated ingress permission",
        "ingress.1",
        { protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-lambda"] },
        ['permission "ingress tcp 5432-5432 sg-lambda on db" appears more than once'],
      ],
      [
        "one source listed twice",
        "egress.0.cidrBlocks",
        ["10.0.0.0/16", "10.0.0.0/16"],
        ['permission "egress all all 10.0.0.0/16 on db" appears more than once'],
      ],
    ],
  );

  describe("aurora-lifecycle", () => {
    const global = resource("aws:rds/globalCluster:GlobalCluster", "ledger", {
      id: "acmepay-dev-ledger",
      globalClusterIdentifier: "acmepay-dev-ledger",
      engineVersion: "17.7",
    });
    const log = resource("aws:cloudwatch/logGroup:LogGroup", "ledger-postgresql", {
      name: "/aws/rds/cluster/acmepay-dev-ledger-use1/postgresql",
      kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/mrk-1",
    });
    const member = (
      props: Record<string, unknown> = {},
      extra: { ignoreChanges?: string[]; dependencies?: string[] } = {},
    ) =>
      resource(
        "aws:rds/cluster:Cluster",
        "ledger-use1",
        {
          clusterIdentifier: "acmepay-dev-ledger-use1",
          globalClusterIdentifier: "acmepay-dev-ledger",
          engineVersion: "17.7",
          enabledCloudwatchLogsExports: ["postgresql"],
          ...props,
        },
        {
          opts: { ignoreChanges: extra.ignoreChanges ?? ["engineVersion"] },
          dependencies: extra.dependencies ?? [log.urn],
        },
      );
    const messages = (...resources: Parameters<typeof stackMessagesOf>[1]) =>
      stackMessagesOf(auroraLifecycle, resources);

    it("passes a member that follows the global cluster, after its encrypted log group", async () => {
      assert.deepEqual(await messages(global, log, member()), []);
    });
    it("rejects a member that does not ignore engineVersion", async () => {
      assert.deepEqual(await messages(global, log, member({}, { ignoreChanges: [] })), [
        'cluster acmepay-dev-ledger-use1 is a Global Database member without ignoreChanges: ["engineVersion"]: the first minor upgrade of the global cluster makes an inconsistent plan',
      ]);
    });
    it("passes clusters and instances whose outputs report the version they run", async () => {
      const running = resource("aws:rds/clusterInstance:ClusterInstance", "ledger-1", {
        identifier: "acmepay-dev-ledger-1-use1",
        engineVersion: "17.9",
      });
      assert.deepEqual(await messages(global, log, member({ engineVersion: "17.9" }), running), []);
    });
    it("rejects a cluster created before its log group", async () => {
      assert.deepEqual(await messages(global, log, member({}, { dependencies: [] })), [
        "cluster acmepay-dev-ledger-use1 does not depend on its log group /aws/rds/cluster/acmepay-dev-ledger-use1/postgresql: RDS may create the group first, unencrypted, and the group's creation then fails",
      ]);
    });
    it("rejects an exported log without an encrypted group", async () => {
      const plain = { ...log, props: { name: log.props.name } };
      assert.deepEqual(await messages(global, plain, member()), [
        "cluster acmepay-dev-ledger-use1 exports its postgresql log, but the stack has no encrypted log group /aws/rds/cluster/acmepay-dev-ledger-use1/postgresql: RDS would create it unencrypted",
      ]);
    });
  });

  describe("backup-copy-prerequisites", () => {
    const copy = [{ destinationVaultArn: "arn:aws:backup:us-west-2:123456789012:backup-vault:v" }];
    const plan = (name: string, schedule: string) =>
      resource("aws:backup/plan:Plan", name, {
        id: `plan-${name}`,
        name,
        rules: [{ ruleName: "r", schedule, copyActions: copy }],
      });
    const selection = (name: string, arn: string) =>
      resource("aws:backup/selection:Selection", `${name}-selection`, {
        planId: `plan-${name}`,
        resources: [arn],
      });
    const settings = (dynamodb: boolean) =>
      resource("aws:backup/regionSettings:RegionSettings", "settings", {
        resourceTypeManagementPreference: { DynamoDB: dynamodb },
      });
    const cluster = "arn:aws:rds:us-east-1:123456789012:cluster:acmepay-dev-ledger-use1";
    const table = "arn:aws:dynamodb:us-east-1:123456789012:table/acmepay-dev-payments";
    const messages = (...resources: Parameters<typeof stackMessagesOf>[1]) =>
      stackMessagesOf(backupCopyPrerequisites, resources);

    it("passes daily Aurora copies and hourly DynamoDB copies with advanced DynamoDB backup on", async () => {
      assert.deepEqual(
        await messages(
          settings(true),
          plan("ledger", "cron(0 5 * * ? *)"),
          selection("ledger", cluster),
          plan("payments", "cron(0 * * * ? *)"),
          selection("payments", table),
        ),
        [],
      );
    });
    it("rejects copying an Aurora cluster across regions every hour", async () => {
      assert.deepEqual(
        await messages(
          settings(true),
          plan("ledger", "cron(0 * * * ? *)"),
          selection("ledger", cluster),
        ),
        [
          "backup plan ledger copies an Aurora cluster across regions more than daily (rule r, cron(0 * * * ? *)): Aurora snapshot copies are full copies, at most five at a time per destination region",
        ],
      );
    });
    it("rejects copying DynamoDB backups where advanced DynamoDB backup is not turned on", async () => {
      const expected = [
        "backup plan payments copies DynamoDB backups across regions, but the stack does not turn advanced DynamoDB backup on in us-east-1 (aws.backup.RegionSettings resourceTypeManagementPreference.DynamoDB)",
      ];
      assert.deepEqual(
        await messages(
          settings(false),
          plan("payments", "cron(0 5 * * ? *)"),
          selection("payments", table),
        ),
        expected,
      );
      assert.deepEqual(
        await messages(plan("payments", "cron(0 5 * * ? *)"), selection("payments", table)),
        expected,
      );
    });
  });

  describe("sqs-dead-letter-outlives-source", () => {
    const dlqArn = "arn:aws:sqs:us-east-1:123456789012:acmepay-dev-payments-dlq-use1";
    const dlq = (seconds?: number) =>
      resource("aws:sqs/queue:Queue", "dlq", {
        name: "acmepay-dev-payments-dlq-use1",
        arn: dlqArn,
        ...(seconds === undefined ? {} : { messageRetentionSeconds: seconds }),
      });
    const source = (seconds?: number) =>
      resource("aws:sqs/queue:Queue", "queue", {
        name: "acmepay-dev-payments-use1",
        arn: "arn:aws:sqs:us-east-1:123456789012:acmepay-dev-payments-use1",
        redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
        ...(seconds === undefined ? {} : { messageRetentionSeconds: seconds }),
      });
    const messages = (...resources: Parameters<typeof stackMessagesOf>[1]) =>
      stackMessagesOf(sqsDeadLetterOutlivesSource, resources);

    it("passes a dead-letter queue that keeps messages longer", async () => {
      assert.deepEqual(await messages(dlq(1_209_600), source(1_123_200)), []);
      assert.deepEqual(await messages(dlq(1_209_600), source()), []);
    });
    it("rejects a dead-letter queue that keeps them as long, or SQS's default four days", async () => {
      assert.deepEqual(await messages(dlq(1_209_600), source(1_209_600)), [
        "queue acmepay-dev-payments-use1 keeps messages 1209600 s, its dead-letter queue acmepay-dev-payments-dlq-use1 1209600 s: a dead letter keeps its original enqueue time, so the dead-letter queue must keep messages longer",
      ]);
      assert.deepEqual(await messages(dlq(), source(345_600)), [
        "queue acmepay-dev-payments-use1 keeps messages 345600 s, its dead-letter queue acmepay-dev-payments-dlq-use1 345600 s: a dead letter keeps its original enqueue time, so the dead-letter queue must keep messages longer",
      ]);
    });
  });

  describe("security-group-unique-rule-resources", () => {
    const rule = (name: string, cidr: string) =>
      resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name, {
        securityGroupId: "sg-db",
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        cidrIpv4: cidr,
      });
    it("passes distinct rules", async () => {
      assert.deepEqual(
        await stackMessagesOf(securityGroupRuleResources, [
          rule("a", "10.0.0.0/16"),
          rule("b", "10.1.0.0/16"),
        ]),
        [],
      );
    });
    it("rejects a rule that repeats another", async () => {
      assert.deepEqual(
        await stackMessagesOf(securityGroupRuleResources, [
          rule("a", "10.0.0.0/16"),
          rule("b", "10.0.0.0/16"),
        ]),
        [
          `permission "ingress tcp 5432-5432 10.0.0.0/16 on sg-db" is already granted by ${rule("a", "").urn}`,
        ],
      );
    });
  });

  describe("s3-replication-prerequisites", () => {
    const buckets = ["receipts-use1", "receipts-usw2"].map((name) =>
      resource("aws:s3/bucket:Bucket", name, { bucket: name }),
    );
    const versioning = ["receipts-use1", "receipts-usw2"].map((name) =>
      resource("aws:s3/bucketVersioning:BucketVersioning", `${name}-v`, {
        bucket: name,
        versioningConfiguration: { status: "Enabled" },
      }),
    );
    const sse = resource(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "sse",
      {
        bucket: "receipts-use1",
        rules: [
          {
            applyServerSideEncryptionByDefault: {
              sseAlgorithm: "aws:kms",
              kmsMasterKeyId: KEY_EAST,
            },
          },
        ],
      },
    );
    const replication = resource("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "r", {
      bucket: "receipts-use1",
      rules: [
        {
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
          destination: {
            bucket: "arn:aws:s3:::receipts-usw2",
            encryptionConfiguration: { replicaKmsKeyId: KEY_WEST },
          },
        },
      ],
    });
    const withRule = (path: string, value: unknown) => ({
      ...replication,
      props: mutate(replication.props, path, value),
    });
    const stack = [...buckets, ...versioning, sse];

    it("passes replication between versioned buckets with a destination key", async () => {
      assert.deepEqual(
        await stackMessagesOf(s3ReplicationPrerequisites, [...stack, replication]),
        [],
      );
    });
    it("rejects an unversioned source", async () => {
      assert.deepEqual(
        await stackMessagesOf(s3ReplicationPrerequisites, [
          ...buckets,
          versioning[1],
          sse,
          replication,
        ]),
        ["replication from receipts-use1: the source bucket does not have versioning enabled"],
      );
    });
    it("rejects an unversioned destination", async () => {
      assert.deepEqual(
        await stackMessagesOf(s3ReplicationPrerequisites, [
          ...buckets,
          versioning[0],
          sse,
          replication,
        ]),
        [
          "replication rule 1 of receipts-use1: the destination bucket receipts-usw2 does not have versioning enabled",
        ],
      );
    });
    it("rejects skipping SSE-KMS objects of a KMS-encrypted source", async () => {
      assert.deepEqual(
        await stackMessagesOf(s3ReplicationPrerequisites, [
          ...stack,
          withRule("rules.0.sourceSelectionCriteria", undefined),
        ]),
        [
          "replication rule 1 of receipts-use1 skips SSE-KMS objects (sourceSelectionCriteria.sseKmsEncryptedObjects)",
        ],
      );
    });
    it("rejects SSE-KMS replication without a destination key", async () => {
      assert.deepEqual(
        await stackMessagesOf(s3ReplicationPrerequisites, [
          ...stack,
          withRule("rules.0.destination.encryptionConfiguration", undefined),
        ]),
        [
          "replication rule 1 of receipts-use1 names no destination key (destination.encryptionConfiguration.replicaKmsKeyId)",
        ],
      );
    });
  });

  describe("dynamodb-replica-prerequisites", () => {
    const table = resource("aws:dynamodb/table:Table", "payments", {
      arn: "arn:aws:dynamodb:us-east-1:1:table/payments",
      streamEnabled: true,
      streamViewType: "NEW_AND_OLD_IMAGES",
      serverSideEncryption: { enabled: true, kmsKeyArn: KEY_EAST },
      replicas: [{ regionName: "us-west-2", kmsKeyArn: KEY_WEST }],
    });
    const withTable = (path: string, value: unknown) => ({
      ...table,
      props: mutate(table.props, path, value),
    });

    it("passes a global table with streams and per-region keys", async () => {
      assert.deepEqual(await stackMessagesOf(dynamodbReplicaPrerequisites, [table]), []);
    });
    it("rejects replicas without streams", async () => {
      assert.deepEqual(
        await stackMessagesOf(dynamodbReplicaPrerequisites, [
          withTable("streamViewType", "KEYS_ONLY"),
        ]),
        [
          "global table replicas need streams with NEW_AND_OLD_IMAGES (streamEnabled, streamViewType)",
        ],
      );
    });
    it("rejects a replica without its own key", async () => {
      assert.deepEqual(
        await stackMessagesOf(dynamodbReplicaPrerequisites, [
          withTable("replicas.0.kmsKeyArn", undefined),
        ]),
        [
          "the replica in us-west-2 names no kmsKeyArn: with a customer managed key each replica needs a key in its own region",
        ],
      );
    });
    it("rejects a replica with another region's key", async () => {
      assert.deepEqual(
        await stackMessagesOf(dynamodbReplicaPrerequisites, [
          withTable("replicas.0.kmsKeyArn", KEY_EAST),
        ]),
        [
          "the replica in us-west-2 uses a key from us-east-1: a replica's key must be in the replica's region",
        ],
      );
    });
    it("checks TableReplica resources against their table", async () => {
      const replica = resource(
        "aws:dynamodb/tableReplica:TableReplica",
        "replica",
        { globalTableArn: "arn:aws:dynamodb:us-east-1:1:table/payments" },
        { provider: provider("us-west-2") },
      );
      const noInline = withTable("replicas", []);
      assert.deepEqual(
        await stackMessagesOf(dynamodbReplicaPrerequisites, [
          noInline,
          { ...replica, props: { ...replica.props, kmsKeyArn: KEY_WEST } },
        ]),
        [],
      );
      assert.deepEqual(await stackMessagesOf(dynamodbReplicaPrerequisites, [noInline, replica]), [
        "the replica in us-west-2 names no kmsKeyArn: with a customer managed key each replica needs a key in its own region",
      ]);
    });
  });

  resourceCases(
    physicalNameLimits,
    resource("aws:sqs/queue:Queue", "q", { name: "acmepay-prod-payments-use1" }),
    [
      [
        "a queue name over 80 characters",
        "name",
        "q".repeat(81),
        [`sqsQueue name "${"q".repeat(81)}" is 81 characters; allowed 1–80`],
      ],
    ],
  );

  resourceCases(
    physicalNameLimits,
    resource("aws:s3/bucket:Bucket", "b", { bucket: "acmepay-prod-receipts-use1" }),
    [
      [
        "an uppercase bucket",
        "bucket",
        "Receipts",
        [
          's3Bucket name "Receipts" has characters s3Bucket does not allow; allowed: lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit',
        ],
      ],
    ],
  );

  describe("iam-no-wildcards", () => {
    const policyOf = (statement: Record<string, unknown>) =>
      resource("aws:iam/rolePolicy:RolePolicy", "p", {
        role: "api",
        policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
      });
    const scoped = {
      Effect: "Allow",
      Action: ["dynamodb:PutItem"],
      Resource: "arn:aws:dynamodb:us-east-1:1:table/payments",
    };

    it("passes scoped statements", async () => {
      assert.deepEqual(await messagesOf(iamNoWildcards, policyOf(scoped)), []);
    });
    it('rejects Action "*"', async () => {
      assert.deepEqual(await messagesOf(iamNoWildcards, policyOf({ ...scoped, Action: "*" })), [
        'statement 1 allows every action ("*")',
      ]);
    });
    it("rejects NotAction in an Allow", async () => {
      assert.deepEqual(
        await messagesOf(
          iamNoWildcards,
          policyOf({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }),
        ),
        ['statement 1 allows every action ("NotAction")'],
      );
    });
    it("rejects a service-wide wildcard on every resource", async () => {
      assert.deepEqual(
        await messagesOf(
          iamNoWildcards,
          policyOf({ ...scoped, Action: ["s3:*", "sqs:SendMessage"], Resource: "*" }),
        ),
        ['statement 1 allows s3:* on every resource ("*")'],
      );
    });
    it("reads inline policies of roles", async () => {
      const role = resource("aws:iam/role:Role", "r", {
        inlinePolicies: [
          {
            name: "all",
            policy: JSON.stringify({
              Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
            }),
          },
        ],
      });
      assert.deepEqual(await messagesOf(iamNoWildcards, role), [
        'statement 1 allows every action ("*")',
      ]);
    });
    it("allows wildcards in Deny statements", async () => {
      assert.deepEqual(
        await messagesOf(iamNoWildcards, policyOf({ Effect: "Deny", Action: "*", Resource: "*" })),
        [],
      );
    });
  });

  describe("lambda-role-no-full-access", () => {
    const trust = JSON.stringify({
      Statement: [
        {
          Effect: "Allow",
          Action: "sts:AssumeRole",
          Principal: { Service: "lambda.amazonaws.com" },
        },
      ],
    });
    const role = resource("aws:iam/role:Role", "api", { name: "api", assumeRolePolicy: trust });
    const attach = (policyArn: string) =>
      resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "att", {
        role: "api",
        policyArn,
      });

    it("passes a Lambda role with narrow policies", async () => {
      assert.deepEqual(
        await stackMessagesOf(lambdaRoleNoFullAccess, [
          role,
          attach("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
        ]),
        [],
      );
    });
    it("rejects a FullAccess attachment", async () => {
      assert.deepEqual(
        await stackMessagesOf(lambdaRoleNoFullAccess, [
          role,
          attach("arn:aws:iam::aws:policy/AmazonS3FullAccess"),
        ]),
        ["Lambda role api has the managed policy arn:aws:iam::aws:policy/AmazonS3FullAccess"],
      );
    });
    it("rejects FullAccess in managedPolicyArns", async () => {
      const managed = {
        ...role,
        props: {
          ...role.props,
          managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"],
        },
      };
      assert.deepEqual(await stackMessagesOf(lambdaRoleNoFullAccess, [managed]), [
        "Lambda role api has the managed policy arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
      ]);
    });
    it("leaves roles Lambda does not assume alone", async () => {
      const other = {
        ...role,
        props: { name: "api", assumeRolePolicy: trust.replace("lambda", "ec2") },
      };
      assert.deepEqual(
        await stackMessagesOf(lambdaRoleNoFullAccess, [
          other,
          attach("arn:aws:iam::aws:policy/AmazonS3FullAccess"),
        ]),
        [],
      );
    });
  });
});
