"""Verifies bundles with sigstore-python, as a user of its public API would, for the differential test.

Reads one JSON object per line on stdin:
  {"bundle": path, "root": path, "artifact": path | null, "digest": "<alg>:<hex>" | null,
   "identity": str | null, "issuer": str | null}
and writes one JSON object per line: {"verified": bool, "error": str}.

A message signature is checked with Verifier.verify_artifact (the bytes, or a sha256 digest as
Hashed); a DSSE envelope with Verifier.verify_dsse and then, as its documentation requires of the
caller, the payload's binding to the artifact: an in-toto statement's subject digests (sha256 or
sha512), or for another payload type the payload itself. Without an identity the certificate
identity is not checked (UnsafeNoOp): the differential is about the bundle's cryptography.
"""

import hashlib
import json
import sys

from sigstore.hashes import Hashed
from sigstore.models import Bundle, TrustedRoot
from sigstore.verify import Verifier
from sigstore.verify.policy import Identity, UnsafeNoOp
from sigstore_models.common.v1 import HashAlgorithm

IN_TOTO = "application/vnd.in-toto+json"
ALGORITHMS = {"sha256": HashAlgorithm.SHA2_256, "sha384": HashAlgorithm.SHA2_384, "sha512": HashAlgorithm.SHA2_512}


def artifact_digest(case, algorithm):
    if case.get("artifact"):
        with open(case["artifact"], "rb") as f:
            return hashlib.new(algorithm, f.read()).hexdigest()
    alg, _, hexdigest = case["digest"].partition(":")
    return hexdigest.lower() if alg == algorithm else None


def check_binding(case, payload_type, payload):
    if payload_type != IN_TOTO:
        if case.get("artifact"):
            with open(case["artifact"], "rb") as f:
                ok = f.read() == payload
        else:
            alg, _, hexdigest = case["digest"].partition(":")
            ok = hashlib.new(alg, payload).hexdigest() == hexdigest.lower()
        if not ok:
            raise ValueError("DSSE payload is not the artifact")
        return
    statement = json.loads(payload)
    for subject in statement.get("subject", []):
        for alg, value in subject.get("digest", {}).items():
            if alg in ALGORITHMS and artifact_digest(case, alg) == value.lower():
                return
    raise ValueError("no in-toto subject names the artifact")


def verify(case):
    verifier = Verifier(trusted_root=TrustedRoot.from_file(case["root"]))
    with open(case["bundle"], "rb") as f:
        bundle = Bundle.from_json(f.read())
    policy = Identity(identity=case["identity"], issuer=case.get("issuer")) if case.get("identity") else UnsafeNoOp()
    if bundle._dsse_envelope is not None:
        payload_type, payload = verifier.verify_dsse(bundle, policy)
        check_binding(case, payload_type, payload)
        return
    if case.get("artifact"):
        with open(case["artifact"], "rb") as f:
            verifier.verify_artifact(f.read(), bundle, policy)
        return
    alg, _, hexdigest = case["digest"].partition(":")
    verifier.verify_artifact(Hashed(algorithm=ALGORITHMS[alg], digest=bytes.fromhex(hexdigest)), bundle, policy)


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        try:
            verify(case)
            out = {"verified": True, "error": ""}
        except Exception as err:  # every failure is a verdict here, with its type for the record
            out = {"verified": False, "error": f"{type(err).__name__}: {err}"[:300]}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
