/**
 * Deployability: catch at preview the AWS errors that earlier implementations of this system only
 * met at apply time (../shared/design/FACTS.md, "AWS constraints that break deployments").
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { dnsNameProblem } from "../model/dns";
import { nameViolation, PHYSICAL_NAME_INPUTS } from "../model/naming";
import { REPLICATION_TYPE, VERSIONING_TYPES } from "./resilience";
import { S3_SSE_TYPES } from "./encryption";
import {
  asArray,
  type Props,
  record,
  regionOf,
  resourcesOfType,
  statements,
  text,
  trustsService,
  typedPolicy,
} from "./support";

export interface AuroraGlobalConfig {
  /** The region whose cluster the program creates as the writer (it alone carries credentials). */
  readonly primaryRegion?: string;
}

export const auroraGlobalMembers = typedPolicy({
  name: "aurora-global-members",
  description:
    "Aurora Global Database members use no Backtrack and no RDS-managed password, secondary members carry no database name or master credentials, and instances pin no engine version (they run their cluster's).",
  enforcementLevel: "mandatory",
  configSchema: { properties: { primaryRegion: { type: "string", default: "us-east-1" } } },
  checks: {
    "aws:rds/cluster:Cluster": (props, args) => {
      if (text(props.globalClusterIdentifier) === undefined) {
        return undefined;
      }
      const problems: string[] = [];
      if (typeof props.backtrackWindow === "number" && props.backtrackWindow > 0) {
        problems.push("a Global Database member cannot use Backtrack (backtrackWindow)");
      }
      if (props.manageMasterUserPassword === true) {
        problems.push(
          "a Global Database member cannot use an RDS-managed master password (manageMasterUserPassword); keep the credentials in a secret the program owns",
        );
      }
      const primaryRegion = args.getConfig<AuroraGlobalConfig>().primaryRegion ?? "us-east-1";
      const region = regionOf(args);
      const carried = ["databaseName", "masterUsername", "masterPassword"].filter(
        (k) => props[k] !== undefined,
      );
      if (region !== undefined && region !== primaryRegion && carried.length > 0) {
        problems.push(
          `the secondary member in ${region} sets ${carried.join(", ")}: a cross-region member takes them from the primary ("Cannot specify database name for cross region replication cluster")`,
        );
      }
      return problems;
    },
    // Inputs, not outputs: AWS reports every instance's running version (the provider reads
    // engine_version back: internal/service/rds/cluster_instance.go), which a stack policy would
    // see. An instance that declares one fights its cluster's upgrades (provider docs,
    // aws.rds.ClusterInstance engineVersion: upgrades "must be done on the aws.rds.Cluster").
    "aws:rds/clusterInstance:ClusterInstance": (props) =>
      text(props.engineVersion) === undefined
        ? undefined
        : `instance ${text(props.identifier) ?? "?"} pins engine version ${String(text(props.engineVersion))}: an instance runs its cluster's`,
  },
});

/**
 * What a first deployment and the first AWS minor upgrade need of an Aurora Global Database: every
 * member ignores engineVersion and follows the global cluster (provider docs, aws.rds.GlobalCluster,
 * "Upgrading Engine Versions": otherwise "Provider produced inconsistent final plan"), and a
 * cluster that exports a log to CloudWatch depends on the encrypted group it writes to (RDS creates
 * /aws/rds/cluster/<cluster>/<log> itself, unencrypted, when the cluster exports first: Aurora User
 * Guide, "Publishing Aurora PostgreSQL logs to Amazon CloudWatch Logs":
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.CloudWatch.html).
 * Versions are not compared here: a stack policy sees outputs, where AWS reports the version each
 * cluster and instance runs (aurora-global-members checks the instances' inputs).
 */
export const auroraLifecycle: StackValidationPolicy = {
  name: "aurora-lifecycle",
  description:
    "Aurora Global Database members ignore engineVersion (they follow the global cluster), and a cluster depends on the encrypted log groups it exports to.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    for (const cluster of resourcesOfType(resources, "aws:rds/cluster:Cluster")) {
      const id = text(cluster.props.clusterIdentifier) ?? cluster.name;
      if (
        text(cluster.props.globalClusterIdentifier) !== undefined &&
        !cluster.opts.ignoreChanges.includes("engineVersion")
      ) {
        reportViolation(
          `cluster ${id} is a Global Database member without ignoreChanges: ["engineVersion"]: the first minor upgrade of the global cluster makes an inconsistent plan`,
          cluster.urn,
        );
      }
      for (const log of asArray(
        cluster.props.enabledCloudwatchLogsExports as string[] | undefined,
      )) {
        const groupName = `/aws/rds/cluster/${id}/${log}`;
        const group = resourcesOfType(resources, "aws:cloudwatch/logGroup:LogGroup").find(
          (g) => text(g.props.name) === groupName && regionOf(g) === regionOf(cluster),
        );
        if (group === undefined || text(group.props.kmsKeyId) === undefined) {
          reportViolation(
            `cluster ${id} exports its ${log} log, but the stack has no encrypted log group ${groupName}: RDS would create it unencrypted`,
            cluster.urn,
          );
        } else if (!cluster.dependencies.some((d) => d.urn === group.urn)) {
          reportViolation(
            `cluster ${id} does not depend on its log group ${groupName}: RDS may create the group first, unencrypted, and the group's creation then fails`,
            cluster.urn,
          );
        }
      }
    }
  },
};

/** True for a backup rule's schedule that runs more than once a day (`cron(0 * * * ? *)`, …). */
function moreThanDaily(schedule: string | undefined): boolean {
  const fields = /^cron\((.*)\)$/.exec(schedule ?? "")?.[1].split(/\s+/) ?? [];
  const [minutes, hours] = fields;
  return fields.length === 6 && !(/^\d+$/.test(minutes) && /^\d+$/.test(hours));
}

/**
 * AWS Backup plans that copy across regions: Aurora recovery points at most daily (a cross-region
 * Aurora snapshot copy is a full copy, hours long, and a destination region runs at most five:
 * Aurora User Guide, "Copying a DB cluster snapshot":
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-copy-snapshot.html), and
 * DynamoDB copies only where the stack turns advanced DynamoDB backup on in the region
 * (aws.backup.RegionSettings; AWS Backup Developer Guide, "Advanced DynamoDB backup":
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/advanced-ddb-backup.html).
 */
export const backupCopyPrerequisites: StackValidationPolicy = {
  name: "backup-copy-prerequisites",
  description:
    "Backup plans copy Aurora recovery points across regions at most daily, and copy DynamoDB backups only where the region's AWS Backup settings turn advanced DynamoDB backup on.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const plans = resourcesOfType(resources, "aws:backup/plan:Plan");
    const advancedDynamodb = new Set(
      resourcesOfType(resources, "aws:backup/regionSettings:RegionSettings")
        .filter((s) => record(s.props.resourceTypeManagementPreference).DynamoDB === true)
        .map((s) => regionOf(s)),
    );
    for (const selection of resourcesOfType(resources, "aws:backup/selection:Selection")) {
      const plan = plans.find((p) => text(p.props.id) === text(selection.props.planId));
      if (plan === undefined) {
        continue;
      }
      const planName = text(plan.props.name) ?? plan.name;
      const copying = asArray(plan.props.rules as Props[] | undefined).filter(
        (rule) => asArray(rule.copyActions as Props[] | undefined).length > 0,
      );
      const selected = asArray(selection.props.resources as string[] | undefined);
      if (selected.some((arn) => /^arn:[^:]+:rds:[^:]*:\d*:cluster:/.test(arn))) {
        for (const rule of copying.filter((r) => moreThanDaily(text(r.schedule)))) {
          reportViolation(
            `backup plan ${planName} copies an Aurora cluster across regions more than daily (rule ${String(text(rule.ruleName))}, ${String(text(rule.schedule))}): Aurora snapshot copies are full copies, at most five at a time per destination region`,
            plan.urn,
          );
        }
      }
      if (
        copying.length > 0 &&
        selected.some((arn) => /^arn:[^:]+:dynamodb:/.test(arn)) &&
        !advancedDynamodb.has(regionOf(plan))
      ) {
        reportViolation(
          `backup plan ${planName} copies DynamoDB backups across regions, but the stack does not turn advanced DynamoDB backup on in ${String(regionOf(plan))} (aws.backup.RegionSettings resourceTypeManagementPreference.DynamoDB)`,
          plan.urn,
        );
      }
    }
  },
};

/** SQS's default retention when a queue sets none: four days. */
const SQS_DEFAULT_RETENTION_SECONDS = 345_600;

/**
 * A dead letter keeps its original enqueue time, so a dead-letter queue that keeps messages no
 * longer than its source drops them as they arrive (Amazon SQS Developer Guide, "Using
 * dead-letter queues": "always set the retention period of a dead-letter queue to be longer than
 * the retention period of the original queue":
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
 */
export const sqsDeadLetterOutlivesSource: StackValidationPolicy = {
  name: "sqs-dead-letter-outlives-source",
  description:
    "A dead-letter queue keeps messages longer than its source queue (a dead letter keeps its original enqueue time).",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const queues = resourcesOfType(resources, "aws:sqs/queue:Queue");
    const retention = (queue: PolicyResource) =>
      typeof queue.props.messageRetentionSeconds === "number"
        ? queue.props.messageRetentionSeconds
        : SQS_DEFAULT_RETENTION_SECONDS;
    for (const source of queues) {
      const redrive = text(source.props.redrivePolicy);
      if (redrive === undefined) {
        continue;
      }
      const target = text(record(JSON.parse(redrive) as unknown).deadLetterTargetArn);
      const dlq = queues.find((q) => text(q.props.arn) === target);
      if (dlq !== undefined && retention(dlq) <= retention(source)) {
        reportViolation(
          `queue ${String(text(source.props.name))} keeps messages ${retention(source)} s, its dead-letter queue ${String(text(dlq.props.name))} ${retention(dlq)} s: a dead letter keeps its original enqueue time, so the dead-letter queue must keep messages longer`,
          source.urn,
        );
      }
    }
  },
};

export const route53ZoneName = typedPolicy({
  name: "route53-zone-name",
  description:
    "Route 53 hosted zones have valid names that can be registered (not example.com, *.test, localhost…).",
  enforcementLevel: "mandatory",
  checks: {
    "aws:route53/zone:Zone": (props) => {
      const name = (text(props.name) ?? "").replace(/\.$/, "");
      const problem = dnsNameProblem(name);
      return problem === undefined ? undefined : `hosted zone "${name}" ${problem}`;
    },
  },
});

/** One permission per source: AWS rejects a rule that repeats one ("InvalidPermission.Duplicate"). */
function permissions(direction: string, group: string, rule: Props): string[] {
  const protocol = String(rule.protocol ?? rule.ipProtocol ?? "-1").toLowerCase();
  const ports =
    protocol === "-1" || protocol === "all"
      ? "all"
      : `${String(rule.fromPort)}-${String(rule.toPort)}`;
  const sources = [
    ...asArray(rule.cidrBlocks as string[] | undefined),
    ...asArray(rule.ipv6CidrBlocks as string[] | undefined),
    ...asArray(rule.prefixListIds as string[] | undefined),
    ...asArray(rule.securityGroups as string[] | undefined),
    ...[
      rule.cidrIpv4,
      rule.cidrIpv6,
      rule.prefixListId,
      rule.referencedSecurityGroupId,
      rule.sourceSecurityGroupId,
    ]
      .map(text)
      .filter((s): s is string => s !== undefined),
    ...(rule.self === true ? ["self"] : []),
  ];
  return sources.map(
    (source) =>
      `${direction} ${protocol === "-1" ? "all" : protocol} ${ports} ${source} on ${group}`,
  );
}

function duplicates(items: readonly string[]): string[] {
  const seen = new Set<string>();
  return [...new Set(items.filter((item) => seen.size === seen.add(item).size))];
}

function inlinePermissions(group: Props, groupName: string): string[] {
  return [
    ...asArray(group.ingress as Props[] | undefined).flatMap((r) =>
      permissions("ingress", groupName, r),
    ),
    ...asArray(group.egress as Props[] | undefined).flatMap((r) =>
      permissions("egress", groupName, r),
    ),
  ];
}

export const securityGroupInlineRules = typedPolicy({
  name: "security-group-unique-rules",
  description:
    'A security group does not repeat a permission ("the same permission must not appear multiple times").',
  enforcementLevel: "mandatory",
  checks: {
    "aws:ec2/securityGroup:SecurityGroup": (props, args) =>
      duplicates(inlinePermissions(props, args.name)).map(
        (p) => `permission "${p}" appears more than once`,
      ),
  },
});

const RULE_TYPES: Readonly<Record<string, (props: Props) => string>> = {
  "aws:ec2/securityGroupRule:SecurityGroupRule": (p) => String(p.type),
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": () => "ingress",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": () => "egress",
};

export const securityGroupRuleResources: StackValidationPolicy = {
  name: "security-group-unique-rule-resources",
  description:
    "No two security-group rule resources (or a rule resource and an inline rule) grant the same permission on one group.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const seen = new Map<string, string>();
    for (const group of resourcesOfType(resources, "aws:ec2/securityGroup:SecurityGroup")) {
      for (const p of inlinePermissions(
        group.props,
        String(group.props.id ?? group.props.arn ?? group.name),
      )) {
        seen.set(p, group.urn);
      }
    }
    for (const rule of resources.filter((r) => r.type in RULE_TYPES)) {
      const direction = RULE_TYPES[rule.type](rule.props);
      for (const p of permissions(direction, String(rule.props.securityGroupId), rule.props)) {
        const first = seen.get(p);
        if (first !== undefined) {
          reportViolation(`permission "${p}" is already granted by ${first}`, rule.urn);
        } else {
          seen.set(p, rule.urn);
        }
      }
    }
  },
};

/** The bucket name of an S3 bucket ARN (`arn:aws:s3:::name`). */
function bucketOfArn(arn: unknown): string | undefined {
  return text(arn)?.split(":::")[1];
}

function usesKms(resources: readonly PolicyResource[], bucket: string | undefined): boolean {
  return resourcesOfType(resources, ...S3_SSE_TYPES).some(
    (c) =>
      text(c.props.bucket) === bucket &&
      asArray(c.props.rules as Props[] | undefined).some((r) =>
        String(record(r.applyServerSideEncryptionByDefault).sseAlgorithm).startsWith("aws:kms"),
      ),
  );
}

export const s3ReplicationPrerequisites: StackValidationPolicy = {
  name: "s3-replication-prerequisites",
  description:
    "S3 replication has versioning on both buckets, and replicates SSE-KMS objects with a key in the destination region.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const buckets = new Set(
      resourcesOfType(resources, "aws:s3/bucket:Bucket").map((b) => text(b.props.bucket)),
    );
    const versioned = new Set(
      resourcesOfType(resources, ...VERSIONING_TYPES)
        .filter((v) => record(v.props.versioningConfiguration).status === "Enabled")
        .map((v) => text(v.props.bucket)),
    );
    for (const config of resourcesOfType(resources, REPLICATION_TYPE)) {
      const source = text(config.props.bucket);
      if (!versioned.has(source)) {
        reportViolation(
          `replication from ${String(source)}: the source bucket does not have versioning enabled`,
          config.urn,
        );
      }
      const sourceUsesKms = usesKms(resources, source);
      asArray(config.props.rules as Props[] | undefined).forEach((rule, i) => {
        const destination = record(rule.destination);
        const target = bucketOfArn(destination.bucket);
        if (buckets.has(target) && !versioned.has(target)) {
          reportViolation(
            `replication rule ${i + 1} of ${String(source)}: the destination bucket ${String(target)} does not have versioning enabled`,
            config.urn,
          );
        }
        const kmsObjects =
          record(record(rule.sourceSelectionCriteria).sseKmsEncryptedObjects).status === "Enabled";
        if (sourceUsesKms && !kmsObjects) {
          reportViolation(
            `replication rule ${i + 1} of ${String(source)} skips SSE-KMS objects (sourceSelectionCriteria.sseKmsEncryptedObjects)`,
            config.urn,
          );
        }
        if (
          (sourceUsesKms || kmsObjects) &&
          text(record(destination.encryptionConfiguration).replicaKmsKeyId) === undefined
        ) {
          reportViolation(
            `replication rule ${i + 1} of ${String(source)} names no destination key (destination.encryptionConfiguration.replicaKmsKeyId)`,
            config.urn,
          );
        }
      });
    }
  },
};

/** The region of an ARN (`arn:aws:kms:<region>:…`). */
function arnRegion(arn: string | undefined): string | undefined {
  return arn?.split(":")[3];
}

function replicaProblems(table: Props, replicas: readonly Props[], regionKey: string): string[] {
  const problems: string[] = [];
  if (replicas.length === 0) {
    return problems;
  }
  if (table.streamEnabled !== true || table.streamViewType !== "NEW_AND_OLD_IMAGES") {
    problems.push(
      "global table replicas need streams with NEW_AND_OLD_IMAGES (streamEnabled, streamViewType)",
    );
  }
  const tableKey = text(record(table.serverSideEncryption).kmsKeyArn);
  for (const replica of replicas) {
    const region = text(replica[regionKey]);
    const key = text(replica.kmsKeyArn);
    if (tableKey !== undefined && key === undefined) {
      problems.push(
        `the replica in ${String(region)} names no kmsKeyArn: with a customer managed key each replica needs a key in its own region`,
      );
    } else if (key !== undefined && region !== undefined && arnRegion(key) !== region) {
      problems.push(
        `the replica in ${region} uses a key from ${String(arnRegion(key))}: a replica's key must be in the replica's region`,
      );
    }
  }
  return problems;
}

export const dynamodbReplicaPrerequisites: StackValidationPolicy = {
  name: "dynamodb-replica-prerequisites",
  description:
    "DynamoDB global table replicas have streams (NEW_AND_OLD_IMAGES) and, with a customer managed key, a key of their own region.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const tables = resourcesOfType(resources, "aws:dynamodb/table:Table");
    for (const table of tables) {
      const replicas = asArray(table.props.replicas as Props[] | undefined);
      replicaProblems(table.props, replicas, "regionName").forEach((m) =>
        reportViolation(m, table.urn),
      );
    }
    for (const replica of resourcesOfType(resources, "aws:dynamodb/tableReplica:TableReplica")) {
      const table = tables.find((t) => text(t.props.arn) === text(replica.props.globalTableArn));
      if (table !== undefined) {
        const withRegion = { ...replica.props, region: regionOf(replica) };
        replicaProblems(table.props, [withRegion], "region").forEach((m) =>
          reportViolation(m, replica.urn),
        );
      }
    }
  },
};

export const physicalNameLimits = typedPolicy({
  name: "physical-name-limits",
  description: "Physical names fit their service's length and character limits.",
  enforcementLevel: "mandatory",
  checks: Object.fromEntries(
    Object.entries(PHYSICAL_NAME_INPUTS).map(([type, spec]) => [
      type,
      (props: Props) => {
        const name = text(props[spec.input]);
        return name === undefined ? undefined : nameViolation(spec.kind, name);
      },
    ]),
  ),
});

const IAM_DOCUMENT_INPUTS: Readonly<Record<string, (props: Props) => unknown[]>> = {
  "aws:iam/policy:Policy": (p) => [p.policy],
  "aws:iam/rolePolicy:RolePolicy": (p) => [p.policy],
  "aws:iam/userPolicy:UserPolicy": (p) => [p.policy],
  "aws:iam/groupPolicy:GroupPolicy": (p) => [p.policy],
  "aws:iam/role:Role": (p) => asArray(p.inlinePolicies as Props[] | undefined).map((i) => i.policy),
};

function wildcardProblems(documents: unknown[]): string[] {
  return documents.flatMap((document) =>
    statements(document).flatMap((s, i) => {
      if (s.Effect === "Deny") {
        return [];
      }
      const actions = asArray(s.Action);
      const resources = asArray(s.Resource);
      if (actions.includes("*") || s.NotAction !== undefined) {
        return [
          `statement ${i + 1} allows every action ("${s.NotAction !== undefined ? "NotAction" : "*"}")`,
        ];
      }
      return resources.includes("*")
        ? actions
            .filter((a) => /^[\w-]+:\*$/.test(a))
            .map((a) => `statement ${i + 1} allows ${a} on every resource ("*")`)
        : [];
    }),
  );
}

export const iamNoWildcards = typedPolicy({
  name: "iam-no-wildcards",
  description:
    'IAM policies allow no "*" action and no service-wide wildcard ("s3:*") on every resource.',
  enforcementLevel: "mandatory",
  checks: Object.fromEntries(
    Object.entries(IAM_DOCUMENT_INPUTS).map(([type, documents]) => [
      type,
      (props: Props) => wildcardProblems(documents(props)),
    ]),
  ),
});

const FULL_ACCESS = /FullAccess/;

export const lambdaRoleNoFullAccess: StackValidationPolicy = {
  name: "lambda-role-no-full-access",
  description: "No managed *FullAccess policy is attached to a role that Lambda assumes.",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const lambdaRoles = resourcesOfType(resources, "aws:iam/role:Role").filter((r) =>
      trustsService(r.props.assumeRolePolicy, "lambda.amazonaws.com"),
    );
    for (const role of lambdaRoles) {
      for (const arn of asArray(role.props.managedPolicyArns as string[] | undefined).filter((a) =>
        FULL_ACCESS.test(a),
      )) {
        reportViolation(
          `Lambda role ${String(role.props.name)} has the managed policy ${arn}`,
          role.urn,
        );
      }
    }
    const names = new Set(lambdaRoles.map((r) => text(r.props.name)));
    for (const attachment of resourcesOfType(
      resources,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    )) {
      const arn = String(attachment.props.policyArn);
      if (FULL_ACCESS.test(arn) && names.has(text(attachment.props.role))) {
        reportViolation(
          `Lambda role ${String(attachment.props.role)} has the managed policy ${arn}`,
          attachment.urn,
        );
      }
    }
  },
};

/**
 * Services a function's role reaches that the Lambda service, or the service called, handles
 * for it: logs (Lambda ships them, https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html),
 * network interfaces (Lambda creates them), KMS (Lambda decrypts the environment, and SQS,
 * DynamoDB and Secrets Manager call KMS for the keys of what they store,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html).
 */
// The handlers call KMS only through those services; a handler that called KMS itself would need
// interfaceEndpoints: all, which this check cannot tell from the role. It reads the roles' inline
// policies, the only kind this program gives its functions (lambda-explicit-role).
const CALLED_FOR_THE_FUNCTION = new Set(["logs", "ec2", "kms"]);

/** IAM service prefixes whose endpoint service has another name. */
const ENDPOINT_SERVICE_OF: Readonly<Record<string, string>> = { cloudwatch: "monitoring" };

export const vpcFunctionsReachTheirServices: StackValidationPolicy = {
  name: "vpc-functions-reach-their-services",
  description:
    "A function in a VPC without NAT reaches every AWS service its role allows through a VPC endpoint; without one, its calls time out (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc-internet.html).",
  enforcementLevel: "mandatory",
  validateStack: ({ resources }, reportViolation) => {
    const roles = resourcesOfType(resources, "aws:iam/role:Role");
    const policies = resourcesOfType(resources, "aws:iam/rolePolicy:RolePolicy");
    const endpoints = resourcesOfType(resources, "aws:ec2/vpcEndpoint:VpcEndpoint");
    // awsx's NAT gateways: its children under pulumi up, its strategy offline.
    const natRegions = new Set(
      [
        ...resourcesOfType(resources, "aws:ec2/natGateway:NatGateway"),
        ...resourcesOfType(resources, "awsx:ec2:Vpc").filter((vpc) => {
          const nat = record(vpc.props.natGateways);
          return nat.strategy !== undefined && nat.strategy !== "None";
        }),
      ].map((r) => regionOf(r)),
    );
    for (const fn of resourcesOfType(resources, "aws:lambda/function:Function")) {
      const region = regionOf(fn);
      if (asArray(record(fn.props.vpcConfig).subnetIds).length === 0 || natRegions.has(region)) {
        continue;
      }
      const role = roles.find((r) => text(r.props.arn) === text(fn.props.role));
      const services = new Set(
        policies
          .filter((p) => role !== undefined && text(p.props.role) === text(role.props.name))
          .flatMap((p) => statements(p.props.policy))
          .flatMap((s) => asArray(s.Action as string | string[] | undefined))
          .map((action) => action.split(":")[0])
          .filter((service) => !CALLED_FOR_THE_FUNCTION.has(service)),
      );
      for (const service of [...services].sort()) {
        const serviceName = `com.amazonaws.${String(region)}.${ENDPOINT_SERVICE_OF[service] ?? service}`;
        if (!endpoints.some((e) => text(e.props.serviceName) === serviceName)) {
          reportViolation(
            `function ${String(fn.props.name ?? fn.name)} runs in a VPC without NAT and its role calls ${service}, but there is no ${serviceName} endpoint: its calls would time out (interfaceEndpoints: all, or add the service to CALLED_FROM_THE_VPC in components/network.ts)`,
            fn.urn,
          );
        }
      }
    }
  },
};

export const deployabilityPolicies = [
  auroraGlobalMembers,
  auroraLifecycle,
  backupCopyPrerequisites,
  sqsDeadLetterOutlivesSource,
  route53ZoneName,
  securityGroupInlineRules,
  securityGroupRuleResources,
  s3ReplicationPrerequisites,
  dynamodbReplicaPrerequisites,
  physicalNameLimits,
  iamNoWildcards,
  lambdaRoleNoFullAccess,
  vpcFunctionsReachTheirServices,
];
