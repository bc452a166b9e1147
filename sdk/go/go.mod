module github.com/certus-tap/certus-trust/sdk/go

go 1.24.0

require (
	connectrpc.com/connect v1.19.1
	github.com/sigstore/protobuf-specs v0.5.2
	google.golang.org/genproto/googleapis/rpc v0.0.0-20230706204954-ccb25ca9f130
	google.golang.org/protobuf v1.36.11
)

require (
	google.golang.org/genproto v0.0.0-20230706204954-ccb25ca9f130 // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20230726155614-23370e0ffb3e // indirect
)
