"""The keys of hashicorp/tls offline: made (ECDSA and ED25519 derived from the configuration, RSA
generated afresh), read from PEM, and the values the provider reports for them (PEM, PKCS#8,
OpenSSH, fingerprints). tls_provider.py makes requests and certificates with them."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from generator.offline.utility.behaviour import Context, Diags, Values, error

ALGORITHMS = ("RSA", "ECDSA", "ED25519")
CURVES = {"P224": ec.SECP224R1(), "P256": ec.SECP256R1(), "P384": ec.SECP384R1(), "P521": ec.SECP521R1()}
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


def make_key(algorithm: str, ctx: Context, rsa_bits: int, curve: str) -> PrivateKey:
    if algorithm == "ED25519":
        return ed25519.Ed25519PrivateKey.from_private_bytes(ctx.digest("ed25519"))
    if algorithm == "ECDSA":
        c = CURVES[curve]
        secret = int.from_bytes(hashlib.sha512(ctx.digest("ecdsa")).digest(), "big") % (1 << (c.key_size - 1))
        return ec.derive_private_key(secret or 1, c)
    return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)


def key_algorithm(key: PrivateKey | PublicKey) -> str:
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "RSA"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return "ECDSA"
    return "ED25519"


def _openssh_public(pub: PublicKey) -> tuple[str, str, str]:
    """(authorized_keys line, MD5 fingerprint, SHA256 fingerprint); empty where OpenSSH has no
    format for the key (ECDSA P224), as the provider leaves them."""
    try:
        line = pub.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    except ValueError:
        return "", "", ""
    import base64

    blob = base64.b64decode(line.split()[1])
    md5 = hashlib.md5(blob).hexdigest()
    sha = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return line.decode() + "\n", ":".join(md5[i : i + 2] for i in range(0, 32, 2)), "SHA256:" + sha


def key_values(key: PrivateKey) -> Values:
    traditional = serialization.PrivateFormat.PKCS8 if isinstance(key, ed25519.Ed25519PrivateKey) else (
        serialization.PrivateFormat.TraditionalOpenSSL)  # fmt: skip
    pem = key.private_bytes(serialization.Encoding.PEM, traditional, serialization.NoEncryption())
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        openssh = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
        ).decode()
    except ValueError:
        openssh = ""
    pub = key.public_key()
    pub_pem = pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    line, md5, sha = _openssh_public(pub)
    return {
        "private_key_pem": pem.decode(),
        "private_key_pem_pkcs8": pkcs8.decode(),
        "private_key_openssh": openssh,
        "public_key_pem": pub_pem.decode(),
        "public_key_openssh": line,
        "public_key_fingerprint_md5": md5,
        "public_key_fingerprint_sha256": sha,
        "id": hashlib.sha1(pub_pem).hexdigest(),
    }


def load_key(pem: str, what: str) -> tuple[PrivateKey | None, Diags]:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        return None, [error("Failed to parse private key PEM", f"{what}: {exc}")]
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)):
        return None, [error("Unsupported private key type", f"{what}: only RSA, ECDSA and ED25519 keys")]
    return key, []
