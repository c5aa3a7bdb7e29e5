"""A RouteGuide client the official Python way: grpcio, with code generated at run time by
grpc_tools.protoc from our route_guide.proto (the upstream contract, unchanged).

Reads a JSON plan from PLAN_FILE and prints one JSON document with what the server answered:
  {"get_feature":   [point, ...],
   "list_features": [{"lo": point|null, "hi": point|null}, ...],
   "record_route":  [[point, ...], ...],
   "route_chat":    [[note, ...], ...]}     (one call per list of notes, in order)
Each answer is {"code": "OK", ...result} or {"code": <status name>, "details": <text>}.

Plaintext unless --ca is given; then TLS the official way (grpc.ssl_channel_credentials), with
a client certificate for mutual TLS (--cert and --key) and --server-name when the certificate
names the server by something other than ADDRESS's host (grpc.ssl_target_name_override).
--token-file sends "authorization: Bearer <token>" metadata on every call (TLS only).

usage: route_guide_client.py [--ca FILE [--cert FILE --key FILE] [--server-name NAME] [--token-file FILE]]
                             ADDRESS PROTO_FILE PLAN_FILE
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import grpc
from grpc_tools import protoc


def generate(proto_file, workdir):
    # The official examples compile protos/route_guide.proto into route_guide_pb2(_grpc).
    shutil.copy(proto_file, os.path.join(workdir, "route_guide.proto"))
    rc = protoc.main(["protoc", f"-I{workdir}", f"--python_out={workdir}", f"--grpc_python_out={workdir}", "route_guide.proto"])
    if rc != 0:
        sys.exit(f"protoc failed with {rc}")
    sys.path.insert(0, workdir)


def point_dict(p):
    return {"latitude": p.latitude, "longitude": p.longitude}


def feature_dict(f):
    return {"name": f.name, "location": point_dict(f.location)}


def note_dict(n):
    return {"location": point_dict(n.location), "message": n.message}


def attempt(call):
    try:
        return {"code": "OK", **call()}
    except grpc.RpcError as error:
        return {"code": error.code().name, "details": error.details()}


def read(path):
    with open(path, "rb") as f:
        return f.read()


def parse_args():
    parser = argparse.ArgumentParser(description="RouteGuide interop client: runs a plan, prints the answers")
    parser.add_argument("--ca", help="PEM CA bundle to verify the server with (TLS); plaintext without it")
    parser.add_argument("--cert", help="PEM client certificate chain (mutual TLS, with --key)")
    parser.add_argument("--key", help="PEM private key of --cert")
    parser.add_argument("--server-name", help="the name the server's certificate must carry (default: ADDRESS's host)")
    parser.add_argument("--token-file", help="file holding a bearer token to send on every call")
    parser.add_argument("address")
    parser.add_argument("proto_file")
    parser.add_argument("plan_file")
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


def call_metadata(args):
    if args.token_file is None:
        return None
    return (("authorization", "Bearer " + read(args.token_file).decode().strip()),)


def main():
    args = parse_args()
    proto_file, plan_file = args.proto_file, args.plan_file
    # Every call: a 10 s deadline, and the bearer token when there is one.
    per_call = {"timeout": 10, "metadata": call_metadata(args)}
    with open(plan_file) as f:
        plan = json.load(f)
    with tempfile.TemporaryDirectory() as workdir:
        generate(proto_file, workdir)
        import route_guide_pb2 as pb
        import route_guide_pb2_grpc as pb_grpc

        def point(d):
            return pb.Point(latitude=d["latitude"], longitude=d["longitude"])

        def rectangle(d):
            rect = pb.Rectangle()
            if d.get("lo") is not None:
                rect.lo.CopyFrom(point(d["lo"]))
            if d.get("hi") is not None:
                rect.hi.CopyFrom(point(d["hi"]))
            return rect

        def note(d):
            n = pb.RouteNote(message=d.get("message", ""))
            if d.get("location") is not None:
                n.location.CopyFrom(point(d["location"]))
            return n

        def summary_dict(s):
            return {"point_count": s.point_count, "feature_count": s.feature_count, "distance": s.distance, "elapsed_time": s.elapsed_time}

        out = {}
        with open_channel(args) as channel:
            stub = pb_grpc.RouteGuideStub(channel)
            out["get_feature"] = [
                attempt(lambda p=p: {"feature": feature_dict(stub.GetFeature(point(p), **per_call))}) for p in plan["get_feature"]
            ]
            out["list_features"] = [
                attempt(lambda r=r: {"features": [feature_dict(f) for f in stub.ListFeatures(rectangle(r), **per_call)]})
                for r in plan["list_features"]
            ]
            out["record_route"] = [
                attempt(lambda route=route: {"summary": summary_dict(stub.RecordRoute(iter([point(p) for p in route]), **per_call))})
                for route in plan["record_route"]
            ]
            out["route_chat"] = [
                attempt(lambda notes=notes: {"notes": [note_dict(n) for n in stub.RouteChat(iter([note(d) for d in notes]), **per_call)]})
                for notes in plan["route_chat"]
            ]
        print(json.dumps(out))


if __name__ == "__main__":
    main()
