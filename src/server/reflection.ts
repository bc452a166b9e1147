/**
 * gRPC server reflection, v1 and v1alpha, so `buf curl` and grpcurl can call the service without
 * the proto files. Answers from the descriptors the generated code already carries: each
 * `fileContainingSymbol` / `fileByFilename` answer holds the file and its transitive imports.
 */
import { create, createRegistry, fromBinary, toBinary, type DescFile, type Registry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import * as v1 from "@certus/trust-sdk/gen/grpc/reflection/v1/reflection_pb";
import * as v1alpha from "@certus/trust-sdk/gen/grpc/reflection/v1alpha/reflection_pb";

/** The reflection requests and answers of both versions have the same shape; v1 types serve both. */
type Answer = v1.ServerReflectionResponse["messageResponse"];

/** Answers one reflection request from the registry; `services` are the names to list. */
export class ReflectionIndex {
  private readonly registry: Registry;
  private readonly filesByName = new Map<string, DescFile>();

  constructor(
    files: readonly DescFile[],
    private readonly services: readonly string[],
  ) {
    const visit = (f: DescFile) => {
      if (this.filesByName.has(f.name)) return;
      this.filesByName.set(f.name, f);
      f.dependencies.forEach(visit);
    };
    files.forEach(visit);
    this.registry = createRegistry(...this.filesByName.values());
  }

  answer(req: v1.ServerReflectionRequest["messageRequest"]): Answer {
    switch (req.case) {
      case "listServices":
        return {
          case: "listServicesResponse",
          value: create(v1.ListServiceResponseSchema, { service: this.services.map((name) => create(v1.ServiceResponseSchema, { name })) }),
        };
      case "fileByFilename": {
        const file = this.filesByName.get(req.value);
        return file ? this.files(file) : notFound(`no file named "${req.value}"`);
      }
      case "fileContainingSymbol": {
        const symbol = req.value.replace(/^\./, "");
        const file = this.fileOfSymbol(symbol);
        return file ? this.files(file) : notFound(`no symbol named "${symbol}"`);
      }
      case "fileContainingExtension":
        return notFound(`no extension ${req.value.containingType}#${req.value.extensionNumber}`);
      case "allExtensionNumbersOfType":
        return {
          case: "allExtensionNumbersResponse",
          value: create(v1.ExtensionNumberResponseSchema, { baseTypeName: req.value, extensionNumber: [] }),
        };
      default:
        return { case: "errorResponse", value: create(v1.ErrorResponseSchema, { errorCode: 3, errorMessage: "empty reflection request" }) };
    }
  }

  private fileOfSymbol(symbol: string): DescFile | undefined {
    const direct = this.registry.get(symbol);
    if (direct) return direct.file;
    // A method: "pkg.Service.Method".
    const dot = symbol.lastIndexOf(".");
    const service = dot > 0 ? this.registry.getService(symbol.slice(0, dot)) : undefined;
    return service?.methods.some((m) => m.name === symbol.slice(dot + 1)) ? service.file : undefined;
  }

  private files(file: DescFile): Answer {
    const seen = new Set<string>();
    const out: Uint8Array[] = [];
    const visit = (f: DescFile) => {
      if (seen.has(f.name)) return;
      seen.add(f.name);
      out.push(toBinary(FileDescriptorProtoSchema, f.proto));
      for (const d of f.dependencies) visit(d);
    };
    visit(file);
    return { case: "fileDescriptorResponse", value: create(v1.FileDescriptorResponseSchema, { fileDescriptorProto: out }) };
  }
}

function notFound(message: string): Answer {
  return { case: "errorResponse", value: create(v1.ErrorResponseSchema, { errorCode: 5, errorMessage: message }) };
}

/** Registers both reflection versions on the router. */
export function registerReflection(router: ConnectRouter, index: ReflectionIndex): void {
  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests: AsyncIterable<v1.ServerReflectionRequest>) {
      for await (const req of requests) {
        yield create(v1.ServerReflectionResponseSchema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: index.answer(req.messageRequest),
        });
      }
    },
  });
  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests: AsyncIterable<v1alpha.ServerReflectionRequest>) {
      for await (const alphaReq of requests) {
        // v1alpha is wire-identical to v1: translate through the binary form, answer as v1.
        const req = fromBinary(v1.ServerReflectionRequestSchema, toBinary(v1alpha.ServerReflectionRequestSchema, alphaReq));
        const res = create(v1.ServerReflectionResponseSchema, {
          validHost: req.host,
          originalRequest: req,
          messageResponse: index.answer(req.messageRequest),
        });
        yield fromBinary(v1alpha.ServerReflectionResponseSchema, toBinary(v1.ServerReflectionResponseSchema, res));
      }
    },
  });
}
