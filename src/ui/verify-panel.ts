/**
 * The "verify a bundle" form: paste or drop a bundle, give the digest and the expected signer,
 * see the service's verdict with its failure codes.
 */
import { parseBundle, TrustError, verifyBundle, type TrustClient, type VerifyResponse } from "@certus/trust-sdk/web";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { byId, el, show } from "./dom.js";

/** The largest file the form reads, in bytes (the SDK refuses larger bundles anyway). */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

export function startVerifyPanel(client: TrustClient): void {
  const form = byId("verify-form", HTMLFormElement);
  const bundle = byId("verify-bundle", HTMLTextAreaElement);
  const file = byId("verify-file", HTMLInputElement);
  const digest = byId("verify-digest", HTMLInputElement);
  const subject = byId("verify-subject", HTMLInputElement);
  const issuer = byId("verify-issuer", HTMLInputElement);
  const result = byId("verify-result");

  const readFile = async (f: File | undefined) => {
    if (!f) return;
    if (f.size > MAX_FILE_BYTES) {
      show(result, el("p", { class: "bad" }, `${f.name} is larger than ${MAX_FILE_BYTES} bytes; it is not a bundle`));
      return;
    }
    bundle.value = await f.text();
  };
  file.addEventListener("change", () => void readFile(file.files?.[0]));
  bundle.addEventListener("dragover", (ev) => {
    ev.preventDefault();
    bundle.classList.add("dragging");
  });
  bundle.addEventListener("dragleave", () => bundle.classList.remove("dragging"));
  bundle.addEventListener("drop", (ev) => {
    ev.preventDefault();
    bundle.classList.remove("dragging");
    void readFile(ev.dataTransfer?.files[0]);
  });

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    show(result, el("p", { class: "muted" }, "verifying…"));
    void (async () => {
      try {
        const parsed = parseBundle(bundle.value);
        const verdict = await verifyBundle(client, parsed, digest.value.trim(), { subject: subject.value.trim(), issuer: issuer.value.trim() });
        show(result, ...verdictView(verdict));
      } catch (err) {
        const e = TrustError.from(err);
        show(result, el("p", { class: "verdict bad", "data-verdict": "error" }, `Cannot verify (${e.codeName})`), el("p", {}, e.rawMessage));
      }
    })();
  });
}

/** Which Rekor and which of its trees (shards) the entry is in, when the service says. */
function entryOrigin(v: VerifyResponse): string {
  const e = v.entry;
  if (!e || e.rekorVersion === 0) return "";
  const shard = e.shard ? `, tree ${e.shard}${e.shardLogIndex !== e.logIndex ? ` at index ${e.shardLogIndex}` : ""}` : "";
  return ` (Rekor v${e.rekorVersion}${shard})`;
}

function verdictView(v: VerifyResponse): Node[] {
  if (v.verified) {
    return [
      el("p", { class: "verdict ok", "data-verdict": "verified" }, "✓ verified"),
      el("p", {}, `Signed by ${v.signer?.subject ?? "?"} (issuer ${v.signer?.issuer ?? "?"}), log entry ${v.entry?.logIndex ?? "?"}${entryOrigin(v)}`),
      el("ul", {}, ...v.timestamps.map((t) => el("li", {}, `${t.source}: ${t.time ? timestampDate(t.time).toISOString() : "?"}`))),
    ];
  }
  return [
    el("p", { class: "verdict bad", "data-verdict": "not-verified" }, "✗ not verified"),
    el("ul", { class: "failures" }, ...v.failures.map((f) => el("li", { "data-code": f.code }, el("strong", {}, f.code), ` — ${f.message}`))),
  ];
}
