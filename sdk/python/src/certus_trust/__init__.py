"""certus_trust: the Python client for Certus-Trust.

``TrustClient`` (sync) and ``AsyncTrustClient`` (asyncio) call the service over gRPC or Connect;
messages live in :mod:`certus_trust.v1`; failures raise :class:`TrustError`.
"""

from ._aio import AsyncTrustClient
from ._client import TrustClient
from ._errors import Code, FieldViolation, TrustError

__all__ = ["AsyncTrustClient", "Code", "FieldViolation", "TrustClient", "TrustError"]
__version__ = "0.1.0"
