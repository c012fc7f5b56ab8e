/**
 * What AWS would answer, offline: ids, ARNs and computed attributes for each resource type, and
 * the results of the invokes the program makes. Deterministic (derived from the stack, type and
 * name), so two evaluations of the same program give the same plan.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { PHYSICAL_NAME_INPUTS } from "../../model/naming";

const PASSWORD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%^&*";

export interface AwsContext {
  /** Region of the resource's provider (or its own `region` input); undefined for none. */
  readonly region: string | undefined;
  readonly accountId: string;
  readonly stack: string;
  /** The provider's defaultTags, which AWS merges into `tagsAll`. */
  readonly defaultTags: Readonly<Record<string, string>>;
}

type State = Record<string, unknown>;

function hex(seed: string, length: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, length);
}

function alnum(
  seed: string,
  length: number,
  alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
): string {
  const digest = createHash("sha256").update(seed).digest();
  return Array.from(
    { length },
    (_, i) => alphabet[digest[i % digest.length] % alphabet.length],
  ).join("");
}

function uuid(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The physical name: the explicit name input, or Pulumi's auto-name (logical name + suffix). */
function physicalName(type: string, name: string, inputs: State, seed: string): string {
  const spec = PHYSICAL_NAME_INPUTS[type];
  const explicit = spec === undefined ? inputs.name : inputs[spec.input];
  if (typeof explicit === "string" && explicit.length > 0) {
    return explicit;
  }
  const auto = `${name}-${hex(seed, 7)}`;
  return spec?.kind === "s3Bucket" || spec?.kind.startsWith("rds") ? auto.toLowerCase() : auto;
}

/** Regional hosted zone ids of API Gateway regional endpoints (for alias records). */
const API_GATEWAY_ZONE_IDS: Readonly<Record<string, string>> = {
  "us-east-1": "Z1UJRXOUMOOFQ8",
  "us-east-2": "ZOJJZC49E0EPZ",
  "us-west-1": "Z2MUQ32089INYE",
  "us-west-2": "Z2OJLYMUO9EFXC",
  "eu-west-1": "ZLY8HYME6SFDD",
  "eu-central-1": "Z1U9ULNL0V5AJ3",
};

export function mockResourceState(
  type: string,
  name: string,
  inputs: State,
  context: AwsContext,
): { id: string; state: State } {
  const seed = `${context.stack}/${type}/${name}`;
  const region = context.region ?? "us-east-1";
  const account = context.accountId;
  const physical = physicalName(type, name, inputs, seed);
  const tags = (inputs.tags ?? {}) as Record<string, string>;
  const common: State = { ...inputs, tagsAll: { ...context.defaultTags, ...tags } };
  const service = /^aws:([a-z0-9]+)\//.exec(type)?.[1] ?? "unknown";
  const arn = (resource: string, regional = true) =>
    `arn:aws:${service}:${regional ? region : ""}:${account}:${resource}`;

  switch (type) {
    case "random:index/randomPassword:RandomPassword":
      // The provider marks the result secret; so does the mock, so plans never show it.
      return {
        id: "none",
        state: {
          ...inputs,
          result: pulumi.secret(alnum(seed, Number(inputs.length ?? 16), PASSWORD_ALPHABET)),
        },
      };
    case "awsx:ec2:Vpc":
      return { id: "", state: awsxVpcOutputs(inputs, seed) };
    case "pulumi:providers:aws":
      return { id: uuid(seed), state: { ...inputs } };
    case "aws:s3/bucket:Bucket":
      return {
        id: physical,
        state: {
          ...common,
          bucket: physical,
          arn: `arn:aws:s3:::${physical}`,
          bucketRegionalDomainName: `${physical}.s3.${region}.amazonaws.com`,
          region,
        },
      };
    // An object in a versioned bucket has the version id S3 gave it (PutObject's VersionId).
    case "aws:s3/bucketObjectv2:BucketObjectv2":
      return {
        id: String(inputs.key),
        state: { ...common, versionId: alnum(seed, 32), etag: alnum(seed, 32) },
      };
    case "aws:iam/role:Role":
      return {
        id: physical,
        state: {
          ...common,
          name: physical,
          arn: `arn:aws:iam::${account}:role/${physical}`,
          uniqueId: `AROA${alnum(seed, 17)}`,
        },
      };
    case "aws:iam/policy:Policy":
      return {
        id: `arn:aws:iam::${account}:policy/${physical}`,
        state: {
          ...common,
          name: physical,
          arn: `arn:aws:iam::${account}:policy/${physical}`,
          policyId: `ANPA${alnum(seed, 17)}`,
        },
      };
    case "aws:lambda/function:Function": {
      const functionArn = arn(`function:${physical}`);
      return {
        id: physical,
        state: {
          ...common,
          name: physical,
          arn: functionArn,
          qualifiedArn: `${functionArn}:$LATEST`,
          invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
          version: "$LATEST",
        },
      };
    }
    case "aws:lambda/eventSourceMapping:EventSourceMapping": {
      // Lambda names a mapping by a UUID; its ARN ends in event-source-mapping:<UUID>
      // (https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingConfiguration.html).
      const id = uuid(seed);
      return { id, state: { ...common, uuid: id, arn: arn(`event-source-mapping:${id}`) } };
    }
    case "aws:sqs/queue:Queue": {
      const url = `https://sqs.${region}.amazonaws.com/${account}/${physical}`;
      return { id: url, state: { ...common, name: physical, url, arn: arn(physical) } };
    }
    case "aws:sns/topic:Topic": {
      const topicArn = arn(physical);
      return { id: topicArn, state: { ...common, name: physical, arn: topicArn } };
    }
    case "aws:dynamodb/table:Table": {
      const tableArn = arn(`table/${physical}`);
      return {
        id: physical,
        state: {
          ...common,
          name: physical,
          arn: tableArn,
          streamArn: `${tableArn}/stream/2026-01-01T00:00:00.000`,
          streamLabel: "2026-01-01T00:00:00.000",
        },
      };
    }
    case "aws:kms/key:Key":
    case "aws:kms/replicaKey:ReplicaKey": {
      // A multi-Region replica has its primary's key id; only the region in the ARN differs.
      const primaryKeyId = String(inputs.primaryKeyArn ?? "").split("key/")[1];
      const keyId =
        primaryKeyId ?? (inputs.multiRegion === true ? `mrk-${hex(seed, 32)}` : uuid(seed));
      return { id: keyId, state: { ...common, keyId, arn: arn(`key/${keyId}`) } };
    }
    case "aws:dynamodb/tableReplica:TableReplica": {
      const tableArn = String(inputs.globalTableArn);
      const tableName = tableArn.split("table/")[1];
      return {
        id: `${tableName}:${region}`,
        state: { ...common, arn: tableArn.replace(/:dynamodb:[^:]+:/, `:dynamodb:${region}:`) },
      };
    }
    case "aws:kms/alias:Alias":
      return { id: physical, state: { ...common, name: physical, arn: arn(physical) } };
    case "aws:sfn/stateMachine:StateMachine": {
      const machineArn = arn(`stateMachine:${physical}`).replace(":sfn:", ":states:");
      return { id: machineArn, state: { ...common, name: physical, arn: machineArn } };
    }
    case "aws:cloudwatch/logGroup:LogGroup":
      return {
        id: physical,
        state: {
          ...common,
          name: physical,
          arn: arn(`log-group:${physical}`).replace(":cloudwatch:", ":logs:"),
        },
      };
    case "aws:cloudwatch/eventBus:EventBus":
      return {
        id: physical,
        state: {
          ...common,
          name: physical,
          arn: eventsArn(region, account, `event-bus/${physical}`),
        },
      };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { id: physical, state: { ...common, name: physical, arn: arn(`alarm:${physical}`) } };
    case "aws:rds/globalCluster:GlobalCluster":
      return {
        id: physical,
        state: {
          ...common,
          globalClusterIdentifier: physical,
          arn: `arn:aws:rds::${account}:global-cluster:${physical}`,
          globalClusterResourceId: `cluster-${alnum(seed, 20)}`,
          endpoint: `${physical}.global-${alnum(seed, 12).toLowerCase()}.global.rds.amazonaws.com`,
        },
      };
    case "aws:rds/cluster:Cluster": {
      const suffix = alnum(seed, 12).toLowerCase();
      return {
        id: physical,
        state: {
          ...common,
          clusterIdentifier: physical,
          arn: arn(`cluster:${physical}`),
          endpoint: `${physical}.cluster-${suffix}.${region}.rds.amazonaws.com`,
          readerEndpoint: `${physical}.cluster-ro-${suffix}.${region}.rds.amazonaws.com`,
          clusterResourceId: `cluster-${alnum(seed, 26)}`,
          port: 5432,
        },
      };
    }
    case "aws:secretsmanager/secret:Secret": {
      const secretArn = arn(
        `secret:${physical}-${alnum(seed, 6, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")}`,
      );
      return { id: secretArn, state: { ...common, name: physical, arn: secretArn } };
    }
    case "aws:ssm/parameter:Parameter":
      return {
        id: physical,
        state: { ...common, name: physical, arn: arn(`parameter/${physical.replace(/^\//, "")}`) },
      };
    case "aws:route53/zone:Zone": {
      const zoneId = `Z${alnum(seed, 20)}`;
      return {
        id: zoneId,
        state: {
          ...common,
          zoneId,
          arn: `arn:aws:route53:::hostedzone/${zoneId}`,
          nameServers: [1, 2, 3, 4].map(
            (n) => `ns-${100 * n + 7}.awsdns-${10 + n}.${["com", "net", "org", "co.uk"][n - 1]}`,
          ),
        },
      };
    }
    // ARC routing control (control plane in us-west-2; ARNs have no region).
    case "aws:route53recoverycontrol/cluster:Cluster": {
      const id = hex(seed, 32);
      return {
        id: `arn:aws:route53-recovery-control::${account}:cluster/${id}`,
        state: {
          ...common,
          arn: `arn:aws:route53-recovery-control::${account}:cluster/${id}`,
          status: "DEPLOYED",
          // ARC gives every cluster five regional data-plane endpoints.
          clusterEndpoints: [
            "us-east-1",
            "us-west-2",
            "eu-west-1",
            "ap-northeast-1",
            "ap-southeast-2",
          ].map((endpointRegion) => ({
            endpoint: `https://${hex(`${seed}${endpointRegion}`, 8)}.route53-recovery-cluster.${endpointRegion}.amazonaws.com/v1`,
            region: endpointRegion,
          })),
        },
      };
    }
    case "aws:route53recoverycontrol/controlPanel:ControlPanel": {
      const panel = `arn:aws:route53-recovery-control::${account}:controlpanel/${hex(seed, 32)}`;
      return { id: panel, state: { ...common, arn: panel, status: "DEPLOYED" } };
    }
    case "aws:route53recoverycontrol/routingControl:RoutingControl": {
      const control = `${String(inputs.controlPanelArn)}/routingcontrol/${hex(seed, 16)}`;
      return { id: control, state: { ...common, arn: control, status: "DEPLOYED" } };
    }
    case "aws:route53recoverycontrol/safetyRule:SafetyRule": {
      const rule = `${String(inputs.controlPanelArn)}/safetyrule/${hex(seed, 16)}`;
      return { id: rule, state: { ...common, arn: rule, status: "DEPLOYED" } };
    }
    case "aws:route53/healthCheck:HealthCheck": {
      const id = uuid(seed);
      return { id, state: { ...common, arn: `arn:aws:route53:::healthcheck/${id}` } };
    }
    case "aws:acm/certificate:Certificate": {
      const certArn = arn(`certificate/${uuid(seed)}`);
      const names = [
        String(inputs.domainName ?? physical),
        ...((inputs.subjectAlternativeNames ?? []) as string[]),
      ];
      // ACM's record depends on the account and the name (a wildcard shares its base's), not on
      // the region: every region's certificate of a name validates through the same record.
      const record = (domain: string) => {
        const base = domain.replace(/^\*\./, "");
        return {
          domainName: domain,
          resourceRecordName: `_${hex(`${account}/${base}`, 32)}.${base}.`,
          resourceRecordType: "CNAME",
          resourceRecordValue: `_${hex(`${account}/${base}/v`, 32)}.acm-validations.aws.`,
        };
      };
      return {
        id: certArn,
        state: { ...common, arn: certArn, domainValidationOptions: names.map(record) },
      };
    }
    case "aws:apigateway/restApi:RestApi": {
      const apiId = alnum(seed, 10).toLowerCase();
      return {
        id: apiId,
        state: {
          ...common,
          name: physical,
          arn: `arn:aws:apigateway:${region}::/restapis/${apiId}`,
          executionArn: `arn:aws:execute-api:${region}:${account}:${apiId}`,
          rootResourceId: alnum(`${seed}/root`, 10).toLowerCase(),
        },
      };
    }
    case "aws:apigateway/stage:Stage": {
      const apiId = String(inputs.restApi);
      const stageName = String(inputs.stageName);
      return {
        id: `ags-${apiId}-${stageName}`,
        state: {
          ...common,
          arn: `arn:aws:apigateway:${region}::/restapis/${apiId}/stages/${stageName}`,
          executionArn: `arn:aws:execute-api:${region}:${account}:${apiId}/${stageName}`,
          invokeUrl: `https://${apiId}.execute-api.${region}.amazonaws.com/${stageName}`,
        },
      };
    }
    case "aws:route53/record:Record": {
      const fqdn = String(inputs.name).replace(/\.$/, "");
      return {
        id: `${String(inputs.zoneId)}_${fqdn}_${String(inputs.type)}`,
        state: { ...common, fqdn },
      };
    }
    case "aws:cloudwatch/eventEndpoint:EventEndpoint": {
      const endpointId = `${alnum(seed, 8).toLowerCase()}.veo`;
      return {
        id: physical,
        state: {
          ...common,
          name: physical,
          arn: eventsArn(region, account, `endpoint/${physical}`),
          endpointUrl: `https://${endpointId}.endpoints.event.amazonaws.com`,
        },
      };
    }
    case "aws:wafv2/webAcl:WebAcl": {
      const aclId = uuid(seed);
      return {
        id: aclId,
        state: {
          ...common,
          arn: `arn:aws:wafv2:${region}:${account}:regional/webacl/${physical}/${aclId}`,
        },
      };
    }
    case "aws:apigateway/domainName:DomainName":
      return {
        id: String(inputs.domainName ?? physical),
        state: {
          ...common,
          regionalDomainName: `d-${alnum(seed, 10).toLowerCase()}.execute-api.${region}.amazonaws.com`,
          regionalZoneId: API_GATEWAY_ZONE_IDS[region] ?? "Z1UJRXOUMOOFQ8",
          arn: `arn:aws:apigateway:${region}::/domainnames/${String(inputs.domainName)}`,
        },
      };
    case "aws:cloudwatch/eventRule:EventRule": {
      // A rule on a custom bus is `rule/<bus>/<rule>`, on the default bus `rule/<rule>` (Service
      // Authorization Reference, Amazon EventBridge resource types rule-on-custom-event-bus and
      // rule-on-default-event-bus: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridge.html);
      // the provider's id is `<bus>/<rule>` off the default bus.
      const bus = String(inputs.eventBusName ?? "default").replace(/^arn:.*:event-bus\//, "");
      const path = bus === "default" ? physical : `${bus}/${physical}`;
      return {
        id: path,
        state: { ...common, name: physical, arn: eventsArn(region, account, `rule/${path}`) },
      };
    }
    case "aws:cloudwatch/eventArchive:EventArchive":
      return {
        id: physical,
        state: {
          ...common,
          name: physical,
          arn: eventsArn(region, account, `archive/${physical}`),
        },
      };
    // Composite alarms are alarms: `alarm:<name>` (CloudWatch resource type alarm).
    case "aws:cloudwatch/compositeAlarm:CompositeAlarm":
      return { id: physical, state: { ...common, arn: arn(`alarm:${physical}`) } };
    // Dashboards are global: no region in the ARN (CloudWatch resource type dashboard).
    case "aws:cloudwatch/dashboard:Dashboard":
      return {
        id: physical,
        state: { ...common, dashboardArn: `arn:aws:cloudwatch::${account}:dashboard/${physical}` },
      };
    // EventBridge Scheduler: `schedule/<group>/<name>`, the group `default` unless given.
    case "aws:scheduler/schedule:Schedule": {
      const group = String(inputs.groupName ?? "default");
      return {
        id: `${group}/${physical}`,
        state: {
          ...common,
          name: physical,
          groupName: group,
          arn: arn(`schedule/${group}/${physical}`),
        },
      };
    }
    // RDS names an instance `db:<identifier>` and a subnet group `subgrp:<name>`.
    case "aws:rds/clusterInstance:ClusterInstance":
      return {
        id: physical,
        state: {
          ...common,
          identifier: physical,
          arn: arn(`db:${physical}`),
          dbiResourceId: `db-${alnum(seed, 26)}`,
        },
      };
    case "aws:rds/subnetGroup:SubnetGroup":
      return { id: physical, state: { ...common, name: physical, arn: arn(`subgrp:${physical}`) } };
    // AWS Backup: a vault is `backup-vault:<name>`; a plan has an id AWS assigns, its ARN
    // `backup-plan:<id>`; a restore testing plan is `restore-testing-plan:<name>-<id>`.
    case "aws:backup/vault:Vault":
      return {
        id: physical,
        state: { ...common, name: physical, arn: arn(`backup-vault:${physical}`) },
      };
    case "aws:backup/plan:Plan": {
      const planId = uuid(seed);
      return {
        id: planId,
        state: { ...common, arn: arn(`backup-plan:${planId}`), version: alnum(seed, 32) },
      };
    }
    case "aws:backup/restoreTestingPlan:RestoreTestingPlan":
      return {
        id: physical,
        state: {
          ...common,
          name: physical,
          arn: arn(`restore-testing-plan:${physical}-${uuid(seed)}`),
        },
      };
    // EC2 ids carry their kind's prefix; ARNs are `<kind>/<id>`.
    case "aws:ec2/securityGroup:SecurityGroup": {
      const id = `sg-${hex(seed, 17)}`;
      return { id, state: { ...common, name: physical, arn: arn(`security-group/${id}`) } };
    }
    case "aws:ec2/vpcEndpoint:VpcEndpoint": {
      const id = `vpce-${hex(seed, 17)}`;
      return { id, state: { ...common, arn: arn(`vpc-endpoint/${id}`) } };
    }
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
      const id = `sgr-${hex(seed, 17)}`;
      return {
        id,
        state: {
          ...common,
          securityGroupRuleId: id,
          arn: `arn:aws:ec2:${region}:${account}:security-group-rule/${id}`,
        },
      };
    }
    // A subscription's ARN is its topic's ARN and a UUID.
    case "aws:sns/topicSubscription:TopicSubscription": {
      const subscriptionArn = `${String(inputs.topic)}:${uuid(seed)}`;
      return { id: subscriptionArn, state: { ...common, arn: subscriptionArn } };
    }
    // A service setting is named by its path: `servicesetting/ssm/parameter-store/…` (Systems
    // Manager API reference, ServiceSetting: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ServiceSetting.html).
    case "aws:ssm/serviceSetting:ServiceSetting": {
      const settingId = String(inputs.settingId);
      const settingArn = settingId.startsWith("arn:")
        ? settingId
        : arn(`servicesetting/${settingId.replace(/^\//, "")}`);
      return { id: settingId, state: { ...common, arn: settingArn, status: "Default" } };
    }
    // A secret version answers with its secret's ARN.
    case "aws:secretsmanager/secretVersion:SecretVersion": {
      const versionId = uuid(seed);
      return {
        id: `${String(inputs.secretId)}|${versionId}`,
        state: { ...common, arn: inputs.secretId, versionId },
      };
    }
    // Anything else has no ARN of its own unless its inputs name one (a topic policy's topic, an
    // event target's target): inventing one would give the plan ARNs AWS never returns.
    default:
      return { id: physical, state: common };
  }
}

/** An EventBridge ARN (the provider's module is `cloudwatch`, the service `events`). */
function eventsArn(region: string, account: string, resource: string): string {
  return `arn:aws:events:${region}:${account}:${resource}`;
}

/**
 * What the awsx VPC component (remote: its children are not registered here) returns: a VPC,
 * one subnet of each declared type per availability zone, and a route table per subnet.
 */
function awsxVpcOutputs(inputs: State, seed: string): State {
  const zones =
    typeof inputs.numberOfAvailabilityZones === "number" ? inputs.numberOfAvailabilityZones : 3;
  const types = (
    (inputs.subnetSpecs ?? [{ type: "Public" }, { type: "Private" }]) as { type: string }[]
  ).map((spec) => spec.type);
  const ids = (kind: string, type: string) =>
    types.includes(type)
      ? Array.from({ length: zones }, (_, i) => `${kind}-${hex(`${seed}/${type}/${i}`, 17)}`)
      : [];
  return {
    vpcId: `vpc-${hex(seed, 17)}`,
    publicSubnetIds: ids("subnet", "Public"),
    privateSubnetIds: ids("subnet", "Private"),
    isolatedSubnetIds: ids("subnet", "Isolated"),
    routeTables: types.flatMap((type) => ids("rtb", type).map((id) => ({ id }))),
  };
}

export class UnmockedInvokeError extends Error {
  override name = "UnmockedInvokeError";
  /** The SDK reports a failed invoke by its gRPC `details`, as it would the engine's. */
  readonly details = this.message;
}

interface PolicyStatement {
  sid?: string;
  effect?: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  conditions?: { test: string; variable: string; values: string[] }[];
}

/**
 * A statement's principals as the provider renders them: one principal of type "*" with the one
 * identifier "*" is the bare `"*"` (everyone), anything else a map by type. terraform-provider-aws,
 * internal/service/iam/policy_model.go, `iamPolicyStatementPrincipalSet.MarshalJSON` ("Only
 * {"*": "*"} should be normalized to "*"").
 */
function renderPrincipals(principals: readonly { type: string; identifiers: string[] }[]): unknown {
  const [only] = principals;
  if (principals.length === 1 && only.type === "*" && only.identifiers.join() === "*") {
    return "*";
  }
  const one = (values: string[]) => (values.length === 1 ? values[0] : values);
  return Object.fromEntries(principals.map((p) => [p.type, one(p.identifiers)]));
}

/** Renders `aws.iam.getPolicyDocument` statements into the JSON document AWS would receive. */
function renderPolicyDocument(statements: readonly PolicyStatement[]): string {
  const one = (values: string[]) => (values.length === 1 ? values[0] : values);
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: s.effect ?? "Allow",
      ...(s.actions ? { Action: one(s.actions) } : {}),
      ...(s.notActions ? { NotAction: one(s.notActions) } : {}),
      ...(s.resources ? { Resource: one(s.resources) } : {}),
      ...(s.notResources ? { NotResource: one(s.notResources) } : {}),
      ...(s.principals ? { Principal: renderPrincipals(s.principals) } : {}),
      ...(s.conditions
        ? {
            Condition: s.conditions.reduce<Record<string, Record<string, unknown>>>((acc, c) => {
              acc[c.test] = { ...acc[c.test], [c.variable]: one(c.values) };
              return acc;
            }, {}),
          }
        : {}),
    })),
  });
}

export function mockInvoke(token: string, inputs: State, context: AwsContext): State {
  const region = context.region ?? "us-east-1";
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: context.accountId,
        arn: `arn:aws:sts::${context.accountId}:assumed-role/pulumi-deployer/pulumi`,
        userId: `AROA${alnum(context.accountId, 17)}:pulumi`,
        id: context.accountId,
      };
    case "aws:index/getRegion:getRegion":
      return {
        id: region,
        name: region,
        region,
        endpoint: `ec2.${region}.amazonaws.com`,
        description: region,
      };
    case "aws:index/getPartition:getPartition":
      return {
        id: "aws",
        partition: "aws",
        dnsSuffix: "amazonaws.com",
        reverseDnsPrefix: "com.amazonaws",
      };
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const letters = ["a", "b", "c", "d", "e", "f"];
      return {
        id: region,
        names: letters.map((l) => `${region}${l}`),
        zoneIds: letters.map((_, i) => `${region.replace(/-/g, "").slice(0, 4)}-az${i + 1}`),
        groupNames: [region],
      };
    }
    case "aws:ec2/getVpcEndpointService:getVpcEndpointService": {
      // DescribeVpcEndpointServices' answer for an AWS service: offered in every zone of the
      // region here (the mocked zones of getAvailabilityZones); `npm run preflight` asks the
      // account for the real ones.
      const serviceName = String(
        inputs.serviceName ?? `com.amazonaws.${region}.${String(inputs.service)}`,
      );
      return {
        id: serviceName,
        serviceName,
        serviceType: "Interface",
        service: serviceName.split(".").slice(3).join("."),
        availabilityZones: ["a", "b", "c", "d", "e", "f"].map((l) => `${region}${l}`),
        acceptanceRequired: false,
        managesVpcEndpoints: false,
        owner: "amazon",
        privateDnsName: `${serviceName.split(".").slice(3).join(".")}.${region}.amazonaws.com`,
        serviceId: `vpce-svc-${hex(serviceName, 17)}`,
        vpcEndpointPolicySupported: true,
        baseEndpointDnsNames: [
          `${serviceName.split(".").slice(3).join(".")}.${region}.vpce.amazonaws.com`,
        ],
        supportedIpAddressTypes: ["ipv4"],
        tags: {},
      };
    }
    case "aws:iam/getPolicyDocument:getPolicyDocument": {
      const json = renderPolicyDocument((inputs.statements ?? []) as PolicyStatement[]);
      return { id: hex(json, 10), json, minifiedJson: json };
    }
    default:
      throw new UnmockedInvokeError(
        `the offline engine has no answer for invoke ${token}: add one to tools/engine/aws-attributes.ts`,
      );
  }
}
