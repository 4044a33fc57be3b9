"""Start the stand-in as Terraform starts a provider plugin (go-plugin handshake over stdout).

    python -m generator.offline.server [PROVIDER] [--provider-version V]
        (Terraform runs this through the mirror's launcher, which names what it stands for)

PROVIDER is ``aws`` (the default; ``--provider-version`` picks one of the served AWS versions) or
one of the utility providers (generator/offline/utility).

Terraform talks gRPC over a Unix socket with TLS; the server's self-signed certificate goes in
the handshake line. The serialized schema response is cached beside the certificate so each
start costs a parse, not a rebuild of 2,000 resource schemas.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import logging
import os
import resource
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc
from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
from tf.gen import tfplugin_pb2_grpc as rpc

from generator.cache import atomic_write, cache_root
from generator.offline import schema as schema_mod
from generator.offline import schemascope
from generator.offline.protocol import schema_response
from generator.offline.provider import StandIn

log = logging.getLogger("aisec.offline")
# Bumped when schema_response changes shape (2: get_provider_schema_optional, see protocol.py).
RESPONSE_FORMAT = "r2"


def cache_dir() -> Path:
    return cache_root("offline")


def certificate(folder: Path) -> tuple[bytes, bytes, bytes]:
    """(DER certificate, PEM certificate, PEM key) of a self-signed localhost certificate, cached.

    One file holds both, written at once: stand-ins starting side by side (`aisec plan --all`) may
    each make a pair, and a reader must never meet one's certificate with the other's key."""
    pair_file = folder / "plugin-pair.pem"
    now = datetime.datetime.now(datetime.timezone.utc)
    cached = _cached_certificate(pair_file, now)
    if cached is not None:
        return cached

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        pair = pair_file.read_bytes()
        cert_pem, marker, key_rest = pair.partition(_KEY_MARKER)
        cert = x509.load_pem_x509_certificate(cert_pem)
    except (OSError, ValueError):
        marker = b""  # none yet, or unreadable: make a new pair
    if marker and cert.not_valid_after_utc > now + datetime.timedelta(hours=1):
        _note_expiry(pair_file, pair, cert.not_valid_after_utc)
        return cert.public_bytes(serialization.Encoding.DER), cert_pem, marker + key_rest
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "localhost")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH, x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    atomic_write(pair_file, cert_pem + key_pem)
    _note_expiry(pair_file, cert_pem + key_pem, cert.not_valid_after_utc)
    return cert.public_bytes(serialization.Encoding.DER), cert_pem, key_pem


# Beside the pair: the certificate's expiry and the digest of the pair it belongs to, so that a start
# with a valid cached certificate needs neither the cryptography package (a third of the start-up's
# imports) nor a parse of the certificate. A note and a pair written by two stand-ins at once do not
# match: the pair is then read with cryptography, never mixed.
_EXPIRY_SUFFIX = ".not-after"
_KEY_MARKER = b"-----BEGIN PRIVATE KEY-----"


def _note_expiry(pair_file: Path, pair: bytes, not_after: datetime.datetime) -> None:
    digest = hashlib.sha256(pair).hexdigest()
    atomic_write(
        pair_file.with_name(pair_file.name + _EXPIRY_SUFFIX), f"{not_after.isoformat()} {digest}\n".encode()
    )


def _cached_certificate(pair_file: Path, now: datetime.datetime) -> tuple[bytes, bytes, bytes] | None:
    """The cached pair when its note says the certificate is valid for another hour and names exactly
    this pair; None otherwise (then it is read, or made anew, with cryptography)."""
    try:
        note = pair_file.with_name(pair_file.name + _EXPIRY_SUFFIX).read_text(encoding="ascii").split()
        pair = pair_file.read_bytes()
        not_after = datetime.datetime.fromisoformat(note[0])
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None
    if len(note) != 2 or note[1] != hashlib.sha256(pair).hexdigest():
        return None
    if not_after.tzinfo is None or not_after <= now + datetime.timedelta(hours=1):
        return None
    cert_pem, marker, key_rest = pair.partition(_KEY_MARKER)
    if not marker:
        return None
    body = cert_pem.split(b"-----BEGIN CERTIFICATE-----", 1)[-1].split(b"-----END CERTIFICATE-----", 1)[0]
    try:
        der = base64.b64decode(b"".join(body.split()), validate=True)
    except ValueError:
        return None
    return der, cert_pem, marker + key_rest


def schema_bytes(folder: Path, schema: schema_mod.ProviderSchema) -> bytes:
    # The suffix names the response's format: a cache written by an older stand-in is not read.
    path = folder / f"schema-{schema.version}-{schema.digest}-{RESPONSE_FORMAT}.pb"
    if path.is_file():
        return path.read_bytes()
    data: bytes = schema_response(schema).SerializeToString()
    atomic_write(path, data)
    return data


class _Logged:
    """Wraps the servicer so a handler's exception is logged (gRPC would swallow it)."""

    def __init__(self, servicer: Any) -> None:
        self._servicer = servicer

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._servicer, name)
        if not callable(attr) or not name[:1].isupper():
            return attr

        def call(request: Any, context: Any) -> Any:
            try:
                return attr(request, context)
            except Exception:
                log.exception("stand-in provider: %s failed", name)
                raise

        return call


def schema_reply(
    cached: bytes, schema: schema_mod.ProviderSchema, names: frozenset[str] | None = None
) -> bytes:
    """What StandIn.GetProviderSchema returns, serialized: the cached response, or with ``names`` only
    the schemas of those types (schemascope.py), followed by the functions' (protobuf merges
    concatenated messages into one), to be sent as it is."""
    from tf.gen import tfplugin_pb2 as pb

    from generator.offline import functions

    if names is not None:
        key = f"entries-{schema.version}-{schema.digest}-{RESPONSE_FORMAT}"
        cached = schemascope.Entries.of(cache_dir(), key, cached).response(names)
    functions_only = pb.GetProviderSchema.Response(functions=functions.definitions(schema.version))
    functions_bytes: bytes = functions_only.SerializeToString()
    return cached + functions_bytes


def _scoped_reply(cached: bytes, schema: schema_mod.ProviderSchema) -> Callable[[], bytes]:
    """GetProviderSchema's answer, made when Terraform first asks (only the first start of a command
    does): the schemas of the types the command can meet when those are known, else all of them."""

    @functools.cache
    def reply() -> bytes:
        names = schemascope.types_in_use(
            Path.cwd(), schemascope.parent_argv(), os.environ, schemascope.parent_started_ns()
        )
        answer = schema_reply(cached, schema, names)
        log.info("schema answered: %s", "all types" if names is None else f"{len(answer)} bytes, scoped")
        return answer

    return reply


class _Collected:
    """Stands for the server while the generated code registers the Provider service's handlers."""

    def __init__(self) -> None:
        self.service = ""
        self.handlers: dict[str, Any] = {}

    def add_generic_rpc_handlers(self, generic: Any) -> None:
        pass  # made again below from the same handlers

    def add_registered_method_handlers(self, service: str, handlers: dict[str, Any]) -> None:
        self.service, self.handlers = service, dict(handlers)


def _add_provider(server: Any, servicer: Any, schema_reply: Callable[[], bytes] | None) -> None:
    """The generated Provider handlers, GetProviderSchema's answering what ``schema_reply`` gives
    (bytes sent as they are: no serializer) when given. The first start of each terraform command asks for the
    schema; the 4 MB response is then neither parsed nor serialized again."""
    collected = _Collected()
    rpc.add_ProviderServicer_to_server(servicer, collected)
    handlers = collected.handlers
    if schema_reply is not None:
        from tf.gen import tfplugin_pb2 as pb

        handlers["GetProviderSchema"] = grpc.unary_unary_rpc_method_handler(
            lambda request, context: schema_reply(),
            request_deserializer=pb.GetProviderSchema.Request.FromString,
            response_serializer=None,
        )
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(collected.service, handlers),))
    server.add_registered_method_handlers(collected.service, handlers)


def serve(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(
        description="the offline stand-in for hashicorp/aws and utility providers"
    )
    parser.add_argument("provider", nargs="?", default="aws")
    parser.add_argument("--provider-version", choices=schema_mod.SERVED_VERSIONS, default=None)
    args, _ = parser.parse_known_args(argv)
    provider = args.provider
    # Like go-plugin providers: an interrupt is Terraform's to handle (it asks providers to stop).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    log_file = os.environ.get("AISEC_OFFLINE_LOG")
    if log_file:
        logging.basicConfig(filename=log_file, level=logging.INFO, format="%(asctime)s %(message)s")
    started = time.perf_counter()
    folder = cache_dir()
    servicer: Any
    schema: schema_mod.ProviderSchema
    if provider == "aws":
        # parsed on the first call that needs it: a start that only serves the schema never does
        schema = schema_mod.LazySchema(args.provider_version)
        cached = schema_bytes(folder, schema)
        servicer = StandIn(schema, cached)
        reply: Callable[[], bytes] | None = _scoped_reply(cached, schema)
    else:
        from generator.offline import utility

        schema = utility.load(provider)
        servicer = utility.servicer(provider, schema_bytes(folder, schema))
        reply = None
    der, cert_pem, key_pem = certificate(folder)

    stopped = threading.Event()

    class Controller(controller_rpc.GRPCControllerServicer):  # type: ignore[misc]
        def Shutdown(self, request: Any, context: Any) -> Any:
            stopped.set()
            return controller_pb.Empty()

    class Stdio(stdio_rpc.GRPCStdioServicer):  # type: ignore[misc]
        def StreamStdio(self, request: Any, context: Any) -> Any:
            return iter(())

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    _add_provider(server, _Logged(servicer), reply)
    controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)
    with tempfile.TemporaryDirectory(prefix="aisec-plugin-") as tmp:
        socket = os.path.join(tmp, "plugin.sock")
        creds = grpc.ssl_server_credentials([(key_pem, cert_pem)], require_client_auth=False)
        server.add_secure_port("unix://" + socket, creds)
        server.start()
        log.info(
            "stand-in %s ready in %.3fs (schema %s)", provider, time.perf_counter() - started, schema.digest
        )
        sys.stdout.write(f"1|6|unix|{socket}|grpc|{base64.b64encode(der).decode().rstrip('=')}\n")
        sys.stdout.flush()
        stopped.wait()
        # Terraform waits for the plugin process to end after its Shutdown call (twice in a
        # validate): let the answer go out, then end without the interpreter's and gRPC's slow
        # teardown. Nothing is left to write: every answer has been sent, the log is flushed and
        # the socket's folder removed.
        server.stop(0.2).wait()
    if log_file:
        used = resource.getrusage(resource.RUSAGE_SELF)
        log.info("stand-in %s done: %.2fs of CPU", provider, used.ru_utime + used.ru_stime)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    serve()
