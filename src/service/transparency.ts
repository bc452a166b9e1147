/**
 * `GetTransparency`: entries by artifact digest, signer subject, log index or uuid, each with an
 * inclusion proof against the latest checkpoint (or a requested tree size); or a consistency proof
 * between two tree sizes. Digest and subject lookups are indexed and complete for everything this
 * log holds, and paginated.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  GetTransparencyResponseSchema,
  type GetTransparencyRequest,
  type GetTransparencyResponse,
  type TransparencyEntry,
} from "@certus/trust-sdk";
import { InvalidArgumentError } from "../errors.js";
import type { EntryPage, LogEntry, TransparencyLog } from "../sigstore/transparency-log.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import { parseDigest } from "../rpc/validate.js";

/** Default and largest page size. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const MAX_SUBJECT_CHARS = 1024;

function toSafeNumber(field: string, v: bigint): number {
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError(field, `${v} is out of range; expected 0 or more`);
  return Number(v);
}

export function createGetTransparencyHandler(log: TransparencyLog) {
  async function entryWithProof(e: LogEntry, treeSize: number): Promise<TransparencyEntry> {
    const proof = await log.inclusionProof(e.logIndex, treeSize);
    return {
      $typeName: "certus.trust.v1.TransparencyEntry",
      logIndex: BigInt(e.logIndex),
      uuid: e.uuid,
      body: e.canonicalizedBody,
      integratedTime: timestampFromMs(e.integratedTime * 1000),
      kindVersion: `${e.kindVersion.kind}/${e.kindVersion.version}`,
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

  return async function getTransparency(req: GetTransparencyRequest): Promise<GetTransparencyResponse> {
    const selectors = [req.digest !== "", req.subject !== "", req.logIndex !== undefined, req.uuid !== "", req.firstSize !== 0n || req.lastSize !== 0n].filter(Boolean).length;
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
        checkpoint: (await log.checkpointAt(last))?.envelope ?? "",
      };
      return response;
    }

    const treeSize = req.treeSize === 0n ? latest.treeSize : toSafeNumber("treeSize", req.treeSize);
    if (treeSize > latest.treeSize) throw new InvalidArgumentError("treeSize", `${treeSize} is beyond the tree size ${latest.treeSize}`);
    if (req.logIndex !== undefined) {
      const index = toSafeNumber("logIndex", req.logIndex);
      response.entries = [await entryWithProof(await log.entryByIndex(index), treeSize)];
      return response;
    }
    if (req.uuid !== "") {
      response.entries = [await entryWithProof(await log.entryByUuid(req.uuid), treeSize)];
      return response;
    }
    const pageSize = req.pageSize === 0 ? DEFAULT_PAGE_SIZE : req.pageSize;
    if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw new InvalidArgumentError("pageSize", `${req.pageSize} is out of range; expected 1 to ${MAX_PAGE_SIZE}`);
    let query: string;
    let find: (after: number) => Promise<EntryPage>;
    if (req.digest !== "") {
      parseDigest("digest", req.digest);
      query = `digest:${req.digest}`;
      find = (after) => log.search({ artifactDigest: req.digest }, { pageSize, afterIndex: after });
    } else {
      if (req.subject.length > MAX_SUBJECT_CHARS) throw new InvalidArgumentError("subject", `is longer than ${MAX_SUBJECT_CHARS} characters`);
      query = `subject:${req.subject}`;
      find = (after) => log.search({ signerSubject: req.subject }, { pageSize, afterIndex: after });
    }
    const page = await find(decodePageToken(query, req.pageToken));
    // Entries beyond a requested (older) tree size are not in that tree.
    response.entries = await Promise.all(page.entries.filter((e) => e.logIndex < treeSize).map((e) => entryWithProof(e, treeSize)));
    response.nextPageToken = page.nextAfterIndex === undefined ? "" : encodePageToken(query, page.nextAfterIndex);
    return response;
  };
}
