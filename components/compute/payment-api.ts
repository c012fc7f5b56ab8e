/**
 * The payment API of one region: a REST API (regional endpoint; REST rather than HTTP API because
 * only REST APIs take a WAF web ACL and per-stage throttling of every method) defined in OpenAPI
 * (definitions/payment-api.ts), one stage with JSON access logs to an encrypted log group,
 * throttling from config and, in production, a WAF web ACL (AWS managed rule groups and a
 * rate-based rule). Only the custom domains (./api-domains.ts) serve it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { ACCESS_LOG_FORMAT, API_STAGE, paymentApiDefinition } from "../../definitions/payment-api";
import type { StackConfig } from "../../model/config";
import type { Namer } from "../../model/naming";
import type { AwsRegion } from "../../model/regions";
import { serviceRole } from "../building-blocks/iam";
import { type ChildOptions, movedChild, type PartOptions } from "../building-blocks/parts";

export interface PaymentApiArgs {
  readonly region: AwsRegion;
  readonly namer: Namer;
  readonly keyArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
  readonly settings: StackConfig["api"];
  /** Production puts a WAF web ACL in front of the API. */
  readonly production: boolean;
  readonly paymentsFunctionInvokeArn: pulumi.Input<string>;
  readonly healthFunctionInvokeArn: pulumi.Input<string>;
  readonly authorizerFunctionInvokeArn: pulumi.Input<string>;
}

export class PaymentApi extends pulumi.ComponentResource {
  readonly restApiId: pulumi.Output<string>;
  readonly restApiName: pulumi.Output<string>;
  readonly executionArn: pulumi.Output<string>;
  readonly stageName: pulumi.Output<string>;
  readonly stageArn: pulumi.Output<string>;

  constructor(name: string, args: PaymentApiArgs, opts: PartOptions) {
    super("payments:compute:PaymentApi", name, {}, opts);
    const { namer, region } = args;
    const child = movedChild(this, { parent: opts.parent });
    const apiName = namer.regional("restApi", "payments", region);
    const body = pulumi
      .all([
        args.paymentsFunctionInvokeArn,
        args.healthFunctionInvokeArn,
        args.authorizerFunctionInvokeArn,
      ])
      .apply(([paymentsArn, healthArn, authorizerArn]) =>
        JSON.stringify(
          paymentApiDefinition({
            paymentsFunctionInvokeArn: paymentsArn,
            healthFunctionInvokeArn: healthArn,
            authorizerFunctionInvokeArn: authorizerArn,
            authorizerCacheSeconds: args.settings.authorizerCacheSeconds,
            mutualTls: args.settings.mutualTlsTruststore !== undefined,
            title: apiName,
          }),
        ),
      );
    const api = new aws.apigateway.RestApi(
      name,
      {
        name: apiName,
        description: "Payments API (regional); merchants call it through api.<zone>",
        body,
        endpointConfiguration: { types: "REGIONAL" },
        // Only the custom domains serve it: their TLS policy and names are the contract.
        disableExecuteApiEndpoint: true,
      },
      child,
    );
    const deployment = new aws.apigateway.Deployment(
      name,
      {
        restApi: api.id,
        description: "The API definition of this update",
        triggers: { definition: body.apply((b) => createHash("sha256").update(b).digest("hex")) },
      },
      child,
    );
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      {
        name: `/aws/apigateway/${apiName}/access`,
        kmsKeyId: args.keyArn,
        retentionInDays: args.logRetentionDays,
      },
      child,
    );
    // API Gateway writes logs through an account-wide role per region: without it, a stage with
    // access logs fails to create ("CloudWatch Logs role ARN must be set in account settings").
    const logsRole = serviceRole(
      `${name}-logs`,
      {
        roleName: namer.regional("iamRole", "apigateway-logs", region),
        service: "apigateway.amazonaws.com",
      },
      child,
    );
    const logsRoleAttachment = new aws.iam.RolePolicyAttachment(
      `${name}-logs`,
      {
        role: logsRole.name,
        policyArn: "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
      },
      child,
    );
    const account = new aws.apigateway.Account(
      `${name}-account`,
      { cloudwatchRoleArn: logsRole.arn },
      { ...child, dependsOn: [logsRoleAttachment] },
    );
    const stage = new aws.apigateway.Stage(
      name,
      {
        restApi: api.id,
        deployment: deployment.id,
        stageName: API_STAGE,
        description: "The only stage; the custom domains map to it",
        accessLogSettings: { destinationArn: accessLogs.arn, format: ACCESS_LOG_FORMAT },
        xrayTracingEnabled: true,
      },
      { ...child, dependsOn: [account] },
    );
    new aws.apigateway.MethodSettings(
      name,
      {
        restApi: api.id,
        stageName: stage.stageName,
        methodPath: "*/*",
        settings: {
          throttlingRateLimit: args.settings.throttleRateLimit,
          throttlingBurstLimit: args.settings.throttleBurstLimit,
          metricsEnabled: true,
          // Errors only, and never request data: bodies carry payment details.
          loggingLevel: "ERROR",
          dataTraceEnabled: false,
        },
      },
      child,
    );
    if (args.production) {
      this.webAcl(name, args, stage, child);
    }
    this.restApiId = api.id;
    this.restApiName = api.name;
    this.executionArn = api.executionArn;
    this.stageName = stage.stageName;
    this.stageArn = stage.arn;
    this.registerOutputs({ restApiId: this.restApiId, stageArn: this.stageArn });
  }

  /** AWS managed rule groups plus a per-IP rate limit, on the stage. */
  private webAcl(
    name: string,
    args: PaymentApiArgs,
    stage: aws.apigateway.Stage,
    child: ChildOptions,
  ): void {
    const aclName = args.namer.regional("wafWebAcl", "payments-api", args.region);
    const visibility = (metric: string) => ({
      cloudwatchMetricsEnabled: true,
      metricName: `${aclName}-${metric}`,
      sampledRequestsEnabled: true,
    });
    const managed = (priority: number, group: string) => ({
      name: group,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { name: group, vendorName: "AWS" } },
      visibilityConfig: visibility(group),
    });
    const acl = new aws.wafv2.WebAcl(
      name,
      {
        name: aclName,
        description: "Payments API: AWS managed protections and a per-IP rate limit",
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        customResponseBodies: [
          {
            key: "rate-limited",
            contentType: "APPLICATION_JSON",
            content: JSON.stringify({
              error: { code: "RATE_LIMITED", message: "too many requests from this address" },
            }),
          },
        ],
        rules: [
          {
            name: "rate-limit-per-ip",
            priority: 0,
            action: {
              block: {
                customResponse: { responseCode: 429, customResponseBodyKey: "rate-limited" },
              },
            },
            statement: {
              rateBasedStatement: {
                limit: args.settings.wafRateLimit,
                aggregateKeyType: "IP",
                evaluationWindowSec: 300,
              },
            },
            visibilityConfig: visibility("rate-limit-per-ip"),
          },
          managed(1, "AWSManagedRulesAmazonIpReputationList"),
          // Includes SizeRestrictions_BODY: bodies over 8 KB are blocked before the function.
          managed(2, "AWSManagedRulesCommonRuleSet"),
          managed(3, "AWSManagedRulesKnownBadInputsRuleSet"),
        ],
        visibilityConfig: visibility("all"),
      },
      child,
    );
    new aws.wafv2.WebAclAssociation(name, { resourceArn: stage.arn, webAclArn: acl.arn }, child);
  }
}
