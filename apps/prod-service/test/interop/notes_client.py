"""A client written the notes' way: Python grpcio, code generated from the notes' own
.proto text with grpc_tools.protoc. Calls GetProdStock for each id given and prints one
JSON object per call: {"id", "code", "stock", "details"}.

Plaintext unless --ca is given; then TLS with grpc.ssl_channel_credentials, a client certificate
for mutual TLS (--cert and --key), grpc.ssl_target_name_override from --server-name, and
"authorization: Bearer <token>" metadata on every call from --token-file.

usage: notes_client.py [--ca FILE [--cert FILE --key FILE] [--server-name NAME] [--token-file FILE]] ADDRESS ID [ID ...]
"""
import argparse
import json
import os
import sys
import tempfile

import grpc
from grpc_tools import protoc

# The TLS and token flags, shared by the interop clients (libs/test-support/python).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../libs/test-support/python"))
from interop_tls import add_tls_arguments, call_metadata, check_tls_arguments, open_channel  # noqa: E402

# Verbatim from the notes ("The first example"): the contract our server must honour.
NOTES_PROTO = """syntax = "proto3";
package services;
message ProdRequest  { int32 prod_id = 1; }
message ProdResponse { int32 pro_stock = 1; }
service ProdService {
  rpc GetProdStock (ProdRequest) returns (ProdResponse);
}
"""


def generate(workdir):
    with open(os.path.join(workdir, "prod.proto"), "w") as f:
        f.write(NOTES_PROTO)
    rc = protoc.main(["protoc", f"-I{workdir}", f"--python_out={workdir}", f"--grpc_python_out={workdir}", "prod.proto"])
    if rc != 0:
        sys.exit(f"protoc failed with {rc}")
    sys.path.insert(0, workdir)




def parse_args():
    parser = argparse.ArgumentParser(description="GetProdStock for each id, one JSON line per call")
    add_tls_arguments(parser)
    parser.add_argument("address")
    parser.add_argument("ids", nargs="+", type=int)
    args = parser.parse_args()
    check_tls_arguments(parser, args)
    return args




def main():
    args = parse_args()
    metadata = call_metadata(args)
    with tempfile.TemporaryDirectory() as workdir:
        generate(workdir)
        import prod_pb2
        import prod_pb2_grpc

        with open_channel(args) as channel:
            stub = prod_pb2_grpc.ProdServiceStub(channel)
            for prod_id in args.ids:
                try:
                    response = stub.GetProdStock(prod_pb2.ProdRequest(prod_id=prod_id), timeout=5, metadata=metadata)
                    result = {"id": prod_id, "code": "OK", "stock": response.pro_stock}
                except grpc.RpcError as error:
                    result = {"id": prod_id, "code": error.code().name, "details": error.details()}
                print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
