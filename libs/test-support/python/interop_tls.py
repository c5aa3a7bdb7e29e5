"""The TLS and token flags every Python interop client takes, and the channel and call
metadata they give: one place for what interopCredentials() (test-support) passes.

Plaintext unless --ca is given; then TLS with grpc.ssl_channel_credentials, a client certificate
for mutual TLS (--cert and --key), grpc.ssl_target_name_override from --server-name, and
"authorization: Bearer <token>" metadata on every call from --token-file.
"""
import grpc


def read(path):
    with open(path, "rb") as f:
        return f.read()


def add_tls_arguments(parser):
    parser.add_argument("--ca", help="PEM CA bundle to verify the server with (TLS); plaintext without it")
    parser.add_argument("--cert", help="PEM client certificate chain (mutual TLS, with --key)")
    parser.add_argument("--key", help="PEM private key of --cert")
    parser.add_argument("--server-name", help="the name the server's certificate must carry (default: ADDRESS's host)")
    parser.add_argument("--token-file", help="file holding a bearer token to send on every call")


def check_tls_arguments(parser, args):
    if (args.cert is None) != (args.key is None):
        parser.error("--cert and --key go together")
    if args.ca is None and (args.cert or args.server_name or args.token_file):
        parser.error("--cert, --key, --server-name and --token-file need --ca (TLS)")


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
