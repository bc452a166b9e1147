/**
 * `GetTransparency` over the {@link TransparencyLog} port, in either mode: entries by artifact
 * digest, signer subject, log index or uuid, each with an inclusion proof against the latest
 * checkpoint (or a requested tree size); or a consistency proof between two tree sizes.
 *
 * Digest and subject lookups are paginated: a page holds at most `pageSize` entries and at most
 * {@link MAX_PAGE_BYTES} of entry bodies and proofs (the page ends early, with a token, when the
 * next entry would pass it), read from the log {@link READ_BATCH} rows at a time, yielding to other
 * requests in between. Entries planted with large bodies therefore cannot make one lookup hold more
 * than that in memory (issue #14: 80 planted entries once made one lookup answer 45.6 MB and take
 * RSS to 2.68 GB). Their scope depends on the log and is stated on every answer, in the
 * `searchScope` field and the `certus-search-scope` response header: `log` (the embedded log and Rekor v1 index every entry
 * they hold) or `service` (Rekor v2 has no search: the answer covers the entries this service
 * wrote, from its own entry index — signatures others logged are found by index only). A question
 * the log cannot answer at all (a UUID on Rekor v2) is `unimplemented`, naming where the answer is.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  GetTransparencyResponseSchema,
  SearchScope as SearchScopeProto,
  type GetTransparencyRequest,
  type GetTransparencyResponse,
  type TransparencyEntry,
} from "@certus/trust-sdk";
import { rekorVersionOf, shardOf } from "../sigstore/verify/rekor-version.js";
import { InvalidArgumentError, NotFoundError } from "../errors.js";
import type { HandlerContext } from "@connectrpc/connect";
import type { EntryPage, LogEntry, TransparencyLog } from "../sigstore/transparency-log.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import { parseDigest } from "../rpc/validate.js";

/** Default and largest page size. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const MAX_SUBJECT_CHARS = 1024;
/** Most bytes of entry bodies, proof hashes and checkpoints in one page (at least one entry is always returned). */
export const MAX_PAGE_BYTES = 512 * 1024;
/** Rows read from the log per step while a page is filled. */
export const READ_BATCH = 25;

/** What an entry with its proof weighs in a response, roughly, in bytes. */
function weight(e: TransparencyEntry): number {
  return e.body.length + (e.inclusionProof?.hashes.length ?? 0) * 32 + (e.inclusionProof?.checkpoint.length ?? 0) + 256;
}

function toSafeNumber(field: string, v: bigint): number {
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError(field, `${v} is out of range; expected 0 or more`);
  return Number(v);
}

/** The response header naming what a digest or subject search covers. */
export const SEARCH_SCOPE_HEADER = "certus-search-scope";

/**
 * What a digest or subject search covers: `log` (every entry the log holds) or `service` (the
 * entries this service wrote, from its entry index: Rekor v2).
 */
export type SearchScope = "log" | "service";

export function createGetTransparencyHandler(log: TransparencyLog, searchScope: SearchScope = "log") {
  /** The entry with its own proof (against the checkpoint it came with), or one at `treeSize` when asked for. */
  async function entryWithProof(e: LogEntry, treeSize: number | undefined): Promise<TransparencyEntry> {
    const proof = treeSize === undefined || e.inclusionProof.treeSize === treeSize ? e.inclusionProof : await log.inclusionProof(e.logIndex, treeSize);
    return {
      $typeName: "certus.trust.v1.TransparencyEntry",
      logIndex: BigInt(e.logIndex),
      uuid: e.uuid,
      body: e.canonicalizedBody,
      // Rekor v2 gives no integrated time (the TSA's timestamp dates the signature).
      integratedTime: e.integratedTime > 0 ? timestampFromMs(e.integratedTime * 1000) : undefined,
      kindVersion: `${e.kindVersion.kind}/${e.kindVersion.version}`,
      rekorVersion: rekorVersionOf(e),
      shard: shardOf({ inclusionProof: { checkpoint: { envelope: proof.checkpoint?.envelope ?? "" } } }) ?? "",
      inclusionProof: {
        $typeName: "certus.trust.v1.InclusionProof",
        logIndex: BigInt(proof.logIndex),
        treeSize: BigInt(proof.treeSize),
        rootHash: proof.rootHash,
        hashes: [...proof.hashes],
        checkpoint: proof.checkpoint?.envelope ?? "",
      },
    };
  }

  return async function getTransparency(req: GetTransparencyRequest, ctx?: HandlerContext): Promise<GetTransparencyResponse> {
    const selectors = [req.digest !== "", req.subject !== "", req.logIndex !== undefined, req.uuid !== "", req.firstSize !== 0n || req.lastSize !== 0n].filter(
      Boolean,
    ).length;
    if (selectors > 1) throw new InvalidArgumentError("request", "set only one of digest, subject, logIndex, uuid, or firstSize with lastSize");
    const latest = await log.latestCheckpoint();
    const response = create(GetTransparencyResponseSchema, { checkpoint: latest.envelope });
    // No selector: just the latest signed checkpoint (what monitors and auditors poll).
    if (selectors === 0) {
      if (req.pageToken !== "" || req.treeSize !== 0n) throw new InvalidArgumentError("pageToken", "needs a digest or subject query");
      return response;
    }

    if (req.firstSize !== 0n || req.lastSize !== 0n) {
      const first = toSafeNumber("firstSize", req.firstSize);
      const last = req.lastSize === 0n ? latest.treeSize : toSafeNumber("lastSize", req.lastSize);
      if (first < 1) throw new InvalidArgumentError("firstSize", "must be at least 1");
      if (first > last) throw new InvalidArgumentError("firstSize", `${first} is larger than lastSize ${last}`);
      if (last > latest.treeSize) throw new InvalidArgumentError("lastSize", `${last} is beyond the tree size ${latest.treeSize}`);
      const proof = await log.consistencyProof(first, last);
      response.consistencyProof = {
        $typeName: "certus.trust.v1.ConsistencyProof",
        firstSize: BigInt(first),
        lastSize: BigInt(last),
        hashes: [...proof.hashes],
        checkpoint: last === latest.treeSize ? latest.envelope : ((await log.checkpointAt(last).catch(() => undefined))?.envelope ?? ""),
      };
      return response;
    }

    // Without a tree size, each entry comes with the proof against the checkpoint it was read
    // with (the latest, or newer for a log that grew meanwhile).
    const requested = req.treeSize === 0n ? undefined : toSafeNumber("treeSize", req.treeSize);
    if (requested !== undefined && requested > latest.treeSize)
      throw new InvalidArgumentError("treeSize", `${requested} is beyond the tree size ${latest.treeSize}`);
    if (req.logIndex !== undefined) {
      const index = toSafeNumber("logIndex", req.logIndex);
      if (requested !== undefined && index >= requested) throw new NotFoundError(`no entry ${index} in the tree of ${requested}`);
      response.entries = [await entryWithProof(await log.entryByIndex(index), requested)];
      return response;
    }
    if (req.uuid !== "") {
      const e = await log.entryByUuid(req.uuid);
      if (requested !== undefined && e.logIndex >= requested) throw new NotFoundError(`entry ${req.uuid} is not in the tree of ${requested}`);
      response.entries = [await entryWithProof(e, requested)];
      return response;
    }
    const pageSize = req.pageSize === 0 ? DEFAULT_PAGE_SIZE : req.pageSize;
    if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw new InvalidArgumentError("pageSize", `${req.pageSize} is out of range; expected 1 to ${MAX_PAGE_SIZE}`);
    let query: string;
    let find: (after: number, size: number) => Promise<EntryPage>;
    if (req.digest !== "") {
      parseDigest("digest", req.digest);
      query = `digest:${req.digest}`;
      find = (after, size) => log.search({ artifactDigest: req.digest }, { pageSize: size, afterIndex: after });
    } else {
      if (req.subject.length > MAX_SUBJECT_CHARS) throw new InvalidArgumentError("subject", `is longer than ${MAX_SUBJECT_CHARS} characters`);
      query = `subject:${req.subject}`;
      find = (after, size) => log.search({ signerSubject: req.subject }, { pageSize: size, afterIndex: after });
    }
    ctx?.responseHeader.set(SEARCH_SCOPE_HEADER, searchScope);
    // Fill the page a few rows at a time, within both bounds.
    let after = decodePageToken(query, req.pageToken);
    let bytes = 0;
    let more = true;
    const entries: TransparencyEntry[] = [];
    fill: while (more && entries.length < pageSize) {
      const page = await find(after, Math.min(READ_BATCH, pageSize - entries.length));
      for (const e of page.entries) {
        // Entries beyond a requested (older) tree size are not in that tree.
        if (requested !== undefined && e.logIndex >= requested) {
          more = false;
          break fill;
        }
        const withProof = await entryWithProof(e, requested);
        if (entries.length > 0 && bytes + weight(withProof) > MAX_PAGE_BYTES) break fill;
        entries.push(withProof);
        bytes += weight(withProof);
        after = e.logIndex;
      }
      more = page.nextAfterIndex !== undefined;
      // Let other requests in between batches (proofs are computed here, on the main thread).
      if (more) await new Promise((r) => setImmediate(r));
    }
    response.entries = entries;
    response.searchScope = searchScope === "service" ? SearchScopeProto.SERVICE : SearchScopeProto.LOG;
    response.nextPageToken = more ? encodePageToken(query, after) : "";
    return response;
  };
}
