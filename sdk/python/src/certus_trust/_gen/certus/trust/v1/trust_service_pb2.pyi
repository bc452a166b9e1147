from certus_trust._gen.certus.trust.v1 import certus_integration_pb2 as _certus_integration_pb2
from certus_trust._gen.certus.trust.v1 import keys_pb2 as _keys_pb2
from certus_trust._gen.certus.trust.v1 import sign_pb2 as _sign_pb2
from certus_trust._gen.certus.trust.v1 import transparency_pb2 as _transparency_pb2
from certus_trust._gen.certus.trust.v1 import verify_pb2 as _verify_pb2
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
