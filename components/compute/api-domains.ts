/**
 * The names one region's API is served under, on one ACM certificate: `api.<zone>` (the name the
 * failover records send to the healthy region) and `<region>.api.<zone>` (this region directly:
 * health checks, drills), with the alias record of the regional name.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { apiDomainName, regionalApiDomainName } from "../../model/dns";
import type { Namer } from "../../model/naming";
import type { AwsRegion } from "../../model/regions";
import { regionalTruststore } from "./mutual-tls";
import { movedChild, type PartOptions } from "../building-blocks/parts";
import type { HostedZone } from "../hosted-zone";

export interface ApiDomainsArgs {
  readonly region: AwsRegion;
  readonly zone: HostedZone;
  readonly restApiId: pulumi.Input<string>;
  readonly stageName: pulumi.Input<string>;
  /**
   * The primary region's certificate validation record. ACM's validation record of a name is the
   * same in every region, so the primary creates it and the secondary's certificate validates
   * through it.
   */
  readonly primaryValidationRecordFqdn?: pulumi.Input<string>;
  /** The compute tier's logical name: these resources kept the names they had under it. */
  readonly tierName: string;
  /** Mutual TLS on `api.<zone>`: the truststore file, the bucket's name and key (./mutual-tls.ts). */
  readonly mutualTls?: {
    readonly file: string;
    readonly namer: Namer;
    readonly keyArn: pulumi.Input<string>;
  };
}

export class ApiDomains extends pulumi.ComponentResource {
  /** Target of the `api.<zone>` failover record for this region. */
  readonly apiDomainTarget: {
    readonly name: pulumi.Output<string>;
    readonly zoneId: pulumi.Output<string>;
  };
  /** `<region>.api.<zone>`: this region's API, bypassing failover. */
  readonly regionalDomainName: string;
  readonly certificateValidationRecordFqdn: pulumi.Output<string>;

  constructor(name: string, args: ApiDomainsArgs, opts: PartOptions) {
    super("payments:compute:ApiDomains", name, {}, opts);
    const { zone, tierName } = args;
    const child = movedChild(this, { parent: opts.parent });
    const failoverName = apiDomainName(zone.zoneName);
    const regionalName = regionalApiDomainName(zone.zoneName, args.region);
    const certificate = new aws.acm.Certificate(
      `${tierName}-api`,
      {
        domainName: failoverName,
        subjectAlternativeNames: [`*.${failoverName}`],
        validationMethod: "DNS",
        keyAlgorithm: "RSA_2048",
      },
      child,
    );
    // `api.<zone>` and `*.api.<zone>` validate with one record, the same in every region.
    const validationRecordFqdn =
      args.primaryValidationRecordFqdn ??
      new aws.route53.Record(
        `${tierName}-api-certificate-validation`,
        {
          zoneId: zone.zoneId,
          name: certificate.domainValidationOptions.apply((o) => o[0].resourceRecordName),
          type: certificate.domainValidationOptions.apply((o) => o[0].resourceRecordType),
          records: [certificate.domainValidationOptions.apply((o) => o[0].resourceRecordValue)],
          ttl: 300,
        },
        child,
      ).fqdn;
    const validation = new aws.acm.CertificateValidation(
      `${tierName}-api`,
      { certificateArn: certificate.arn, validationRecordFqdns: [validationRecordFqdn] },
      child,
    );
    const mutualTls =
      args.mutualTls === undefined
        ? undefined
        : regionalTruststore(
            tierName,
            { region: args.region, ...args.mutualTls },
            { parent: this },
          );
    const domain = (
      logical: string,
      domainName: string,
      clientCertificates?: aws.types.input.apigateway.DomainNameMutualTlsAuthentication,
    ) => {
      const custom = new aws.apigateway.DomainName(
        logical,
        {
          domainName,
          regionalCertificateArn: validation.certificateArn,
          endpointConfiguration: { types: "REGIONAL" },
          // Mutual TLS needs TLS 1.2 (the only policy this program uses anyway).
          securityPolicy: "TLS_1_2",
          ...(clientCertificates === undefined
            ? {}
            : { mutualTlsAuthentication: clientCertificates }),
        },
        child,
      );
      new aws.apigateway.BasePathMapping(
        logical,
        { domainName: custom.domainName, restApi: args.restApiId, stageName: args.stageName },
        child,
      );
      return custom;
    };
    // Only the name merchants call asks for client certificates: health checks probe the regional
    // name, and Route 53's checkers present none.
    const failoverDomain = domain(`${tierName}-api-domain`, failoverName, mutualTls);
    const regionalDomain = domain(`${tierName}-regional-api-domain`, regionalName);
    new aws.route53.Record(
      `${tierName}-regional-api`,
      {
        zoneId: zone.zoneId,
        name: regionalName,
        type: "A",
        aliases: [
          {
            name: regionalDomain.regionalDomainName,
            zoneId: regionalDomain.regionalZoneId,
            evaluateTargetHealth: false,
          },
        ],
      },
      child,
    );
    this.apiDomainTarget = {
      name: failoverDomain.regionalDomainName,
      zoneId: failoverDomain.regionalZoneId,
    };
    this.regionalDomainName = regionalName;
    this.certificateValidationRecordFqdn = pulumi.output(validationRecordFqdn);
    this.registerOutputs({ regionalDomainName: this.regionalDomainName });
  }
}
