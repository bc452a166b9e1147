/**
 * Search the log by digest, signer subject, UUID or index (GetTransparency) and show each entry
 * with its inclusion proof, checked in the browser against the proof's root hash and checkpoint.
 */
import { TrustError, type GetTransparencyRequestInit, type TransparencyEntry, type TrustClient } from "@certus/trust-sdk/web";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { byId, el, show } from "./dom.js";
import { equalBytes, toHex } from "./encoding.js";
import { parseCheckpoint } from "./checkpoint-note.js";
import { leafHash, verifyInclusion } from "./merkle.js";

/** Entries asked for per page. */
const PAGE_SIZE = 20;

/** Reads what a person typed as the one query field it means. */
export function queryOf(text: string): GetTransparencyRequestInit {
  const q = text.trim();
  if (/^sha256:[0-9a-fA-F]{64}$/.test(q)) return { digest: q.toLowerCase() };
  if (/^[0-9a-fA-F]{64}$/.test(q)) return { uuid: q.toLowerCase() };
  if (/^\d{1,18}$/.test(q)) return { logIndex: BigInt(q) };
  return { subject: q };
}

export function startSearchPanel(client: TrustClient): void {
  const form = byId("search-form", HTMLFormElement);
  const input = byId("search-q", HTMLInputElement);
  const status = byId("search-status");
  const results = byId("search-results");
  const more = byId("search-more", HTMLButtonElement);
  let query: GetTransparencyRequestInit = {};
  let pageToken = "";

  async function load(append: boolean): Promise<void> {
    status.textContent = "searching…";
    more.hidden = true;
    try {
      const res = await client.getTransparency({ ...query, pageSize: PAGE_SIZE, pageToken });
      if (!append) show(results);
      for (const entry of res.entries) results.append(await entryView(entry));
      const shown = results.childElementCount;
      status.textContent = shown === 0 ? "no entries found" : `${shown} entr${shown === 1 ? "y" : "ies"}`;
      pageToken = res.nextPageToken;
      more.hidden = pageToken === "";
    } catch (err) {
      if (!append) show(results);
      const e = TrustError.from(err);
      status.textContent = e.codeName === "not_found" ? "no entries found" : `error (${e.codeName}): ${e.rawMessage}`;
    }
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    query = queryOf(input.value);
    pageToken = "";
    void load(false);
  });
  more.addEventListener("click", () => void load(true));
}

async function entryView(entry: TransparencyEntry): Promise<HTMLElement> {
  const proof = entry.inclusionProof;
  const time = entry.integratedTime ? timestampDate(entry.integratedTime).toISOString() : "";
  const card = el(
    "article",
    { class: "entry", "data-log-index": entry.logIndex.toString() },
    el("h3", {}, `Entry ${entry.logIndex}`),
    el("div", {}, "UUID ", el("code", { class: "uuid" }, entry.uuid)),
    el("div", {}, `Kind ${entry.kindVersion} · integrated ${time}`),
  );
  if (!proof) {
    card.append(el("p", { class: "bad" }, "no inclusion proof"));
    return card;
  }
  const leaf = await leafHash(entry.body);
  const checkpoint = parseCheckpoint(proof.checkpoint);
  const proven =
    toHex(leaf) === entry.uuid &&
    checkpoint !== undefined &&
    checkpoint.treeSize === proof.treeSize &&
    equalBytes(checkpoint.rootHash, proof.rootHash) &&
    (await verifyInclusion(leaf, entry.logIndex, proof.treeSize, proof.hashes, proof.rootHash));
  card.append(
    el(
      "section",
      { class: "proof" },
      el("h4", {}, "Inclusion proof"),
      el("div", {}, `Tree size ${proof.treeSize} · root hash `, el("code", {}, toHex(proof.rootHash))),
      el("div", {}, `Audit path (${proof.hashes.length} hash${proof.hashes.length === 1 ? "" : "es"}, leaf to root):`),
      el("ol", { class: "hashes" }, ...proof.hashes.map((h) => el("li", {}, el("code", {}, toHex(h))))),
      el(
        "p",
        { class: `proof-check ${proven ? "ok" : "bad"}` },
        proven ? "✓ proof checked in this browser: the entry leads to the checkpoint's root hash" : "✗ the proof does not lead to the checkpoint's root hash",
      ),
      el("details", {}, el("summary", {}, "Signed checkpoint"), el("pre", {}, proof.checkpoint)),
    ),
  );
  return card;
}
