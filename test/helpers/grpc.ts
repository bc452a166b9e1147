/**
 * An independent gRPC client for tests: @grpc/grpc-js over h2c, with messages encoded by the
 * generated schemas. Nothing of Connect is on this path, so it checks the server speaks gRPC.
 */
import * as grpc from "@grpc/grpc-js";
import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

export function grpcClient(port: number): grpc.Client {
  return new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

export function grpcUnary<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client,
  path: string,
  inSchema: I,
  outSchema: O,
  message: MessageShape<I>,
  metadata = new grpc.Metadata(),
): Promise<MessageShape<O>> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      (m: MessageShape<I>) => Buffer.from(toBinary(inSchema, m)),
      (b: Buffer) => fromBinary(outSchema, b),
      message,
      metadata,
      (err, res) => (err ? reject(err) : resolve(res!)),
    );
  });
}

/** Sends the given requests on a bidi stream and collects every answer until the server ends. */
export function grpcBidi<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client,
  path: string,
  inSchema: I,
  outSchema: O,
  messages: MessageShape<I>[],
): Promise<MessageShape<O>[]> {
  return new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest(
      path,
      (m: MessageShape<I>) => Buffer.from(toBinary(inSchema, m)),
      (b: Buffer) => fromBinary(outSchema, b),
    );
    const out: MessageShape<O>[] = [];
    call.on("data", (d: MessageShape<O>) => out.push(d));
    call.on("error", reject);
    call.on("end", () => resolve(out));
    for (const m of messages) call.write(m);
    call.end();
  });
}
