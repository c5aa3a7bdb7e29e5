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


def read(path):
    with open(path, "rb") as f:
        return f.read()


def parse_args():
    parser = argparse.ArgumentParser(description="GetProdStock for each id, one JSON line per call")
    parser.add_argument("--ca", help="PEM CA bundle to verify the server with (TLS); plaintext without it")
    parser.add_argument("--cert", help="PEM client certificate chain (mutual TLS, with --key)")
    parser.add_argument("--key", help="PEM private key of --cert")
    parser.add_argument("--server-name", help="the name the server's certificate must carry (default: ADDRESS's host)")
    parser.add_argument("--token-file", help="file holding a bearer token to send on every call")
    parser.add_argument("address")
    parser.add_argument("ids", nargs="+", type=int)
    args = parser.parse_args()
    if (args.cert is None) != (args.key is None):
        parser.error("--cert and --key go together")
    if args.ca is None and (args.cert or args.server_name or args.token_file):
        parser.error("--cert, --key, --server-name and --token-file need --ca (TLS)")
    return args


def open_channel(args):
    if args.ca is None:
        return grpc.insecure_channel(args.address)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.ca),
        private_key=read(args.key) if args.key else None,
        certificate_chain=read(args.cert) if args.cert else None,
    )
    options = [("grpc.ssl_target_name_override", args.server_name)] if args.server_name else []
    return grpc.secure_channel(args.address, credentials, options=options)


def main():
    args = parse_args()
    metadata = None
    if args.token_file is not None:
        metadata = (("authorization", "Bearer " + read(args.token_file).decode().strip()),)
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
