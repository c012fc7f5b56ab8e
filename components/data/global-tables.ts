/**
 * The DynamoDB global tables, one region's part of each: `payments` (the system of record of every
 * payment) and `merchants` (the merchants' API keys, which the authorizer of each region reads from
 * its own replica). Both are replicated the same way. The primary region creates the
 * table; in eventual mode the secondary joins with a `TableReplica`, so each region owns its part
 * with its own provider, key, protection and tags and the dependency stays one-way (secondary on
 * primary); the table then ignores `replicas`, as AWS requires when TableReplica manages them.
 * Multi-Region strong consistency cannot be expressed with TableReplica, so in strong mode the
 * table declares its replica (`consistencyMode: STRONG`, the secondary's key) and the witness
 * region itself. No TTL, no local index, and the handlers use no transactions: strong mode forbids
 * all three. No idempotency table either: the API derives the payment id from the merchant and the
 * Idempotency-Key and writes it with one conditional put.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DynamodbConsistency } from "../../model/config";
import { MERCHANTS_TABLE_SCHEMA } from "../../handlers/merchant-keys";
import { PAYMENTS_TABLE_SCHEMA } from "../../handlers/payment";
import { type TableSchema, tableKeyAttributes } from "../../handlers/table-schema";
import type { AwsRegion } from "../../model/regions";
import { movedChild, type PartOptions } from "../building-blocks/parts";
import type { DataKeys } from "../keys";

interface GlobalTableCommon {
  readonly tableName: string;
  readonly region: AwsRegion;
  readonly keys: DataKeys;
  readonly protectData: boolean;
  readonly pitrRecoveryDays: number;
  readonly consistency: DynamodbConsistency;
}

export type GlobalTableArgs = GlobalTableCommon &
  (
    | {
        readonly role: "primary";
        /** Strong mode: the secondary region and its key, and the witness region. */
        readonly peer: { readonly region: AwsRegion; readonly keys: DataKeys };
        readonly witnessRegion: AwsRegion | undefined;
      }
    | { readonly role: "secondary"; readonly primary: GlobalTable }
  );

/** One region's part of a global table whose key and indexes `schema` declares. */
abstract class GlobalTable extends pulumi.ComponentResource {
  /** ARN of the global table (created in the primary region). */
  readonly globalTableArn: pulumi.Output<string>;
  /** This region's part of the table: the table in the primary, the replica elsewhere. */
  readonly tableArn: pulumi.Output<string>;
  readonly tableName: pulumi.Output<string>;

  protected constructor(
    type: string,
    schema: TableSchema,
    name: string,
    args: GlobalTableArgs,
    opts: PartOptions,
  ) {
    super(type, name, {}, opts);
    const dataStore = {
      ...movedChild(this, { parent: opts.parent }),
      protect: args.protectData,
      retainOnDelete: args.protectData,
    };
    const strong = args.consistency === "strong";
    if (args.role === "primary") {
      const { peer } = args;
      const table = new aws.dynamodb.Table(
        name,
        {
          name: args.tableName,
          billingMode: "PAY_PER_REQUEST",
          hashKey: schema.key,
          attributes: tableKeyAttributes(schema).map((name) => ({ name, type: "S" })),
          // The payments table's `pending` and `bySettledHour` are sparse: only RECEIVED payments
          // carry pendingShard, only COMPLETED ones settledHour (handlers/payment.ts). An item
          // without an index's key attributes is not in the index (DynamoDB Developer Guide, "Take
          // advantage of sparse indexes":
          // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes-general-sparse-indexes.html).
          globalSecondaryIndexes: schema.indexes.map((index) => ({
            name: index.name,
            keySchemas: [
              { attributeName: index.hashKey, keyType: "HASH" },
              { attributeName: index.rangeKey, keyType: "RANGE" },
            ],
            ...(index.projection === "ALL"
              ? { projectionType: "ALL" }
              : { projectionType: "INCLUDE", nonKeyAttributes: [...index.projection.include] }),
          })),
          streamEnabled: true,
          streamViewType: "NEW_AND_OLD_IMAGES",
          pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: args.pitrRecoveryDays },
          serverSideEncryption: { enabled: true, kmsKeyArn: args.keys.arn },
          deletionProtectionEnabled: args.protectData,
          ...(strong
            ? {
                replicas: [
                  {
                    regionName: peer.region,
                    kmsKeyArn: peer.keys.arn,
                    consistencyMode: "STRONG",
                    pointInTimeRecovery: true,
                    deletionProtectionEnabled: args.protectData,
                    propagateTags: true,
                  },
                ],
                globalTableWitness: { regionName: args.witnessRegion },
              }
            : {}),
        },
        // In eventual mode the secondary region's TableReplica manages the replica.
        strong ? dataStore : { ...dataStore, ignoreChanges: ["replicas"] },
      );
      this.globalTableArn = table.arn;
      this.tableArn = table.arn;
    } else if (strong) {
      this.globalTableArn = args.primary.globalTableArn;
      // The replica the primary's table declares: the table's ARN in this region.
      this.tableArn = args.primary.globalTableArn.apply((arn) =>
        arn.replace(/:dynamodb:[^:]+:/, `:dynamodb:${args.region}:`),
      );
    } else {
      const replica = new aws.dynamodb.TableReplica(
        name,
        {
          globalTableArn: args.primary.globalTableArn,
          kmsKeyArn: args.keys.arn,
          pointInTimeRecovery: true,
          deletionProtectionEnabled: args.protectData,
        },
        dataStore,
      );
      this.globalTableArn = args.primary.globalTableArn;
      this.tableArn = replica.arn;
    }
    this.tableName = pulumi.output(args.tableName);
    this.registerOutputs({ globalTableArn: this.globalTableArn, tableArn: this.tableArn });
  }
}

/** The `payments` table (handlers/payment.ts declares its key and indexes). */
export class PaymentsTable extends GlobalTable {
  constructor(name: string, args: GlobalTableArgs, opts: PartOptions) {
    super("payments:data:PaymentsTable", PAYMENTS_TABLE_SCHEMA, name, args, opts);
  }
}

/** The `merchants` table of API keys (handlers/merchant-keys.ts declares its key and index). */
export class MerchantsTable extends GlobalTable {
  constructor(name: string, args: GlobalTableArgs, opts: PartOptions) {
    super("payments:data:MerchantsTable", MERCHANTS_TABLE_SCHEMA, name, args, opts);
  }
}
