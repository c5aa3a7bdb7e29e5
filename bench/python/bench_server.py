"""The notes' way of serving gRPC: Python grpcio with a ThreadPoolExecutor, code generated at
run time with grpc_tools.protoc from the project's own protos. Serves ProdService.GetProdStock
and RouteGuide.GetFeature/ListFeatures over the same data files as the project services, and
prints one JSON 'listening' line with its port (the line the bench launcher waits for).

usage: bench_server.py --proto-dir DIR --stock FILE --features FILE [--port 0] [--workers 10]
"""
import argparse
import json
import os
import signal
import sys
import tempfile
from concurrent import futures

import grpc
from grpc_tools import protoc

PROTOS = ["services/prod.proto", "routeguide/route_guide.proto"]


def generate(proto_dir, out_dir):
    for proto in PROTOS:
        rc = protoc.main(["protoc", f"-I{proto_dir}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}", proto])
        if rc != 0:
            sys.exit(f"protoc failed on {proto} with {rc}")
    sys.path.insert(0, out_dir)


def build_servicers(stock_file, features_file):
    # Imported only after generation: the modules do not exist before.
    from routeguide import route_guide_pb2, route_guide_pb2_grpc
    from services import prod_pb2, prod_pb2_grpc

    with open(stock_file) as f:
        stock = {p["id"]: p["stock"] for p in json.load(f)["products"]}
    with open(features_file) as f:
        raw = json.load(f)
    # Built once, like the official Python RouteGuide example.
    features = [
        route_guide_pb2.Feature(
            name=entry["name"],
            location=route_guide_pb2.Point(latitude=entry["location"]["latitude"], longitude=entry["location"]["longitude"]),
        )
        for entry in raw
    ]
    by_point = {}
    for feature in features:
        by_point.setdefault((feature.location.latitude, feature.location.longitude), feature)
    named = [feature for feature in features if feature.name]

    class ProdService(prod_pb2_grpc.ProdServiceServicer):
        def GetProdStock(self, request, context):
            if request.prod_id <= 0:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"prod_id must be a positive integer, got {request.prod_id}")
            units = stock.get(request.prod_id)
            if units is None:
                context.abort(grpc.StatusCode.NOT_FOUND, f"no product with prod_id {request.prod_id}")
            return prod_pb2.ProdResponse(pro_stock=units)

    class RouteGuide(route_guide_pb2_grpc.RouteGuideServicer):
        def GetFeature(self, request, context):
            found = by_point.get((request.latitude, request.longitude))
            return found if found is not None else route_guide_pb2.Feature(name="", location=request)

        def ListFeatures(self, request, context):
            lat_min, lat_max = sorted((request.lo.latitude, request.hi.latitude))
            lng_min, lng_max = sorted((request.lo.longitude, request.hi.longitude))
            for feature in named:
                point = feature.location
                if lat_min <= point.latitude <= lat_max and lng_min <= point.longitude <= lng_max:
                    yield feature

    def register(server):
        prod_pb2_grpc.add_ProdServiceServicer_to_server(ProdService(), server)
        route_guide_pb2_grpc.add_RouteGuideServicer_to_server(RouteGuide(), server)

    return register


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--proto-dir", required=True)
    parser.add_argument("--stock", required=True)
    parser.add_argument("--features", required=True)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "0")))
    parser.add_argument("--workers", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-py-") as out_dir:
        generate(args.proto_dir, out_dir)
        register = build_servicers(args.stock, args.features)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.workers))
        register(server)
        port = server.add_insecure_port(f"127.0.0.1:{args.port}")
        if port == 0:
            sys.exit(f"cannot bind 127.0.0.1:{args.port}")
        server.start()
        signal.signal(signal.SIGTERM, lambda *_: server.stop(0))
        print(json.dumps({"msg": "listening", "target": "python-grpcio", "pid": os.getpid(), "port": port, "workers": args.workers}), flush=True)
        server.wait_for_termination()


if __name__ == "__main__":
    main()
