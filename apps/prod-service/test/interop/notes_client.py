"""A client written the notes' way: Python grpcio, code generated from the notes' own
.proto text with grpc_tools.protoc. Calls GetProdStock for each id given and prints one
JSON object per call: {"id", "code", "stock", "details"}.

usage: notes_client.py ADDRESS ID [ID ...]
"""
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


def main():
    address, ids = sys.argv[1], [int(i) for i in sys.argv[2:]]
    with tempfile.TemporaryDirectory() as workdir:
        generate(workdir)
        import prod_pb2
        import prod_pb2_grpc

        with grpc.insecure_channel(address) as channel:
            stub = prod_pb2_grpc.ProdServiceStub(channel)
            for prod_id in ids:
                try:
                    response = stub.GetProdStock(prod_pb2.ProdRequest(prod_id=prod_id), timeout=5)
                    result = {"id": prod_id, "code": "OK", "stock": response.pro_stock}
                except grpc.RpcError as error:
                    result = {"id": prod_id, "code": error.code().name, "details": error.details()}
                print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
