"""SSH key pairs for a deploy key, with the key types and defaults of ``flux bootstrap``.

A generated private key is PEM-encoded PKCS#8 (``-----BEGIN PRIVATE KEY-----``) and the
public key one ``authorized_keys`` line without comment, as flux writes them into
``identity`` and ``identity.pub``. A loaded private key is kept byte for byte; its public
key is derived from it. Keys are made with ``cryptography``, never by shelling out.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from cdk8s_flux.errors import ValidationError

#: ``--ssh-key-algorithm``: flux's choices, and its default.
ALGORITHMS = ("rsa", "ecdsa", "ed25519")
DEFAULT_ALGORITHM = "ecdsa"
#: ``--ssh-ecdsa-curve``: flux's choices, and its default.
ECDSA_CURVES = ("p256", "p384", "p521")
DEFAULT_ECDSA_CURVE = "p384"
#: ``--ssh-rsa-bits``: flux's default and floor; a multiple of 8.
DEFAULT_RSA_BITS = 2048
MIN_RSA_BITS = 1024


@dataclass(frozen=True)
class KeyOptions:
    """Which key to generate: algorithm ``rsa``, ``ecdsa`` (default) or ``ed25519``.

    rsa_bits: default 2048, at least 1024, a multiple of 8. ecdsa_curve: ``p256``,
    ``p384`` (default) or ``p521``. The defaults are ``flux bootstrap``'s.
    """

    algorithm: str = DEFAULT_ALGORITHM
    rsa_bits: int = DEFAULT_RSA_BITS
    ecdsa_curve: str = DEFAULT_ECDSA_CURVE

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValidationError("ssh_key_algorithm", self.algorithm, "not a key type flux offers", f"use one of {', '.join(ALGORITHMS)}")
        if self.ecdsa_curve not in ECDSA_CURVES:
            raise ValidationError("ssh_ecdsa_curve", self.ecdsa_curve, "not a curve flux offers", f"use one of {', '.join(ECDSA_CURVES)}")
        if not isinstance(self.rsa_bits, int) or self.rsa_bits < MIN_RSA_BITS or self.rsa_bits % 8:
            raise ValidationError("ssh_rsa_bits", self.rsa_bits, "must be a multiple of 8, at least 1024", "use 2048, 3072 or 4096")


@dataclass(frozen=True)
class KeyPair:
    """A deploy key: ``private_key`` (never shown in a repr) and its ``public_key`` line."""

    private_key: str = field(repr=False)
    public_key: str

    @property
    def fingerprint(self) -> str:
        """``SHA256:...`` as ``ssh-keygen -l`` prints it, to find the key again on the git host."""
        return public_key_fingerprint(self.public_key)


def public_key_fingerprint(line: str) -> str:
    """The SHA256 fingerprint of an ``authorized_keys`` or ``known_hosts`` key (its base64 blob)."""
    blob = next((part for part in line.split() if part.startswith("AAAA")), None)
    if blob is None:
        raise ValidationError("public_key", line, "holds no SSH key", "give a line such as 'ssh-ed25519 AAAA...'")
    digest = hashlib.sha256(base64.b64decode(blob)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _public_line(private: Any) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return str(private.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()) + "\n"


def generate_key_pair(options: KeyOptions | None = None) -> KeyPair:
    """A new key pair of ``options`` (default: ECDSA P-384, as ``flux bootstrap`` makes)."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    options = options or KeyOptions()
    private: Any
    if options.algorithm == "rsa":
        private = rsa.generate_private_key(public_exponent=65537, key_size=options.rsa_bits)
    elif options.algorithm == "ecdsa":
        curves: dict[str, ec.EllipticCurve] = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1(), "p521": ec.SECP521R1()}
        private = ec.generate_private_key(curves[options.ecdsa_curve])
    else:
        private = ed25519.Ed25519PrivateKey.generate()
    pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    return KeyPair(private_key=pem, public_key=_public_line(private))


def load_key_pair(private_key: bytes | str, password: str | None = None) -> KeyPair:
    """The pair of an existing private key (OpenSSH or PEM format), kept as given; ``password`` decrypts it.

    As ``flux bootstrap --private-key-file``: the Secret holds the file's text, the public key is derived.
    """
    from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_ssh_private_key

    data = private_key.encode() if isinstance(private_key, str) else private_key
    secret = password.encode() if password else None
    try:
        if b"BEGIN OPENSSH PRIVATE KEY" in data:
            private: Any = load_ssh_private_key(data, secret)
        else:
            private = load_pem_private_key(data, secret)
    except TypeError:
        problem = "is encrypted and no password was given" if secret is None else "is not encrypted, yet a password was given"
        raise ValidationError("private_key_file", "<private key>", problem, "give the key's password, or none for an unencrypted key") from None
    except ValueError as exc:
        raise ValidationError(
            "private_key_file", "<private key>", f"not a private key this can read ({exc})",
            "give an OpenSSH or PEM private key (RSA, ECDSA or Ed25519), and its password if it has one",
        ) from None
    return KeyPair(private_key=data.decode(), public_key=_public_line(private))
