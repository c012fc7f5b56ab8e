/**
 * Merchant API keys: their format, how they are made, and how one is checked against the
 * `merchants` table's record of it. Plain data and node:crypto, no AWS: the authorizer
 * (./merchant-authorizer.ts) and the operators' tool (tools/merchant.ts) share it.
 *
 * A key reads `sk_<environment>_<key id>_<secret>`: the key id (8 random bytes, hex) finds the
 * record, the secret is 32 random bytes (base64url). The table keeps only a keyed hash of the whole
 * key (HMAC-SHA256 under a pepper the program generates and keeps in Secrets Manager), so a copy of
 * the table, a backup or an export cannot be turned back into keys. A merchant has any number of
 * active keys, which is how keys rotate without downtime: create the new one, move the callers,
 * revoke the old one.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { TableSchema } from "./table-schema";

export const KEY_STATUSES = ["active", "revoked"] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

/** The merchants table's item for one key. */
export interface MerchantKey {
  readonly keyId: string;
  readonly merchantId: string;
  /** HMAC-SHA256 of the whole key under the pepper, hex. */
  readonly keyHash: string;
  readonly status: KeyStatus;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

/** The index the operators' tool lists a merchant's keys by. */
export const MERCHANTS_BY_MERCHANT_INDEX = "byMerchant";

/** The merchants table: a key's record by its id, and a merchant's keys by time. */
export const MERCHANTS_TABLE_SCHEMA: TableSchema = {
  key: "keyId",
  indexes: [
    {
      name: MERCHANTS_BY_MERCHANT_INDEX,
      hashKey: "merchantId",
      rangeKey: "createdAt",
      projection: { include: ["status", "revokedAt"] },
    },
  ],
};

const KEY_ID_BYTES = 8;
const SECRET_BYTES = 32;
/** `sk_<environment>_<16 hex>_<43 base64url>`; the environment is a stack's name segment. */
const KEY_FORMAT = /^sk_([a-z][a-z0-9]{1,9})_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
export const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;
/** A merchant id, as payments carry it (handlers/payment.ts). */
export const MERCHANT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A new key for `environment`: the key (shown once) and its id. */
export function newApiKey(
  environment: string,
  random: (size: number) => Buffer = randomBytes,
): { readonly key: string; readonly keyId: string } {
  const keyId = random(KEY_ID_BYTES).toString("hex");
  const key = `sk_${environment}_${keyId}_${random(SECRET_BYTES).toString("base64url")}`;
  if (!KEY_FORMAT.test(key)) {
    throw new Error(`"${environment}" cannot name a key's environment (2-10 lowercase letters)`);
  }
  return { key, keyId };
}

/** The keyed hash the table keeps of `key`. */
export function keyHash(pepper: string, key: string): string {
  return createHmac("sha256", pepper).update(key).digest("hex");
}

/** Why a request is not authenticated; the authorizer logs it, the caller sees only 401. */
export type Rejection =
  | "missing"
  | "malformed"
  | "other-environment"
  | "unknown-key"
  | "wrong-secret"
  | "revoked"
  | "no-client-certificate";

/** The key a request presents in `Authorization: Bearer <key>`, or why there is none. */
export function presentedKey(
  authorization: string | undefined,
  environment: string,
): { readonly key: string; readonly keyId: string } | { readonly rejected: Rejection } {
  if (authorization === undefined || authorization.trim() === "") {
    return { rejected: "missing" };
  }
  const match = /^Bearer +(\S+)$/i.exec(authorization.trim());
  const parts = match === null ? null : KEY_FORMAT.exec(match[1]);
  if (match === null || parts === null) {
    return { rejected: "malformed" };
  }
  if (parts[1] !== environment) {
    return { rejected: "other-environment" };
  }
  return { key: match[1], keyId: parts[2] };
}

/**
 * Whether `key` is the active key `record` describes: the keyed hashes compared in constant time,
 * so the answer's timing says nothing about how much of a guess was right.
 */
export function verifyKey(
  key: string,
  record: MerchantKey | undefined,
  pepper: string,
): { readonly merchantId: string; readonly keyId: string } | { readonly rejected: Rejection } {
  if (record === undefined) {
    return { rejected: "unknown-key" };
  }
  const expected = Buffer.from(record.keyHash, "hex");
  const actual = Buffer.from(keyHash(pepper, key), "hex");
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { rejected: "wrong-secret" };
  }
  if (record.status !== "active") {
    return { rejected: "revoked" };
  }
  return { merchantId: record.merchantId, keyId: record.keyId };
}

type AttributeValue = import("@aws-sdk/client-dynamodb").AttributeValue;

export function keyToItem(record: MerchantKey): Record<string, AttributeValue> {
  return {
    keyId: { S: record.keyId },
    merchantId: { S: record.merchantId },
    keyHash: { S: record.keyHash },
    status: { S: record.status },
    createdAt: { S: record.createdAt },
    ...(record.revokedAt === undefined ? {} : { revokedAt: { S: record.revokedAt } }),
  };
}

/** The record of an item, or undefined when the item is not one (it then authenticates nobody). */
export function keyFromItem(item: Record<string, AttributeValue>): MerchantKey | undefined {
  const s = (name: string) => item[name]?.S;
  const [keyId, merchantId, hash, status, createdAt] = [
    s("keyId"),
    s("merchantId"),
    s("keyHash"),
    s("status"),
    s("createdAt"),
  ];
  if (
    keyId === undefined ||
    merchantId === undefined ||
    hash === undefined ||
    !(KEY_STATUSES as readonly (string | undefined)[]).includes(status) ||
    createdAt === undefined
  ) {
    return undefined;
  }
  const revokedAt = s("revokedAt");
  return {
    keyId,
    merchantId,
    keyHash: hash,
    status: status as KeyStatus,
    createdAt,
    ...(revokedAt === undefined ? {} : { revokedAt }),
  };
}
