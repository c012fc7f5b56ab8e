import { strict as assert } from "node:assert";
import { VISIBILITY_TIMEOUT_FACTOR } from "../../components/compute/payment-queue";
import { API_STAGE } from "../../definitions/payment-api";
import { ConfigError } from "../../model/config";
import { evaluate, type Evaluation, type RecordedResource } from "../../tools/engine/engine";
import { find, stackPlan } from "../fixtures/plan";

type Role = "primary" | "secondary";

interface PolicyStatement {
  Sid: string;
  Action: string | string[];
  Resource: string | string[];
}

const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

describe("compute tier", () => {
  for (const stack of ["dev", "prod"] as const) {
    describe(`stack ${stack}`, () => {
      let evaluation: Evaluation;
      before(async () => {
        evaluation = await stackPlan(stack);
      });
      const get = (type: string, role: Role, name: string) =>
        find(evaluation, type, `${role}-compute-${name}`);

      for (const role of ["primary", "secondary"] as const) {
        describe(`${role} region`, () => {
          const region = () => evaluation.config.regions[role];
          const zone = () => evaluation.config.dnsZoneName;

          it("serves POST /payments, GET /payments/{paymentId} and GET /health from its own functions", () => {
            const api = get("aws:apigateway/restApi:RestApi", role, "api");
            assert.equal(api.placement, region());
            assert.deepEqual(api.rawInputs.endpointConfiguration, { types: "REGIONAL" });
            assert.equal(api.rawInputs.disableExecuteApiEndpoint, true);
            const spec = JSON.parse(String(api.rawInputs.body)) as {
              paths: Record<
                string,
                Record<string, { "x-amazon-apigateway-integration": { uri: string; type: string } }>
              >;
            };
            const routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
              Object.entries(methods).map(([method, op]) => [
                `${method.toUpperCase()} ${path}`,
                op["x-amazon-apigateway-integration"].type,
                op["x-amazon-apigateway-integration"].uri,
              ]),
            );
            const invokeArn = (name: string) =>
              String(get("aws:lambda/function:Function", role, name).outputs.invokeArn);
            assert.deepEqual(routes, [
              ["POST /payments", "aws_proxy", invokeArn("payments-api")],
              ["GET /payments/{paymentId}", "aws_proxy", invokeArn("payments-api")],
              ["GET /health", "aws_proxy", invokeArn("health")],
            ]);
            assert.ok(routes.every(([, , uri]) => uri.includes(`:${region()}:`)));
          });

          // What the deployed definition says is what API Gateway enforces: an operation with a
          // security requirement goes through the authorizer before its integration runs.
          it("puts the merchant authorizer of its own region in front of every route but /health", () => {
            const api = get("aws:apigateway/restApi:RestApi", role, "api");
            const spec = JSON.parse(String(api.rawInputs.body)) as {
              paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
              components: { securitySchemes: Record<string, Record<string, unknown>> };
              "x-amazon-apigateway-gateway-responses": Record<string, Record<string, unknown>>;
            };
            const security = Object.entries(spec.paths).flatMap(([path, methods]) =>
              Object.entries(methods).map(([method, op]) => [
                `${method.toUpperCase()} ${path}`,
                JSON.stringify(op.security ?? null),
              ]),
            );
            assert.deepEqual(security, [
              ["POST /payments", '[{"merchantKey":[]}]'],
              ["GET /payments/{paymentId}", '[{"merchantKey":[]}]'],
              ["GET /health", "null"],
            ]);
            const authorizerFn = get("aws:lambda/function:Function", role, "merchant-authorizer");
            assert.deepEqual(spec.components.securitySchemes, {
              merchantKey: {
                type: "apiKey",
                name: "Authorization",
                in: "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                  type: "request",
                  identitySource: "method.request.header.Authorization",
                  authorizerUri: authorizerFn.outputs.invokeArn,
                  authorizerResultTtlInSeconds: evaluation.config.api.authorizerCacheSeconds,
                },
              },
            });
            assert.ok(String(authorizerFn.outputs.invokeArn).includes(`:${region()}:`));
            assert.deepEqual(spec["x-amazon-apigateway-gateway-responses"].UNAUTHORIZED, {
              statusCode: "401",
              responseParameters: {
                "gatewayresponse.header.Cache-Control": "'no-store'",
                "gatewayresponse.header.WWW-Authenticate": "'Bearer'",
              },
              responseTemplates: {
                "application/json":
                  '{"error":{"code":"UNAUTHENTICATED","message":"no valid API key: send Authorization: Bearer <your secret key>"}}',
              },
            });
            const permission = get("aws:lambda/permission:Permission", role, "merchant-authorizer");
            assert.deepEqual(
              [permission.rawInputs.principal, permission.rawInputs.sourceArn],
              ["apigateway.amazonaws.com", `${String(api.outputs.executionArn)}/authorizers/*`],
            );
            assert.deepEqual(
              (authorizerFn.rawInputs.environment as { variables: Record<string, string> })
                .variables,
              {
                MERCHANTS_TABLE: `acmepay-${stack}-merchants`,
                PEPPER_SECRET_ARN: String(
                  find(
                    evaluation,
                    "aws:secretsmanager/secret:Secret",
                    "primary-data-api-secrets-merchant-key-pepper",
                  ).outputs.arn,
                ).replace(`:${evaluation.config.regions.primary}:`, `:${region()}:`),
                KEY_ENVIRONMENT: stack,
                REQUIRE_CLIENT_CERTIFICATE: "false",
              },
            );
          });

          it("throttles the stage from config and logs access as JSON to an encrypted group", () => {
            const settings = get("aws:apigateway/methodSettings:MethodSettings", role, "api");
            assert.deepEqual(settings.rawInputs.settings, {
              throttlingRateLimit: evaluation.config.api.throttleRateLimit,
              throttlingBurstLimit: evaluation.config.api.throttleBurstLimit,
              metricsEnabled: true,
              loggingLevel: "ERROR",
              dataTraceEnabled: false,
            });
            const stage = get("aws:apigateway/stage:Stage", role, "api");
            const logs = get("aws:cloudwatch/logGroup:LogGroup", role, "api-access-logs");
            const access = stage.rawInputs.accessLogSettings as {
              destinationArn: string;
              format: string;
            };
            assert.equal(access.destinationArn, logs.outputs.arn);
            assert.equal(
              (JSON.parse(access.format) as { status: string }).status,
              "$context.status",
            );
            assert.equal(typeof logs.rawInputs.kmsKeyId, "string");
            // The account's logging role is set before the stage needs it.
            const account = get("aws:apigateway/account:Account", role, "api-account");
            assert.ok(stage.dependencies.includes(account.urn));
          });

          it("maps api.<zone> and <region>.api.<zone> to the stage with TLS 1.2 and a validated certificate", () => {
            const certificate = get("aws:acm/certificate:Certificate", role, "api");
            assert.equal(certificate.placement, region());
            assert.equal(certificate.rawInputs.domainName, `api.${zone()}`);
            assert.deepEqual(certificate.rawInputs.subjectAlternativeNames, [`*.api.${zone()}`]);
            const validation = get(
              "aws:acm/certificateValidation:CertificateValidation",
              role,
              "api",
            );
            assert.equal(validation.rawInputs.certificateArn, certificate.outputs.arn);
            const record = find(
              evaluation,
              "aws:route53/record:Record",
              "primary-compute-api-certificate-validation",
            );
            assert.deepEqual(validation.rawInputs.validationRecordFqdns, [record.outputs.fqdn]);
            const options = certificate.outputs.domainValidationOptions as {
              resourceRecordName: string;
            }[];
            assert.ok(
              options.every((o) => o.resourceRecordName === `${String(record.outputs.fqdn)}.`),
            );
            for (const [logical, domainName] of [
              ["api-domain", `api.${zone()}`],
              ["regional-api-domain", `${region()}.api.${zone()}`],
            ]) {
              const domain = get("aws:apigateway/domainName:DomainName", role, logical);
              assert.equal(domain.rawInputs.domainName, domainName);
              assert.equal(domain.rawInputs.securityPolicy, "TLS_1_2");
              assert.equal(domain.rawInputs.regionalCertificateArn, certificate.outputs.arn);
              const mapping = get("aws:apigateway/basePathMapping:BasePathMapping", role, logical);
              assert.equal(mapping.rawInputs.stageName, API_STAGE);
              assert.equal(
                mapping.rawInputs.restApi,
                get("aws:apigateway/restApi:RestApi", role, "api").id,
              );
            }
            const alias = get("aws:route53/record:Record", role, "regional-api");
            assert.equal(alias.rawInputs.name, `${region()}.api.${zone()}`);
            assert.deepEqual(alias.rawInputs.aliases, [
              {
                name: get("aws:apigateway/domainName:DomainName", role, "regional-api-domain")
                  .outputs.regionalDomainName,
                zoneId: get("aws:apigateway/domainName:DomainName", role, "regional-api-domain")
                  .outputs.regionalZoneId,
                evaluateTargetHealth: false,
              },
            ]);
          });

          it(
            stack === "prod"
              ? "puts a WAF web ACL with managed rules and a rate limit on the stage"
              : "has no WAF web ACL (dev)",
            () => {
              const acls = evaluation.resources.filter(
                (r) => r.type === "aws:wafv2/webAcl:WebAcl" && r.name === `${role}-compute-api`,
              );
              if (stack === "dev") {
                assert.equal(acls.length, 0);
                return;
              }
              const rules = acls[0].rawInputs.rules as {
                name: string;
                statement: { rateBasedStatement?: { limit: number } };
              }[];
              assert.deepEqual(
                rules.map((r) => r.name),
                [
                  "rate-limit-per-ip",
                  "AWSManagedRulesAmazonIpReputationList",
                  "AWSManagedRulesCommonRuleSet",
                  "AWSManagedRulesKnownBadInputsRuleSet",
                ],
              );
              assert.equal(
                rules[0].statement.rateBasedStatement?.limit,
                evaluation.config.api.wafRateLimit,
              );
              const association = get("aws:wafv2/webAclAssociation:WebAclAssociation", role, "api");
              assert.equal(
                association.rawInputs.resourceArn,
                get("aws:apigateway/stage:Stage", role, "api").outputs.arn,
              );
            },
          );

          it("queues payments with a KMS key, a dead-letter queue, redrive-allow and a DLQ alarm", () => {
            const queue = get("aws:sqs/queue:Queue", role, "payments-queue");
            const dlq = get("aws:sqs/queue:Queue", role, "payments-dlq");
            const key = String(
              get("aws:lambda/function:Function", role, "payments-api").rawInputs.kmsKeyArn,
            );
            assert.equal(queue.rawInputs.kmsMasterKeyId, key);
            assert.equal(dlq.rawInputs.kmsMasterKeyId, key);
            assert.deepEqual(JSON.parse(String(queue.rawInputs.redrivePolicy)), {
              deadLetterTargetArn: dlq.outputs.arn,
              maxReceiveCount: evaluation.config.queue.maxReceiveCount,
            });
            assert.equal(
              queue.rawInputs.messageRetentionSeconds,
              evaluation.config.queue.retentionDays * 86_400,
            );
            assert.equal(dlq.rawInputs.messageRetentionSeconds, 14 * 86_400);
            const allow = get(
              "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy",
              role,
              "payments-dlq",
            );
            assert.deepEqual(JSON.parse(String(allow.rawInputs.redriveAllowPolicy)), {
              redrivePermission: "byQueue",
              sourceQueueArns: [queue.outputs.arn],
            });
            const alarm = find(
              evaluation,
              "aws:cloudwatch/metricAlarm:MetricAlarm",
              `${role}-failover-alarms-payments-dlq`,
            );
            assert.deepEqual(alarm.rawInputs.dimensions, { QueueName: dlq.outputs.name });
            const topic = find(evaluation, "aws:sns/topic:Topic", `${role}-failover-alarms`);
            assert.deepEqual(alarm.rawInputs.alarmActions, [topic.outputs.arn]);
          });

          it("gives the processor partial batch responses and a visibility timeout of six times its timeout", () => {
            const processor = get("aws:lambda/function:Function", role, "payments-processor");
            const queue = get("aws:sqs/queue:Queue", role, "payments-queue");
            const mapping = get(
              "aws:lambda/eventSourceMapping:EventSourceMapping",
              role,
              "payments-processor",
            );
            assert.equal(mapping.rawInputs.eventSourceArn, queue.outputs.arn);
            assert.equal(mapping.rawInputs.functionName, processor.outputs.name);
            assert.deepEqual(mapping.rawInputs.functionResponseTypes, ["ReportBatchItemFailures"]);
            assert.equal(mapping.rawInputs.batchSize, evaluation.config.processor.batchSize);
            const repairMapping = get(
              "aws:lambda/eventSourceMapping:EventSourceMapping",
              role,
              "payments-repair",
            );
            const repairQueue = find(
              evaluation,
              "aws:sqs/queue:Queue",
              `${role}-orchestration-repair-queue`,
            );
            assert.equal(repairMapping.rawInputs.eventSourceArn, repairQueue.outputs.arn);
            assert.equal(repairMapping.rawInputs.functionName, processor.outputs.name);
            // The two sources never run more batches together than the function may.
            const concurrency = [mapping, repairMapping].map(
              (m) =>
                (m.rawInputs.scalingConfig as { maximumConcurrency: number }).maximumConcurrency,
            );
            assert.ok(concurrency.every((c) => c >= 2));
            assert.equal(
              concurrency[0] + concurrency[1],
              evaluation.config.processor.reservedConcurrency,
            );
            assert.ok(
              Number(repairQueue.rawInputs.visibilityTimeoutSeconds) >=
                evaluation.config.processor.timeoutSeconds,
            );
            assert.equal(
              queue.rawInputs.visibilityTimeoutSeconds,
              VISIBILITY_TIMEOUT_FACTOR * evaluation.config.processor.timeoutSeconds +
                evaluation.config.processor.batchWindowSeconds,
            );
          });

          it("runs every handler in the private subnets with the Lambda security group", () => {
            const vpc = find(evaluation, "awsx:ec2:Vpc", `${role}-network-vpc`);
            const group = find(
              evaluation,
              "aws:ec2/securityGroup:SecurityGroup",
              `${role}-network-lambda`,
            );
            for (const name of [
              "payments-api",
              "merchant-authorizer",
              "payments-processor",
              "health",
            ]) {
              const fn = get("aws:lambda/function:Function", role, name);
              assert.deepEqual(fn.rawInputs.vpcConfig, {
                subnetIds: vpc.outputs.privateSubnetIds,
                securityGroupIds: [group.id],
              });
              assert.equal(fn.rawInputs.runtime, "nodejs22.x");
              assert.equal(typeof fn.rawInputs.reservedConcurrentExecutions, "number");
            }
          });

          it("packages no AWS SDK: only the processor carries a package (Powertools batch)", () => {
            const archive = (name: string) =>
              Object.keys(
                (
                  get("aws:lambda/function:Function", role, name).rawInputs.code as {
                    assets: Record<string, unknown>;
                  }
                ).assets,
              ).sort();
            assert.deepEqual(archive("payments-api"), ["__index.js"]);
            assert.deepEqual(archive("health"), ["__index.js"]);
            assert.deepEqual(archive("payments-processor"), [
              "__index.js",
              "node_modules/@aws-lambda-powertools/batch",
              "node_modules/@aws-lambda-powertools/commons",
              "node_modules/@aws/lambda-invoke-store",
              "node_modules/@standard-schema/spec",
            ]);
          });

          it("lets each function do only its own work, on this region's resources", () => {
            const policy = (name: string) =>
              Object.fromEntries(
                (
                  JSON.parse(
                    String(get("aws:iam/rolePolicy:RolePolicy", role, name).rawInputs.policy),
                  ) as {
                    Statement: PolicyStatement[];
                  }
                ).Statement.map((s) => [s.Sid, asList(s.Action).sort()]),
              );
            assert.deepEqual(policy("payments-api"), {
              WriteOwnLogs: ["logs:CreateLogStream", "logs:PutLogEvents"],
              DecryptOwnEnvironment: ["kms:Decrypt"],
              AttachToTheVpc: [
                "ec2:AssignPrivateIpAddresses",
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:UnassignPrivateIpAddresses",
              ],
              WriteAndReadPayments: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
              QueuePayments: ["sqs:SendMessage"],
              EncryptQueuedPayments: ["kms:Decrypt", "kms:GenerateDataKey"],
              ReadTheActiveRegion: ["ssm:GetParameter"],
              ReadThePaymentIdKey: ["secretsmanager:GetSecretValue"],
            });
            assert.deepEqual(Object.keys(policy("merchant-authorizer")).slice(3), [
              "ReadTheMerchantsKeys",
              "ReadTheKeyPepper",
              "DecryptTheKeysAndThePepper",
            ]);
            assert.deepEqual(Object.keys(policy("payments-processor")).slice(3), [
              "ConsumeThePaymentAndRepairQueues",
              "DecryptQueuedPaymentsAndLedgerCredentials",
              "StartPaymentWorkflows",
              "ReadTheActiveRegion",
              "AskTheLedgerWhetherItWrites",
              "ReadLedgerCredentials",
            ]);
            assert.deepEqual(Object.keys(policy("health")).slice(3), [
              "ProbeThePaymentsTable",
              "ReadTheActiveRegion",
              "AskTheLedgerWhetherItWrites",
              "ReadLedgerCredentials",
            ]);
            for (const name of [
              "payments-api",
              "merchant-authorizer",
              "payments-processor",
              "health",
            ]) {
              const statements = (
                JSON.parse(
                  String(get("aws:iam/rolePolicy:RolePolicy", role, name).rawInputs.policy),
                ) as {
                  Statement: PolicyStatement[];
                }
              ).Statement;
              for (const statement of statements.filter((s) => s.Sid !== "AttachToTheVpc")) {
                for (const resource of asList(statement.Resource)) {
                  assert.ok(
                    resource.includes(`:${region()}:`),
                    `${name} ${statement.Sid} ${resource}`,
                  );
                }
              }
            }
          });
        });
      }

      it("creates one certificate validation record, in the stack's hosted zone", () => {
        const records = evaluation.resources.filter((r) =>
          r.name.endsWith("certificate-validation"),
        );
        assert.equal(records.length, 1);
        const zone = find(evaluation, "aws:route53/zone:Zone", "zone-zone");
        assert.equal(records[0].rawInputs.zoneId, zone.outputs.zoneId);
        assert.equal(zone.rawInputs.name, evaluation.config.dnsZoneName);
        assert.equal(zone.options.protect, stack === "prod");
      });
    });
  }
});

describe("compute tier with mutual TLS", () => {
  const TRUSTSTORE = "tests/fixtures/truststore/merchant-ca.pem";
  let evaluation: Evaluation;
  before(async () => {
    evaluation = await evaluate({
      stack: "dev",
      configOverrides: { mutualTlsTruststore: TRUSTSTORE },
    });
  });

  it("asks for client certificates on api.<zone> only, against the truststore kept in each region", () => {
    for (const role of ["primary", "secondary"] as const) {
      const region = evaluation.config.regions[role];
      const bucket = find(evaluation, "aws:s3/bucket:Bucket", `${role}-compute-truststore`);
      assert.equal(bucket.region, region);
      const object = find(
        evaluation,
        "aws:s3/bucketObjectv2:BucketObjectv2",
        `${role}-compute-truststore`,
      );
      assert.equal(object.rawInputs.key, "truststore.pem");
      assert.ok(
        object.options.dependsOn.includes(
          find(evaluation, "aws:s3/bucketVersioning:BucketVersioning", `${role}-compute-truststore`)
            .urn,
        ),
        "the object is written once versioning is on: the domain names its version",
      );
      const sse = find(
        evaluation,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        `${role}-compute-truststore`,
      );
      assert.equal(
        (sse.rawInputs.rules as { bucketKeyEnabled: boolean }[])[0].bucketKeyEnabled,
        true,
      );
      const failover = find(
        evaluation,
        "aws:apigateway/domainName:DomainName",
        `${role}-compute-api-domain`,
      );
      assert.deepEqual(failover.rawInputs.mutualTlsAuthentication, {
        truststoreUri: `s3://${String(bucket.outputs.bucket)}/truststore.pem`,
        truststoreVersion: object.outputs.versionId,
      });
      assert.equal(failover.rawInputs.securityPolicy, "TLS_1_2");
      const regional = find(
        evaluation,
        "aws:apigateway/domainName:DomainName",
        `${role}-compute-regional-api-domain`,
      );
      assert.equal(regional.rawInputs.mutualTlsAuthentication, undefined);
      // The regional name serves health checks without a certificate: the authorizer refuses
      // payment requests without one, and its answers are cached per domain name.
      const authorizer = find(
        evaluation,
        "aws:lambda/function:Function",
        `${role}-compute-merchant-authorizer`,
      );
      assert.equal(
        (authorizer.rawInputs.environment as { variables: Record<string, string> }).variables
          .REQUIRE_CLIENT_CERTIFICATE,
        "true",
      );
      const spec = JSON.parse(
        String(
          find(evaluation, "aws:apigateway/restApi:RestApi", `${role}-compute-api`).rawInputs.body,
        ),
      ) as {
        components: {
          securitySchemes: {
            merchantKey: { "x-amazon-apigateway-authorizer": { identitySource: string } };
          };
        };
      };
      assert.equal(
        spec.components.securitySchemes.merchantKey["x-amazon-apigateway-authorizer"]
          .identitySource,
        "method.request.header.Authorization, context.domainName",
      );
    }
  });

  it("fails before registering anything, naming the key, when the truststore file is not one", async () => {
    for (const [file, problem] of [
      ["tests/fixtures/truststore/missing.pem", "there is no such file in the project"],
      ["README.pem", "there is no such file in the project"],
    ] as const) {
      const registered: RecordedResource[] = [];
      await assert.rejects(
        evaluate({
          stack: "dev",
          configOverrides: { mutualTlsTruststore: file },
          sink: registered,
        }),
        (error: unknown) =>
          ConfigError.isConfigError(error) &&
          error.problems[0] === `payments-dr:mutualTlsTruststore = "${file}": ${problem}`,
      );
      assert.deepEqual(
        registered.map((r) => r.type),
        ["pulumi:pulumi:Stack"],
      );
    }
  });
});
