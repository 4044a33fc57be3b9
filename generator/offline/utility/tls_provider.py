"""hashicorp/tls offline: real keys, requests and certificates made with `cryptography`.

ECDSA and ED25519 keys are derived from the configuration (the same configuration, the same key);
RSA keys are generated afresh (no seeded RSA generation is at hand); either way the key lives in
the state, as with the real provider (tls_keys.py makes and reads them). `data.tls_certificate` of
a `url` cannot reach the site offline: it serves a chain made for the URL's host (a root and a
leaf, signed with ED25519 so the bytes and fingerprints are the same on every read)."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
from typing import Any
from urllib.parse import urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from generator.offline.utility.behaviour import Context, DataSource, Diags, Resource, Values, error, one_of
from generator.offline.utility.tls_keys import (
    ALGORITHMS,
    CURVES,
    PrivateKey,
    key_algorithm,
    key_values,
    load_key,
    make_key,
)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _rfc3339(t: datetime.datetime) -> str:
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _private_key_validate(cfg: Values) -> Diags:
    return one_of(cfg, "algorithm", ALGORITHMS) + one_of(cfg, "ecdsa_curve", tuple(CURVES))


def _private_key_apply(v: Values, ctx: Context) -> Diags:
    key = make_key(v["algorithm"], ctx, int(v["rsa_bits"]), v["ecdsa_curve"])
    v.update(key_values(key))
    return []


_NAME_FIELDS = (("common_name", NameOID.COMMON_NAME), ("organization", NameOID.ORGANIZATION_NAME),
                ("organizational_unit", NameOID.ORGANIZATIONAL_UNIT_NAME), ("country", NameOID.COUNTRY_NAME),
                ("province", NameOID.STATE_OR_PROVINCE_NAME), ("locality", NameOID.LOCALITY_NAME),
                ("postal_code", NameOID.POSTAL_CODE), ("serial_number", NameOID.SERIAL_NUMBER),
                ("email_address", NameOID.EMAIL_ADDRESS))  # fmt: skip


def _name(subject: list[Values] | None) -> x509.Name:
    attrs: list[x509.NameAttribute[Any]] = []
    for s in subject or []:
        for field, oid in _NAME_FIELDS:
            if s.get(field):
                attrs.append(x509.NameAttribute(oid, s[field]))
        for street in s.get("street_address") or []:
            attrs.append(x509.NameAttribute(NameOID.STREET_ADDRESS, street))
    return x509.Name(attrs)


def _sans(v: Values) -> list[x509.GeneralName]:
    sans: list[x509.GeneralName] = [x509.DNSName(d) for d in v.get("dns_names") or []]
    sans += [x509.IPAddress(ipaddress.ip_address(i)) for i in v.get("ip_addresses") or []]
    sans += [x509.UniformResourceIdentifier(u) for u in v.get("uris") or []]
    return sans


_KEY_USAGES = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
               "key_agreement", "cert_signing", "crl_signing", "encipher_only", "decipher_only")  # fmt: skip
_EXT_USAGES = {
    "any_extended": ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    "server_auth": ExtendedKeyUsageOID.SERVER_AUTH,
    "client_auth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "code_signing": ExtendedKeyUsageOID.CODE_SIGNING,
    "email_protection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timestamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocsp_signing": ExtendedKeyUsageOID.OCSP_SIGNING,
    "ipsec_end_system": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.5"),
    "ipsec_tunnel": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.6"),
    "ipsec_user": x509.ObjectIdentifier("1.3.6.1.5.5.7.3.7"),
    "microsoft_server_gated_crypto": x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.3"),
    "netscape_server_gated_crypto": x509.ObjectIdentifier("2.16.840.1.113730.4.1"),
}


def _allowed_uses_validate(cfg: Values) -> Diags:
    diags: Diags = []
    allowed = (*_KEY_USAGES, "key_agreement", *_EXT_USAGES)
    uses = cfg.get("allowed_uses")
    for i, use in enumerate(uses if isinstance(uses, list) else []):
        if isinstance(use, str) and use not in allowed:
            listed = " ".join(f'"{a}"' for a in dict.fromkeys(allowed))
            diags.append(
                error(
                    "Invalid Attribute Value Match",
                    f'Attribute allowed_uses[Value("{use}")] value must be one of: [{listed}], got: "{use}"',
                    ["allowed_uses", i],
                )
            )
    return diags


def _sign(
    builder: x509.CertificateBuilder, v: Values, key: PrivateKey, ca_key: PrivateKey, ctx: Context
) -> x509.Certificate:
    uses = set(v.get("allowed_uses") or [])
    flags = {u: u in uses for u in _KEY_USAGES}
    if not flags["key_agreement"]:
        flags["encipher_only"] = flags["decipher_only"] = False
    if any(flags.values()):
        builder = builder.add_extension(
            x509.KeyUsage(**{("key_cert_sign" if k == "cert_signing" else "crl_sign" if k == "crl_signing" else k): b
                             for k, b in flags.items()}),
            critical=True,
        )  # fmt: skip
    ext = [oid for name, oid in _EXT_USAGES.items() if name in uses]
    if ext:
        builder = builder.add_extension(x509.ExtendedKeyUsage(ext), critical=False)
    if v.get("is_ca_certificate"):
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    sans = _sans(v)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if v.get("set_subject_key_id"):
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    if v.get("set_authority_key_id"):
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    start = _now()
    end = start + datetime.timedelta(hours=int(v["validity_period_hours"]))
    serial = int.from_bytes(ctx.digest("serial")[:16], "big") >> 1
    builder = builder.not_valid_before(start).not_valid_after(end).serial_number(serial)
    algorithm = None if isinstance(ca_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    cert = builder.sign(ca_key, algorithm)
    early = int(v.get("early_renewal_hours") or 0)
    v.update(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        validity_start_time=_rfc3339(start),
        validity_end_time=_rfc3339(end),
        ready_for_renewal=end - datetime.timedelta(hours=early) <= start,
        id=str(serial),
    )
    return cert


def _self_signed_apply(v: Values, ctx: Context) -> Diags:
    key, diags = load_key(v["private_key_pem"], "private_key_pem")
    if key is None:
        return diags
    name = _name(v.get("subject"))
    builder = x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
    _sign(builder, v, key, key, ctx)
    v["key_algorithm"] = key_algorithm(key)
    return []


def _cert_request_apply(v: Values, ctx: Context) -> Diags:
    key, diags = load_key(v["private_key_pem"], "private_key_pem")
    if key is None:
        return diags
    builder = x509.CertificateSigningRequestBuilder().subject_name(_name(v.get("subject")))
    sans = _sans(v)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    pem = builder.sign(key, algorithm).public_bytes(serialization.Encoding.PEM)
    v.update(
        cert_request_pem=pem.decode(), key_algorithm=key_algorithm(key), id=hashlib.sha1(pem).hexdigest()
    )
    return []


def _locally_signed_apply(v: Values, ctx: Context) -> Diags:
    ca_key, diags = load_key(v["ca_private_key_pem"], "ca_private_key_pem")
    if ca_key is None:
        return diags
    try:
        csr = x509.load_pem_x509_csr(v["cert_request_pem"].encode())
        ca = x509.load_pem_x509_certificate(v["ca_cert_pem"].encode())
    except ValueError as exc:
        return [error("Failed to parse certificate request or CA certificate", str(exc))]
    builder = (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca.subject)
        .public_key(csr.public_key())
    )
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = {"dns_names": san.get_values_for_type(x509.DNSName),
                 "ip_addresses": [str(i) for i in san.get_values_for_type(x509.IPAddress)],
                 "uris": san.get_values_for_type(x509.UniformResourceIdentifier)}  # fmt: skip
    except x509.ExtensionNotFound:
        names = {}
    _sign(builder, {**v, **names}, ca_key, ca_key, ctx)
    v["ca_key_algorithm"] = key_algorithm(ca_key)
    return []


def _go_name(name: x509.Name) -> str:
    """A distinguished name as Go's pkix.Name.String() (what the provider reports)."""
    return name.rfc4514_string()  # most specific first, as Go prints it: CN=...,O=...


def _signature_name(cert: x509.Certificate) -> str:
    algo = cert.signature_algorithm_oid._name  # e.g. sha256WithRSAEncryption, ecdsa-with-SHA256
    names = {"sha256WithRSAEncryption": "SHA256-RSA", "sha384WithRSAEncryption": "SHA384-RSA",
             "sha512WithRSAEncryption": "SHA512-RSA", "sha1WithRSAEncryption": "SHA1-RSA",
             "ecdsa-with-SHA256": "ECDSA-SHA256", "ecdsa-with-SHA384": "ECDSA-SHA384",
             "ecdsa-with-SHA512": "ECDSA-SHA512", "ed25519": "Ed25519"}  # fmt: skip
    return names.get(algo, algo)


def certificate_values(cert: x509.Certificate) -> Values:
    try:
        is_ca = bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        is_ca = False
    pub = cert.public_key()
    algo = {"RSA": "RSA", "ECDSA": "ECDSA", "ED25519": "Ed25519"}[key_algorithm(pub)]  # type: ignore[arg-type]
    return {
        "cert_pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "is_ca": is_ca,
        "issuer": _go_name(cert.issuer),
        "subject": _go_name(cert.subject),
        "not_before": _rfc3339(cert.not_valid_before_utc),
        "not_after": _rfc3339(cert.not_valid_after_utc),
        "public_key_algorithm": algo,
        "serial_number": str(cert.serial_number),
        "sha1_fingerprint": cert.fingerprint(hashes.SHA1()).hex(),
        "signature_algorithm": _signature_name(cert),
        "version": 3,
    }


def chain_for_host(host: str) -> list[x509.Certificate]:
    """A stable root and leaf for ``host``: the same bytes on every read."""
    root_key = ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"aisec offline root").digest())
    leaf_key = ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"leaf:{host}".encode()).digest())
    root_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "aisec offline"),
                           x509.NameAttribute(NameOID.COMMON_NAME, "aisec offline root CA")])  # fmt: skip
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    end = datetime.datetime(2035, 1, 1, tzinfo=datetime.timezone.utc)
    root = (
        x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
        .public_key(root_key.public_key()).serial_number(1).not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(root_key, None)
    )  # fmt: skip
    serial = int.from_bytes(hashlib.sha256(host.encode()).digest()[:16], "big") >> 1
    leaf = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(root_name).public_key(leaf_key.public_key()).serial_number(serial)
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(root_key, None)
    )  # fmt: skip
    return [root, leaf]


def _certificate_read(v: Values, ctx: Context) -> Diags:
    if v.get("content") is not None and v.get("url") is not None:
        return [
            error(
                "Invalid Attribute Combination",
                'Attribute "url" cannot be specified when "content" is specified',
            )
        ]
    if v.get("content") is not None:
        try:
            certs = x509.load_pem_x509_certificates(v["content"].encode())
        except ValueError as exc:
            return [error("Failed to parse certificates", str(exc), ["content"])]
        v["id"] = hashlib.sha1(v["content"].encode()).hexdigest()
    elif v.get("url") is not None:
        parsed = urlparse(v["url"])
        if parsed.scheme not in ("https", "tls") or not parsed.hostname:
            return [
                error(
                    "Invalid URL scheme", f'URL "{v["url"]}" must use the https:// or tls:// scheme', ["url"]
                )
            ]
        certs = chain_for_host(parsed.hostname)
        v["id"] = hashlib.sha1(v["url"].encode()).hexdigest()
    else:
        return [error("Invalid Attribute Combination", 'One of "content" or "url" must be specified')]
    v["certificates"] = [certificate_values(c) for c in certs]
    return []


def _public_key_read(v: Values, ctx: Context) -> Diags:
    pem = v.get("private_key_pem")
    text = pem if pem is not None else v.get("private_key_openssh")
    if text is None:
        return [
            error(
                "Invalid Attribute Combination",
                'One of "private_key_pem" or "private_key_openssh" must be specified',
            )
        ]
    try:
        key = (serialization.load_pem_private_key if pem is not None else serialization.load_ssh_private_key)(
            text.encode(), password=None
        )
    except (ValueError, TypeError) as exc:
        return [error("Failed to parse private key", str(exc))]
    values = key_values(key)  # type: ignore[arg-type]
    v.update({k: values[k] for k in ("public_key_pem", "public_key_openssh", "public_key_fingerprint_md5",
                                     "public_key_fingerprint_sha256", "id")})  # fmt: skip
    v["algorithm"] = key_algorithm(key)  # type: ignore[arg-type]
    return []


_CERT_DEFAULTS = {"early_renewal_hours": 0, "is_ca_certificate": False, "set_subject_key_id": False}
RESOURCES: dict[str, Resource] = {
    "tls_private_key": Resource(
        defaults={"rsa_bits": 2048, "ecdsa_curve": "P224"},
        validate=_private_key_validate,
        apply=_private_key_apply,
    ),
    "tls_self_signed_cert": Resource(
        defaults={**_CERT_DEFAULTS, "set_authority_key_id": False},
        in_place=frozenset({"early_renewal_hours"}),
        validate=_allowed_uses_validate,
        apply=_self_signed_apply,
    ),
    "tls_locally_signed_cert": Resource(
        defaults=_CERT_DEFAULTS,
        in_place=frozenset({"early_renewal_hours"}),
        validate=_allowed_uses_validate,
        apply=_locally_signed_apply,
    ),
    "tls_cert_request": Resource(apply=_cert_request_apply),
}
DATA_SOURCES: dict[str, DataSource] = {
    "tls_certificate": DataSource(read=_certificate_read),
    "tls_public_key": DataSource(read=_public_key_read),
}
