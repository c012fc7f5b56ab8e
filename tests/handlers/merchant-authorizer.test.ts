import { strict as assert } from "node:assert";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import {
  type AuthorizerPorts,
  authenticate,
  paymentRoutesOf,
} from "../../handlers/merchant-authorizer";
import {
  keyHash,
  type MerchantKey,
  newApiKey,
  presentedKey,
  verifyKey,
} from "../../handlers/merchant-keys";

const PEPPER = "pepper-for-tests";
const METHOD_ARN = "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/v1/POST/payments";

function issued(merchantId: string, status: MerchantKey["status"] = "active") {
  const { key, keyId } = newApiKey("dev");
  const record: MerchantKey = {
    keyId,
    merchantId,
    keyHash: keyHash(PEPPER, key),
    status,
    createdAt: "2026-11-30T10:00:00.000Z",
    ...(status === "revoked" ? { revokedAt: "2026-11-30T11:00:00.000Z" } : {}),
  };
  return { key, keyId, record };
}

/** The merchants table over memory, counting reads of keys and of the pepper. */
function table(records: MerchantKey[]) {
  const reads = { keys: 0, pepper: 0 };
  const ports: AuthorizerPorts = {
    pepper: () => {
      reads.pepper += 1;
      return Promise.resolve(PEPPER);
    },
    getKey: (keyId) => {
      reads.keys += 1;
      return Promise.resolve(records.find((r) => r.keyId === keyId));
    },
  };
  return { ports, reads };
}

const request = (authorization?: string, methodArn = METHOD_ARN) => ({
  type: "REQUEST",
  methodArn,
  headers: authorization === undefined ? {} : { Authorization: authorization },
});

describe("merchant keys", () => {
  it("makes keys of the documented format, each different, with the key id inside", () => {
    const keys = Array.from({ length: 50 }, () => newApiKey("prod"));
    for (const { key, keyId } of keys) {
      assert.match(key, /^sk_prod_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      assert.equal(key.split("_")[2], keyId);
    }
    assert.equal(new Set(keys.map((k) => k.key)).size, 50);
  });

  it("refuses an environment name that cannot be part of a key", () => {
    assert.throws(() => newApiKey("Prod-1"), /cannot name a key's environment/);
  });

  it("reads the key from a Bearer header only", () => {
    const { key, keyId } = newApiKey("dev");
    const cases: [string | undefined, unknown][] = [
      [`Bearer ${key}`, { key, keyId }],
      [`bearer   ${key}`, { key, keyId }],
      [undefined, { rejected: "missing" }],
      ["  ", { rejected: "missing" }],
      [key, { rejected: "malformed" }],
      [`Basic ${key}`, { rejected: "malformed" }],
      [`Bearer ${key} extra`, { rejected: "malformed" }],
      [`Bearer ${key.slice(0, -1)}`, { rejected: "malformed" }],
      [`Bearer ${key.replace("sk_dev_", "sk_prod_")}`, { rejected: "other-environment" }],
    ];
    for (const [header, expected] of cases) {
      assert.deepEqual(presentedKey(header, "dev"), expected, String(header));
    }
  });

  it("verifies a key by its keyed hash: a changed secret, another pepper or a revoked key fail", () => {
    const { key, record } = issued("merchant-7");
    assert.deepEqual(verifyKey(key, record, PEPPER), {
      merchantId: "merchant-7",
      keyId: record.keyId,
    });
    const tampered = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
    assert.deepEqual(verifyKey(tampered, record, PEPPER), { rejected: "wrong-secret" });
    assert.deepEqual(verifyKey(key, record, "another-pepper"), { rejected: "wrong-secret" });
    assert.deepEqual(verifyKey(key, { ...record, status: "revoked" }, PEPPER), {
      rejected: "revoked",
    });
    assert.deepEqual(verifyKey(key, undefined, PEPPER), { rejected: "unknown-key" });
    assert.deepEqual(verifyKey(key, { ...record, keyHash: "00" }, PEPPER), {
      rejected: "wrong-secret",
    });
  });
});

describe("merchant authorizer core", () => {
  const seven = issued("merchant-7");
  const eight = issued("merchant-8");
  const revoked = issued("merchant-7", "revoked");
  const { ports } = table([seven.record, eight.record, revoked.record]);
  const settings = { environment: "dev", requireClientCertificate: false };

  it("allows a valid key with the merchant in the context and every payment route in the policy", async () => {
    const result = await authenticate(request(`Bearer ${seven.key}`), ports, settings);
    assert.deepEqual(result, {
      allow: {
        principalId: "merchant-7",
        policyDocument: {
          Version: "2012-10-17",
          Statement: [
            {
              Action: "execute-api:Invoke",
              Effect: "Allow",
              Resource: [
                "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/v1/*/payments",
                "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/v1/*/payments/*",
              ],
            },
          ],
        },
        context: { merchantId: "merchant-7", keyId: seven.keyId },
      },
    });
  });

  it("rejects every other request with its reason, and the key id when there is one", async () => {
    const otherMerchantsSecret = `sk_dev_${seven.keyId}_${eight.key.split("_").slice(3).join("_")}`;
    const cases: [string, string | undefined, unknown][] = [
      ["no header", undefined, { rejected: "missing" }],
      ["not a bearer key", `Token ${seven.key}`, { rejected: "malformed" }],
      [
        "a key of another environment",
        `Bearer ${seven.key.replace("sk_dev", "sk_prod")}`,
        {
          rejected: "other-environment",
        },
      ],
      [
        "an unknown key id",
        `Bearer sk_dev_ffffffffffffffff_${"A".repeat(43)}`,
        {
          rejected: "unknown-key",
          keyId: "ffffffffffffffff",
        },
      ],
      [
        "a wrong secret",
        `Bearer sk_dev_${seven.keyId}_${"A".repeat(43)}`,
        {
          rejected: "wrong-secret",
          keyId: seven.keyId,
        },
      ],
      [
        "one merchant's key id with another's secret",
        `Bearer ${otherMerchantsSecret}`,
        {
          rejected: "wrong-secret",
          keyId: seven.keyId,
        },
      ],
      ["a revoked key", `Bearer ${revoked.key}`, { rejected: "revoked", keyId: revoked.keyId }],
    ];
    for (const [what, header, expected] of cases) {
      assert.deepEqual(await authenticate(request(header), ports, settings), expected, what);
    }
  });

  it("reads the key's record on every request: a revocation is not delayed by the function", async () => {
    const records = [{ ...seven.record }];
    const world = table(records);
    const first = await authenticate(request(`Bearer ${seven.key}`), world.ports, settings);
    assert.ok("allow" in first);
    records[0] = { ...records[0], status: "revoked" };
    const next = await authenticate(request(`Bearer ${seven.key}`), world.ports, settings);
    assert.deepEqual(next, { rejected: "revoked", keyId: seven.keyId });
    assert.equal(world.reads.keys, 2);
  });

  it("with mutual TLS, serves only requests that came with a client certificate", async () => {
    const mtls = { environment: "dev", requireClientCertificate: true };
    const withCertificate = {
      ...request(`Bearer ${seven.key}`),
      // What API Gateway forwards (rest-api-mutual-tls.html): the certificate and its details.
      requestContext: {
        identity: {
          clientCert: {
            clientCertPem: "-----BEGIN CERTIFICATE-----…",
            subjectDN: "CN=merchant-7",
            issuerDN: "CN=Acme Payments Merchant CA",
            serialNumber: "1",
            validity: {
              notBefore: "Nov 30 00:00:00 2026 GMT",
              notAfter: "Nov 30 00:00:00 2027 GMT",
            },
          },
        },
      },
    };
    assert.ok("allow" in (await authenticate(withCertificate, ports, mtls)));
    // Through a regional name, which asks for no certificate: the key alone is not enough.
    assert.deepEqual(await authenticate(request(`Bearer ${seven.key}`), ports, mtls), {
      rejected: "no-client-certificate",
      keyId: seven.keyId,
    });
    assert.ok("allow" in (await authenticate(request(`Bearer ${seven.key}`), ports, settings)));
  });

  it("refuses a method ARN that is not API Gateway's", () => {
    assert.throws(() => paymentRoutesOf("arn:aws:lambda:us-east-1:111122223333:function:x"), {
      message: /not an execute-api method ARN/,
    });
  });

  // API Gateway caches the policy for the key (authorizerResultTtlInSeconds) and applies it to the
  // next method the key calls: the policy of one request must allow every payment route, and
  // nothing else. The judge is an IAM policy evaluator (@cloud-copilot/iam-simulate).
  it("returns a policy that, cached, allows every payment route of this stage and nothing else", async () => {
    const result = await authenticate(request(`Bearer ${seven.key}`), ports, settings);
    assert.ok("allow" in result);
    const base = "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5";
    const decide = async (resource: string) => {
      const response = await runSimulation(
        {
          identityPolicies: [{ name: "authorizer", policy: result.allow.policyDocument }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          request: {
            principal: "arn:aws:iam::111122223333:user/caller",
            action: "execute-api:Invoke",
            resource: { resource, accountId: "111122223333" },
            contextVariables: {},
          },
        },
        {},
      );
      return response.resultType === "error" ? JSON.stringify(response) : response.overallResult;
    };
    const cases: [string, string][] = [
      [`${base}/v1/POST/payments`, "Allowed"],
      [`${base}/v1/GET/payments/pay_0123`, "Allowed"],
      [`${base}/v1/GET/health`, "ImplicitlyDenied"],
      [`${base}/v2/POST/payments`, "ImplicitlyDenied"],
      [
        "arn:aws:execute-api:us-east-1:111122223333:zzzzzzzzzz/v1/POST/payments",
        "ImplicitlyDenied",
      ],
    ];
    for (const [resource, expected] of cases) {
      assert.equal(await decide(resource), expected, resource);
    }
  });
});
