"""A RouteGuide client the official Python way: grpcio, with code generated at run time by
grpc_tools.protoc from our route_guide.proto (the upstream contract, unchanged).

Reads a JSON plan from PLAN_FILE and prints one JSON document with what the server answered:
  {"get_feature":   [point, ...],
   "list_features": [{"lo": point|null, "hi": point|null}, ...],
   "record_route":  [[point, ...], ...],
   "route_chat":    [[note, ...], ...]}     (one call per list of notes, in order)
Each answer is {"code": "OK", ...result} or {"code": <status name>, "details": <text>}.

usage: route_guide_client.py ADDRESS PROTO_FILE PLAN_FILE
"""
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


def main():
    address, proto_file, plan_file = sys.argv[1], sys.argv[2], sys.argv[3]
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
        with grpc.insecure_channel(address) as channel:
            stub = pb_grpc.RouteGuideStub(channel)
            out["get_feature"] = [
                attempt(lambda p=p: {"feature": feature_dict(stub.GetFeature(point(p), timeout=10))}) for p in plan["get_feature"]
            ]
            out["list_features"] = [
                attempt(lambda r=r: {"features": [feature_dict(f) for f in stub.ListFeatures(rectangle(r), timeout=10)]})
                for r in plan["list_features"]
            ]
            out["record_route"] = [
                attempt(lambda route=route: {"summary": summary_dict(stub.RecordRoute(iter([point(p) for p in route]), timeout=10))})
                for route in plan["record_route"]
            ]
            out["route_chat"] = [
                attempt(lambda notes=notes: {"notes": [note_dict(n) for n in stub.RouteChat(iter([note(d) for d in notes]), timeout=10)]})
                for notes in plan["route_chat"]
            ]
        print(json.dumps(out))


if __name__ == "__main__":
    main()
