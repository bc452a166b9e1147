/**
 * Keycloak in the deployments is what the tests run: docker-compose.yml's image is the release
 * scripts/setup-keycloak.mjs installs for test/interop/real-sigstore-keycloak.test.ts, started the
 * same way (`start-dev --import-realm`) on the same realm file; the Helm chart's default client
 * for the client-credentials grant is a client of that realm; and the realm check in
 * scripts/validate-deploy.mjs refuses the shape Fulcio refused (an email the token says is not
 * verified).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
// @ts-expect-error -- a plain .mjs script without declarations
import { KEYCLOAK_VERSION } from "../../scripts/setup-keycloak.mjs";
// @ts-expect-error -- a plain .mjs script without declarations
import { checkRealm } from "../../scripts/validate-deploy.mjs";
import { REPO_ROOT } from "../helpers/server.js";

interface Realm {
  clients: { clientId: string; protocolMappers?: Record<string, unknown>[] }[];
  users?: { serviceAccountClientId?: string; emailVerified?: boolean }[];
}
const realmText = readFileSync(join(REPO_ROOT, "deploy", "keycloak", "certus-realm.json"), "utf8");
const check = checkRealm as (realm: Realm) => string[];

describe("Keycloak in the deployments", () => {
  it("docker-compose.yml runs the Keycloak release the tests run, importing the realm the tests import", () => {
    const compose = parseYaml(readFileSync(join(REPO_ROOT, "docker-compose.yml"), "utf8")) as {
      services: Record<string, { image?: string; command?: string[]; volumes?: string[] }>;
    };
    const kc = compose.services["keycloak"]!;
    expect(kc.image).toBe(`quay.io/keycloak/keycloak:${KEYCLOAK_VERSION as string}`);
    expect(kc.command?.slice(0, 2)).toEqual(["start-dev", "--import-realm"]);
    expect(kc.volumes).toContain("./deploy/keycloak/certus-realm.json:/opt/keycloak/data/import/certus-realm.json:ro");
  });

  it("the realm gives each service account a verified email, and the chart's default client is one of them", () => {
    const realm = JSON.parse(realmText) as Realm;
    expect(check(realm)).toEqual([]);
    const values = parseYaml(readFileSync(join(REPO_ROOT, "k8s", "certus-trust", "values.yaml"), "utf8")) as { sigstore: { oidcClientId: string } };
    expect(realm.clients.map((c) => c.clientId)).toContain(values.sigstore.oidcClientId);
    const secret = readFileSync(join(REPO_ROOT, "deploy", "keycloak", "certus-trust-client-secret.txt"), "utf8").trim();
    expect(realm.clients.find((c) => c.clientId === "certus-trust")).toMatchObject({ secret });
  });

  it("the realm check refuses an unverified service-account email and a hard-coded email_verified claim", () => {
    const unverified = JSON.parse(realmText) as Realm;
    unverified.users = unverified.users!.map((u) => (u.serviceAccountClientId === "certus-trust" ? { ...u, emailVerified: false } : u));
    expect(check(unverified)).toEqual([expect.stringMatching(/client certus-trust's service-account user has no verified email/)]);

    const hardcoded = JSON.parse(realmText) as Realm;
    hardcoded.clients[0]!.protocolMappers = [
      ...(hardcoded.clients[0]!.protocolMappers ?? []),
      { name: "email_verified", protocolMapper: "oidc-hardcoded-claim-mapper", config: { "claim.name": "email_verified", "claim.value": "true" } },
    ];
    expect(check(hardcoded)).toEqual([expect.stringMatching(/hard-codes email_verified/)]);
  });
});
