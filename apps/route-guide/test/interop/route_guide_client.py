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

# The TLS and token flags, shared by the interop clients (libs/test-support/python).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../libs/test-support/python"))
from interop_tls import add_tls_arguments, call_metadata, check_tls_arguments, open_channel  # noqa: E402


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




def parse_args():
    parser = argparse.ArgumentParser(description="RouteGuide interop client: runs a plan, prints the answers")
    add_tls_arguments(parser)
    parser.add_argument("address")
    parser.add_argument("proto_file")
    parser.add_argument("plan_file")
    args = parser.parse_args()
    check_tls_arguments(parser, args)
    return args






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
