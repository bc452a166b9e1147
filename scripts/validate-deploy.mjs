#!/usr/bin/env node
// Validates the deployment files: the Helm chart (k8s/certus-trust), docker-compose.yml, the
// Keycloak realm and the Dockerfile. Run by `npm test` (through test/deploy/manifests.test.ts) and
// on its own:
//
//   node scripts/validate-deploy.mjs              everything; exit 1 on any problem
//   node scripts/validate-deploy.mjs --optional   exit 0 (saying why) when Go or pip is missing
//   node scripts/validate-deploy.mjs --tools-only build or find the tools and schemas, nothing else
//
// What checks what, and where the tools come from (nothing is downloaded except through the Go
// module proxy and PyPI, and everything lands OUTSIDE the repository, in the same per-user cache
// as cosign — $CERTUS_TRUST_TOOLS_DIR, default ~/.cache/certus-trust):
//
//   helm          helm.sh/helm/v3/cmd/helm, `go install`ed at HELM_VERSION:
//                 `helm lint --strict` on the chart alone and with each values file, then
//                 `helm template` for each values file.
//   kubeconform   github.com/yannh/kubeconform/cmd/kubeconform at KUBECONFORM_VERSION:
//                 `-strict -summary` on every rendered manifest, for the oldest and the newest
//                 Kubernetes version the chart supports. kubeconform fetches its schemas from
//                 GitHub by default, which is out of reach here; they come instead from the PyPI
//                 package kubernetes-validate (KUBERNETES_VALIDATE), whose wheel ships the JSON
//                 schemas of every Kubernetes minor (generated from each release's OpenAPI
//                 document, "strict" = no undocumented fields). Its schemas refer to a shared
//                 `/api/_definitions.json`; the copy in the cache points those references at the
//                 sibling file so that kubeconform's file loader resolves them.
//   compose       `docker compose config -q` when the Docker client has the compose plugin;
//                 otherwise the Compose Specification's reference loader, the `cmd` of the Go
//                 module github.com/compose-spec/compose-go/v2 (the library `docker compose`
//                 itself loads files with): schema validation, interpolation, normalization and
//                 the consistency checks (unknown services in depends_on, networks, volumes).
//   own checks    what no schema says: the chart's promises (embedded = one replica, Recreate,
//                 a PVC, no HPA; sigstore = HPA, projected token, no PVC; more than one replica
//                 only with stateStore postgres and the database URL from a Secret; hardened pods
//                 everywhere), the compose start order (every depends_on waits for a health
//                 check that exists), bind mounts that exist, the realm's clients, and the
//                 Dockerfile's shape (there is no engine here to build it).
//
// Go builds are idempotent: a tool whose build.json names the pinned version is not rebuilt. The
// first build of each prints its progress and records its time in build.json beside the binary.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { toolsDir } from "./setup-cosign.mjs";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The Go-built tools, pinned. */
export const TOOLS = {
  helm: { module: "helm.sh/helm/v3/cmd/helm", version: "v3.22.0", bin: "helm" },
  kubeconform: { module: "github.com/yannh/kubeconform/cmd/kubeconform", version: "v0.8.0", bin: "kubeconform" },
  // The Compose Specification's reference loader; its main package is `cmd`, hence the name.
  composeSpec: { module: "github.com/compose-spec/compose-go/v2/cmd", version: "v2.16.2", bin: "cmd" },
};

/** The PyPI package that ships Kubernetes JSON schemas (one folder per minor, v1.25 to v1.37). */
export const KUBERNETES_VALIDATE = { name: "kubernetes-validate", version: "1.37.0" };

/** The Kubernetes versions the rendered chart is checked against: Chart.yaml's floor, and the newest. */
export const KUBE_VERSIONS = ["1.25.0", "1.37.0"];

/** Values files checked beside the chart's defaults (k8s/certus-trust/values.yaml). */
export const VALUES_FILES = ["values-embedded.yaml", "values-sigstore.yaml"];

export const CHART = join(root, "k8s", "certus-trust");

function log(msg) {
  console.log(`[validate-deploy] ${msg}`);
}

function goVersion() {
  const r = spawnSync("go", ["version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Where a pinned Go tool lives (built or not). */
export function toolPath(name) {
  const t = TOOLS[name];
  return join(toolsDir(), "bin", `${name}-${t.version}`, t.bin);
}

function readBuildRecord(name) {
  try {
    return JSON.parse(readFileSync(join(dirname(toolPath(name)), "build.json"), "utf8"));
  } catch {
    return undefined;
  }
}

/** What the last build of each tool recorded (version, Go, seconds, packages), if any. */
export function buildRecords() {
  return Object.fromEntries(Object.keys(TOOLS).map((n) => [n, readBuildRecord(n)]));
}

/** True when the tool is built at its pinned version. */
export function toolReady(name) {
  const rec = readBuildRecord(name);
  return rec?.version === TOOLS[name].version && existsSync(toolPath(name));
}

/** Builds one pinned Go tool with `go install` unless it is already there. Resolves with its path. */
export async function ensureGoTool(name) {
  const t = TOOLS[name];
  const bin = toolPath(name);
  if (toolReady(name)) {
    const rec = readBuildRecord(name);
    log(`${name} ${t.version} already built at ${bin} (first build took ${rec.seconds} s)`);
    return bin;
  }
  const go = goVersion();
  if (go === undefined) throw new Error(`Go is not on PATH: ${name} is built from its Go module ${t.module}`);
  const gobin = dirname(bin);
  mkdirSync(gobin, { recursive: true });
  log(`building ${t.module}@${t.version} with ${go} into ${gobin}; the first build takes a while`);
  const t0 = Date.now();
  const child = spawn("go", ["install", "-trimpath", "-v", `${t.module}@${t.version}`], {
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: "0", GOFLAGS: "" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  // `-v` names each package as it compiles: count them and report every 15 s, not line by line.
  let packages = 0;
  let lastError = "";
  child.stderr.on("data", (chunk) => {
    for (const line of chunk.toString().split("\n")) {
      if (line.trim() === "") continue;
      if (/^go: (downloading|finding|extracting)/.test(line)) continue;
      if (/^[\w.-]+(\/[\w.@+~-]+)*$/.test(line.trim())) packages += 1;
      else lastError = `${lastError}${line}\n`.slice(-4000);
    }
  });
  const timer = setInterval(() => log(`… ${name}: ${Math.round((Date.now() - t0) / 1000)} s, ${packages} packages compiled`), 15_000);
  const code = await new Promise((r) => child.on("close", r));
  clearInterval(timer);
  const seconds = Math.round((Date.now() - t0) / 1000);
  if (code !== 0) throw new Error(`go install ${t.module}@${t.version} failed (exit ${code}) after ${seconds} s:\n${lastError}`);
  if (!existsSync(bin)) throw new Error(`go install ${t.module}@${t.version} produced no ${bin}`);
  writeFileSync(
    join(gobin, "build.json"),
    `${JSON.stringify({ module: t.module, version: t.version, go, seconds, packages, builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  log(`built ${name} ${t.version} in ${seconds} s (${packages} packages) at ${bin}`);
  return bin;
}

/** The folder holding the Kubernetes schemas in kubeconform's layout (extracted or not). */
export function schemasDir() {
  return join(toolsDir(), "schemas", `${KUBERNETES_VALIDATE.name}-${KUBERNETES_VALIDATE.version}`);
}

/** kubeconform's -schema-location template for schemasDir(). */
export function schemaLocation() {
  return `${schemasDir()}/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
}

function findPython() {
  for (const py of ["python3", "python"]) {
    const r = spawnSync(py, ["-c", "import sys; print(sys.version_info >= (3, 8))"], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim() === "True") return py;
  }
  return undefined;
}

/**
 * Fetches the kubernetes-validate wheel from PyPI (`pip download`, no install) and extracts the
 * schema folders of KUBE_VERSIONS (plain and strict) into schemasDir(), with the shared
 * definitions referenced relatively. Idempotent (a `complete.json` marks a finished extraction).
 */
export function ensureKubeSchemas() {
  const dir = schemasDir();
  const marker = join(dir, "complete.json");
  // Bump when the extraction changes, so that an older extraction is redone.
  const layout = 2;
  const wanted = KUBE_VERSIONS.flatMap((v) => [`v${v}-local`, `v${v}-local-strict`]);
  if (existsSync(marker)) {
    const rec = JSON.parse(readFileSync(marker, "utf8"));
    if (rec.layout === layout && wanted.every((f) => (rec.folders ?? []).includes(f))) {
      log(`Kubernetes schemas (${KUBERNETES_VALIDATE.name} ${KUBERNETES_VALIDATE.version} from PyPI) already at ${dir}`);
      return dir;
    }
  }
  const py = findPython();
  if (py === undefined) throw new Error("Python 3 is not on PATH: the Kubernetes schemas come from the PyPI wheel kubernetes-validate (pip download)");
  const t0 = Date.now();
  const dl = join(toolsDir(), "downloads");
  mkdirSync(dl, { recursive: true });
  const wheel = join(dl, `kubernetes_validate-${KUBERNETES_VALIDATE.version}-py3-none-any.whl`);
  if (!existsSync(wheel)) {
    log(`pip download ${KUBERNETES_VALIDATE.name}==${KUBERNETES_VALIDATE.version} (a wheel of Kubernetes JSON schemas, about 22 MB) into ${dl}`);
    const r = spawnSync(
      py,
      [
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "-q",
        "-d",
        dl,
        `${KUBERNETES_VALIDATE.name}==${KUBERNETES_VALIDATE.version}`,
      ],
      {
        encoding: "utf8",
        stdio: ["ignore", "inherit", "pipe"],
      },
    );
    if (r.status !== 0 || !existsSync(wheel)) throw new Error(`pip download ${KUBERNETES_VALIDATE.name} failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  }
  // The wheel is a zip; Python's zipfile reads it (Node has no zip reader). Each schema is written
  // with its absolute `/api/_definitions.json` references pointed at the sibling file.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const extract = `
import json, os, sys, zipfile
wheel, out, folders = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
prefix = "kubernetes_validate/kubernetes-json-schema/"
n = 0
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if not name.startswith(prefix) or not name.endswith(".json"):
            continue
        folder, _, file = name[len(prefix):].partition("/")
        if folder not in folders or "/" in file:
            continue
        text = z.read(name).decode("utf-8").replace('"/api/_definitions.json#', '"_definitions.json#')
        doc = json.loads(text)
        # Each schema names itself https://kubernetes.io/api/...; without that $id a relative
        # reference resolves against the file's own location.
        doc.pop("$id", None)
        os.makedirs(os.path.join(out, folder), exist_ok=True)
        with open(os.path.join(out, folder, file), "w", encoding="utf-8") as f:
            json.dump(doc, f)
        n += 1
print(n)
`;
  const r = spawnSync(py, ["-c", extract, wheel, tmp, wanted.join(",")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`extracting schemas from ${wheel} failed: ${r.stderr.slice(-2000)}`);
  const missing = wanted.filter((f) => !existsSync(join(tmp, f, "_definitions.json")));
  if (missing.length > 0) throw new Error(`${wheel} has no schemas for ${missing.join(", ")}`);
  writeFileSync(
    join(tmp, "complete.json"),
    `${JSON.stringify({ layout, source: `pypi:${KUBERNETES_VALIDATE.name}==${KUBERNETES_VALIDATE.version}`, folders: wanted, files: Number(r.stdout.trim()), seconds: Math.round((Date.now() - t0) / 1000) }, null, 2)}\n`,
  );
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(tmp, dir);
  log(`extracted ${r.stdout.trim()} schema files (${wanted.join(", ")}) into ${dir} in ${Math.round((Date.now() - t0) / 1000)} s`);
  return dir;
}

/** Runs a tool; resolves with its exit code and output (never throws for a non-zero exit). */
function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { cwd: root, input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? String(r.error ?? "") };
}

/** Renders the chart with one values file (or the defaults) for one Kubernetes version. */
export function renderChart(valuesFile, kubeVersion = KUBE_VERSIONS[KUBE_VERSIONS.length - 1], extraArgs = []) {
  const args = ["template", "certus-trust", CHART, "--namespace", "certus", "--kube-version", kubeVersion];
  if (valuesFile) args.push("-f", join(CHART, valuesFile));
  return run(toolPath("helm"), [...args, ...extraArgs]);
}

/** Parses a multi-document YAML stream into its non-empty documents. */
export async function parseManifests(text) {
  const { parseAllDocuments } = await import("yaml");
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`YAML: ${d.errors[0].message}`);
      return d.toJS();
    })
    .filter((d) => d !== null && d !== undefined);
}

/** The chart's promises that no schema states; returns the problems found. */
export function checkChartPolicy(mode, docs) {
  const problems = [];
  const kinds = (k) => docs.filter((d) => d.kind === k);
  const [deploy] = kinds("Deployment");
  if (!deploy) return ["no Deployment rendered"];
  const pod = deploy.spec.template.spec;
  const [c] = pod.containers;
  const sc = c.securityContext ?? {};
  if (pod.securityContext?.runAsNonRoot !== true) problems.push("pod securityContext.runAsNonRoot is not true");
  if (pod.securityContext?.seccompProfile?.type !== "RuntimeDefault") problems.push("pod seccompProfile is not RuntimeDefault");
  if (sc.readOnlyRootFilesystem !== true) problems.push("container readOnlyRootFilesystem is not true");
  if (sc.allowPrivilegeEscalation !== false) problems.push("container allowPrivilegeEscalation is not false");
  if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push("container does not drop ALL capabilities");
  if (!c.resources?.requests || !c.resources?.limits) problems.push("container has no resource requests and limits");
  if (c.livenessProbe?.httpGet?.path !== "/healthz") problems.push("liveness probe is not /healthz");
  if (c.readinessProbe?.httpGet?.path !== "/readyz") problems.push("readiness probe is not /readyz");
  if (!(c.volumeMounts ?? []).some((m) => m.mountPath === "/data")) problems.push("no volume at /data");
  if (!(c.volumeMounts ?? []).some((m) => m.mountPath === "/tmp")) problems.push("no writable /tmp");
  if (kinds("NetworkPolicy").length !== 1) problems.push("no NetworkPolicy");
  if (kinds("PodDisruptionBudget").length !== 1) problems.push("no PodDisruptionBudget");
  if (kinds("ServiceAccount").length !== 1) problems.push("no ServiceAccount");
  const config = kinds("ConfigMap")[0]?.data?.["config.yaml"];
  if (!config || !config.includes(`mode: ${mode}`)) problems.push(`config.yaml does not say mode: ${mode}`);
  if (mode === "embedded") {
    if (deploy.spec.replicas !== 1) problems.push(`embedded: replicas is ${deploy.spec.replicas}, not 1`);
    if (deploy.spec.strategy?.type !== "Recreate") problems.push("embedded: strategy is not Recreate");
    if (kinds("PersistentVolumeClaim").length !== 1) problems.push("embedded: no PersistentVolumeClaim");
    if (kinds("HorizontalPodAutoscaler").length !== 0) problems.push("embedded: an HPA was rendered");
    if (kinds("PodDisruptionBudget")[0]?.spec?.maxUnavailable !== 1) problems.push("embedded: the PDB would block node drains");
  } else {
    if (kinds("HorizontalPodAutoscaler").length !== 1) problems.push("sigstore: no HPA");
    if (kinds("PersistentVolumeClaim").length !== 0) problems.push("sigstore: a PVC was rendered");
    const projected = (pod.volumes ?? []).find((v) => v.projected)?.projected?.sources?.find((s) => s.serviceAccountToken);
    if (!projected?.serviceAccountToken?.audience) problems.push("sigstore: no projected ServiceAccount token with an audience");
  }
  // Replicas share state only through PostgreSQL, whose URL (with its password) comes from a Secret.
  // (Embedded mode is one replica, checked above.)
  const postgres = /^\s*stateStore: postgres\s*$/m.test(config ?? "");
  const dbEnv = (c.env ?? []).find((e) => e.name === "CERTUS_TRUST_DATABASE_URL");
  const replicas = Math.max(deploy.spec.replicas ?? 1, kinds("HorizontalPodAutoscaler")[0]?.spec?.maxReplicas ?? 1);
  if (mode === "sigstore" && replicas > 1 && !postgres) problems.push(`sigstore: ${replicas} replicas without stateStore: postgres`);
  if (postgres && !dbEnv?.valueFrom?.secretKeyRef?.name) problems.push("stateStore postgres without CERTUS_TRUST_DATABASE_URL from a Secret");
  if (dbEnv?.value !== undefined || /databaseUrl:/.test(config ?? "")) problems.push("the database URL is written in plain values, not taken from a Secret");
  return problems;
}

/**
 * Checks configuration against src/config/config.ts's own resolver (the built dist/), if built: a
 * config.yaml the chart rendered, and/or environment variables (the compose file's).
 */
export async function checkConfigFile(configYaml, env = {}) {
  const dist = join(root, "dist", "src", "config", "config.js");
  if (!existsSync(dist)) return { checked: false, error: undefined };
  const { resolveConfig } = await import(dist);
  const file = join(tmpdir(), `certus-trust-config-${process.pid}-${Date.now()}.yaml`);
  writeFileSync(file, configYaml);
  try {
    resolveConfig({ config: file }, env);
    return { checked: true, error: undefined };
  } catch (err) {
    return { checked: true, error: err instanceof Error ? err.message : String(err) };
  } finally {
    rmSync(file, { force: true });
  }
}

/** The compose file's promises: every depends_on names a service and, for service_healthy, one with a health check. */
export function checkComposePolicy(doc) {
  const problems = [];
  const services = doc.services ?? {};
  for (const [name, s] of Object.entries(services)) {
    const oneShot = s.restart === "no";
    if (!oneShot && !s.healthcheck) problems.push(`${name}: no healthcheck`);
    if (!oneShot && !String(s.image ?? "").match(/:[\w][\w.-]*(@sha256:[0-9a-f]{64})?$/) && !s.build)
      problems.push(`${name}: image ${s.image} has no pinned tag`);
    if (String(s.image ?? "").endsWith(":latest")) problems.push(`${name}: image uses :latest`);
    for (const [dep, cond] of Object.entries(s.depends_on ?? {})) {
      const target = services[dep];
      if (!target) problems.push(`${name}: depends_on names unknown service ${dep}`);
      else if (cond.condition === "service_healthy" && !target.healthcheck) problems.push(`${name}: waits for ${dep} to be healthy, which has no healthcheck`);
      else if (cond.condition !== "service_healthy" && cond.condition !== "service_completed_successfully")
        problems.push(`${name}: depends_on ${dep} without a health or completion condition`);
    }
    for (const v of s.volumes ?? []) {
      const src = typeof v === "string" ? v.split(":")[0] : v.source;
      if (src?.startsWith(".") && !existsSync(join(root, src))) problems.push(`${name}: bind mount source ${src} does not exist`);
    }
  }
  for (const [name, sec] of Object.entries(doc.secrets ?? {})) {
    if (sec.file && !existsSync(join(root, sec.file))) problems.push(`secret ${name}: file ${sec.file} does not exist`);
  }
  return problems;
}

/** The realm's promises: the two clients, confidential, with client-credentials (service accounts). */
export function checkRealm(realm) {
  const problems = [];
  for (const id of ["certus-assurance", "certus-trust"]) {
    const c = (realm.clients ?? []).find((x) => x.clientId === id);
    if (!c) problems.push(`realm: no client ${id}`);
    else if (c.serviceAccountsEnabled !== true || c.publicClient !== false) problems.push(`realm: client ${id} has no client-credentials grant`);
    else {
      // Fulcio certifies an email identity only with email_verified true. Keycloak's default
      // `email` client scope writes both claims from the service-account user and overrides a
      // hard-coded claim mapper, so the verified email must be the user's own.
      const user = (realm.users ?? []).find((u) => u.serviceAccountClientId === id);
      if (!user || typeof user.email !== "string" || user.emailVerified !== true) {
        problems.push(`realm: client ${id}'s service-account user has no verified email (Fulcio refuses email_verified false)`);
      }
      const hardcoded = (c.protocolMappers ?? []).filter(
        (m) => m.protocolMapper === "oidc-hardcoded-claim-mapper" && ["email", "email_verified"].includes(m.config?.["claim.name"]),
      );
      if (hardcoded.length > 0)
        problems.push(`realm: client ${id} hard-codes ${hardcoded.map((m) => m.config["claim.name"]).join(", ")}, which the email scope overrides`);
    }
  }
  return problems;
}

/** The Dockerfile's shape (no engine here builds it). */
export function checkDockerfile(text) {
  const problems = [];
  const need = [
    [/^FROM node:24[\w.-]* AS build$|^FROM \$\{NODE_IMAGE\} AS build$/m, "a build stage on Node 24"],
    [/^ARG NODE_IMAGE=node:24-/m, "the Node 24 base pinned in ARG NODE_IMAGE"],
    [/npm ci/, "npm ci"],
    [/npm run build/, "npm run build"],
    [/npm prune --omit=dev/, "npm prune --omit=dev"],
    [/^USER 10001:10001$/m, "a non-root USER"],
    [/^EXPOSE 8888$/m, "EXPOSE 8888"],
    [/^HEALTHCHECK [\s\S]*\/readyz/m, "a HEALTHCHECK on /readyz"],
    [/^ENTRYPOINT \["node", "dist\/src\/main\.js", "serve"\]$/m, 'ENTRYPOINT ["node","dist/src/main.js","serve"]'],
    [/CERTUS_TRUST_DATA_DIR=\/data/, "CERTUS_TRUST_DATA_DIR=/data"],
  ];
  for (const [re, what] of need) if (!re.test(text)) problems.push(`Dockerfile: no ${what}`);
  return problems;
}

/** Validates the compose file with the best parser available; says which one it used. */
export function validateCompose() {
  const file = join(root, "docker-compose.yml");
  const docker = run("docker", ["compose", "version"]);
  if (docker.code === 0) {
    const r = run("docker", ["compose", "-f", file, "config", "-q"]);
    return { how: "docker compose config -q", ok: r.code === 0, output: r.stderr || r.stdout };
  }
  const r = run(toolPath("composeSpec"), [file]);
  return {
    how: `compose-go ${TOOLS.composeSpec.version} reference loader (the Docker client here has no compose plugin: "${docker.stderr.trim().split("\n")[0]}")`,
    ok: r.code === 0,
    output: r.code === 0 ? "" : r.stderr || r.stdout,
  };
}

/**
 * Everything, in order. Resolves with { ok, lines } where lines say what was checked and how;
 * throws only when a tool cannot be had.
 */
export async function validateDeploy({ print = log } = {}) {
  const problems = [];
  const note = (ok, what) => {
    print(`${ok ? "ok  " : "FAIL"} ${what}`);
    if (!ok) problems.push(what);
  };
  const t0 = Date.now();
  for (const name of Object.keys(TOOLS)) await ensureGoTool(name);
  ensureKubeSchemas();
  const records = buildRecords();
  print(
    `tools: ${Object.entries(records)
      .map(([n, r]) => `${n} ${r?.version} (first build ${r?.seconds} s)`)
      .join(", ")}`,
  );

  // Helm: lint, strict, on the chart alone and with each values file.
  for (const values of [undefined, ...VALUES_FILES]) {
    const args = ["lint", "--strict", CHART, "--kube-version", KUBE_VERSIONS[KUBE_VERSIONS.length - 1]];
    if (values) args.push("-f", join(CHART, values));
    const r = run(toolPath("helm"), args);
    note(r.code === 0, `helm lint --strict k8s/certus-trust${values ? ` -f ${values}` : ""}${r.code === 0 ? "" : `\n${r.stdout}${r.stderr}`}`);
  }
  // Render and check against the Kubernetes schemas, for each supported version.
  for (const values of [undefined, ...VALUES_FILES]) {
    for (const kv of KUBE_VERSIONS) {
      const rendered = renderChart(values, kv);
      if (rendered.code !== 0) {
        note(false, `helm template ${values ?? "(defaults)"} --kube-version ${kv}: ${rendered.stderr}`);
        continue;
      }
      const k = run(toolPath("kubeconform"), ["-strict", "-summary", "-kubernetes-version", kv, "-schema-location", schemaLocation(), "-"], rendered.stdout);
      note(k.code === 0, `kubeconform -strict (Kubernetes ${kv} schemas) on helm template ${values ?? "(defaults)"}: ${(k.stdout + k.stderr).trim()}`);
    }
    const docs = await parseManifests(renderChart(values).stdout);
    const mode = values === "values-sigstore.yaml" ? "sigstore" : "embedded";
    const policy = checkChartPolicy(mode, docs);
    note(policy.length === 0, `chart policy (${mode}) for ${values ?? "(defaults)"}${policy.length ? `: ${policy.join("; ")}` : ""}`);
    const config = docs.find((d) => d.kind === "ConfigMap")?.data?.["config.yaml"] ?? "";
    // The database URL the pod gets from its Secret, as a stand-in (the Secret is not in the chart).
    const podEnv = docs.find((d) => d.kind === "Deployment")?.spec?.template?.spec?.containers?.[0]?.env ?? [];
    const secretEnv = Object.fromEntries(
      podEnv
        .filter((e) => e.name === "CERTUS_TRUST_DATABASE_URL" && e.valueFrom?.secretKeyRef)
        .map((e) => [e.name, "postgres://certus@db.example.internal:5432/certus?sslmode=verify-full"]),
    );
    const cfg = await checkConfigFile(config, secretEnv);
    if (!cfg.checked) print(`skip config.yaml of ${values ?? "(defaults)"} against src/config/config.ts: dist/ is not built`);
    else
      note(
        cfg.error === undefined,
        `config.yaml of ${values ?? "(defaults)"} accepted by src/config/config.ts resolveConfig${cfg.error ? `: ${cfg.error}` : ""}`,
      );
  }
  // The embedded overlay must refuse a second replica and an autoscaler.
  for (const set of ["replicaCount=2", "autoscaling.enabled=true"]) {
    const r = renderChart("values-embedded.yaml", undefined, ["--set", set]);
    note(r.code !== 0 && /embedded mode/.test(r.stderr), `embedded mode refuses --set ${set}`);
  }
  // More than one replica only with the PostgreSQL state store, whose URL comes from a Secret.
  for (const sets of [["stateStore=file"], ["stateStore=file", "autoscaling.enabled=false", "replicaCount=3"], ["database.existingSecret="]]) {
    const r = renderChart(
      "values-sigstore.yaml",
      undefined,
      sets.flatMap((x) => ["--set", x]),
    );
    note(r.code !== 0 && /stateStore|database\.existingSecret/.test(r.stderr), `sigstore mode refuses --set ${sets.join(" --set ")}`);
  }

  // Compose.
  const compose = validateCompose();
  note(compose.ok, `docker-compose.yml parsed and validated by ${compose.how}${compose.ok ? "" : `: ${compose.output}`}`);
  const { parse } = await import("yaml");
  const composeDoc = parse(readFileSync(join(root, "docker-compose.yml"), "utf8"));
  const composeProblems = checkComposePolicy(composeDoc);
  note(
    composeProblems.length === 0,
    `compose start order, health checks, pinned tags, bind mounts${composeProblems.length ? `: ${composeProblems.join("; ")}` : ""}`,
  );
  // The trust service's environment, with compose's ${VAR:-default} taken at its default.
  const trustEnv = Object.fromEntries(
    Object.entries(composeDoc.services?.trust?.environment ?? {}).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, "$1")]),
  );
  const envCheck = await checkConfigFile("", trustEnv);
  if (!envCheck.checked) print("skip the compose trust environment against src/config/config.ts: dist/ is not built");
  else
    note(
      envCheck.error === undefined,
      `compose trust environment (mode ${trustEnv.CERTUS_TRUST_MODE}) accepted by src/config/config.ts resolveConfig${envCheck.error ? `: ${envCheck.error}` : ""}`,
    );
  const realmProblems = checkRealm(JSON.parse(readFileSync(join(root, "deploy", "keycloak", "certus-realm.json"), "utf8")));
  note(realmProblems.length === 0, `Keycloak realm clients certus-assurance and certus-trust${realmProblems.length ? `: ${realmProblems.join("; ")}` : ""}`);
  const dockerProblems = checkDockerfile(readFileSync(join(root, "Dockerfile"), "utf8"));
  note(
    dockerProblems.length === 0,
    `Dockerfile shape (structural only: no Docker engine builds it here)${dockerProblems.length ? `: ${dockerProblems.join("; ")}` : ""}`,
  );

  print(`${problems.length === 0 ? "all checks passed" : `${problems.length} problem(s)`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { ok: problems.length === 0, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  try {
    if (args.includes("--tools-only")) {
      for (const name of Object.keys(TOOLS)) await ensureGoTool(name);
      ensureKubeSchemas();
    } else {
      const { ok } = await validateDeploy();
      process.exit(ok ? 0 : 1);
    }
  } catch (err) {
    log(`cannot validate: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(args.includes("--optional") ? 0 : 1);
  }
}
