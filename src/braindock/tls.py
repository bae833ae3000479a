"""TLS for ``braindock serve``: a local certificate authority and server certificates, and checks of the files.

The official clients that carry a built-in address (``https://{domain}/...`` of ``braincube_connector``,
``https://www.brainstem.org/api/`` of ``brainstem_api_tools`` 0.2.0) speak HTTPS on port 443 and verify the
certificate (``braincube.md`` 1.3 and 9.19; ``brainstem.md``). ``braindock tls init`` makes what a self-hosted
deployment needs for that, with the ``cryptography`` library:

* ``<dir>/ca.pem`` and ``<dir>/ca-key.pem``: a local CA (ECDSA P-256, ten years), created once and reused;
* ``<dir>/server.pem`` and ``<dir>/server-key.pem``: a server certificate (ECDSA P-256, 825 days, the longest
  lifetime Apple platforms accept) signed by that CA, whose subject alternative names are the given host names
  (names that parse as IP addresses become IP address entries). ``server.pem`` holds the server certificate
  followed by the CA certificate (the chain a server sends).

Key files are written with mode ``0600``. Clients trust the CA with ``REQUESTS_CA_BUNDLE=<dir>/ca.pem`` (requests),
``SSL_CERT_FILE`` (the ``ssl`` module's default context) or ``verify=`` where a client takes one.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_LIFETIME = dt.timedelta(days=3650)
#: Apple platforms refuse TLS server certificates valid for longer than 825 days.
SERVER_LIFETIME = dt.timedelta(days=825)
CA_NAME = "braindock local CA"


class TlsError(ValueError):
    """A certificate or key file is missing, unreadable or does not fit (message names the file)."""


@dataclass(frozen=True)
class TlsFiles:
    """Paths written by :func:`init_tls`.

    Attributes:
        ca_cert: the CA certificate clients trust (PEM).
        ca_key: the CA's private key (PEM, mode 0600).
        cert: the server certificate followed by the CA certificate (PEM), for ``serve --tls-cert``.
        key: the server's private key (PEM, mode 0600), for ``serve --tls-key``.
        ca_created: whether this call created the CA (``False``: an existing one was reused).
    """

    ca_cert: Path
    ca_key: Path
    cert: Path
    key: Path
    ca_created: bool


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only: opened with mode 0600, never through a symbolic
    link (``O_NOFOLLOW``), and ``fchmod`` to 0600 before the first byte (an existing file keeps its old mode
    on ``open``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        raise TlsError(f"{path}: cannot write it ({exc.strerror})") from None
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(data)


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _public_der(public_key: object) -> bytes:
    """DER SubjectPublicKeyInfo of a public key (to compare a certificate's key with a private key's)."""
    return public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _general_name(host: str) -> x509.GeneralName:
    """``host`` as a subject alternative name: an IP address entry or a DNS name (IDNA-encoded, lower case).

    Raises:
        TlsError: ``host`` is empty or not a valid host name.
    """
    text = host.strip().rstrip(".")
    try:
        return x509.IPAddress(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        pass
    if not text or any(c in text for c in "/:@ ") or len(text) > 253:
        raise TlsError(f"--host {host!r} is not a host name")
    try:
        ascii_name = text.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise TlsError(f"--host {host!r} is not a host name") from None
    return x509.DNSName(ascii_name)


def _load_ca(ca_cert: Path, ca_key: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """The existing CA certificate and key.

    Raises:
        TlsError: a file is unreadable, not PEM, or the key does not belong to the certificate.
    """
    try:
        cert = x509.load_pem_x509_certificate(ca_cert.read_bytes())
        key = serialization.load_pem_private_key(ca_key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise TlsError(f"cannot reuse the CA in {ca_cert.parent}: {exc}") from None
    if _public_der(cert.public_key()) != _public_der(key.public_key()):
        raise TlsError(f"{ca_key} is not the key of {ca_cert}")
    return cert, key  # type: ignore[return-value]


def _new_ca(now: dt.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def init_tls(directory: Path, hosts: list[str]) -> TlsFiles:
    """Create (or reuse) the local CA in ``directory`` and issue a server certificate for ``hosts``.

    Args:
        directory: output directory (created; ``<data-dir>/tls`` for the CLI).
        hosts: host names and/or IP addresses the server certificate is valid for (at least one); the first
            is also the subject's common name.

    Returns:
        The paths written (:class:`TlsFiles`).

    Raises:
        TlsError: no host, an invalid host name, an existing CA that cannot be read, or a ``ca.pem`` whose
            ``ca-key.pem`` is missing (never silently replaced: clients trust that CA).
    """
    if not hosts:
        raise TlsError("give at least one --host")
    names = list(dict.fromkeys(_general_name(host) for host in hosts))
    directory = Path(directory)
    ca_cert_path, ca_key_path = directory / "ca.pem", directory / "ca-key.pem"
    now = dt.datetime.now(dt.UTC)
    if ca_cert_path.exists() and not ca_key_path.exists():
        raise TlsError(
            f"{ca_cert_path} exists but its key {ca_key_path} is missing: restore the key, or delete {ca_cert_path} "
            "to create a new CA (every client must then trust the new ca.pem)"
        )
    created = not ca_cert_path.exists()
    if created:
        ca_cert, ca_key = _new_ca(now)
        _write_private(ca_key_path, _pem_key(ca_key))
        ca_cert_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    else:
        ca_cert, ca_key = _load_ca(ca_cert_path, ca_key_path)

    key = ec.generate_private_key(ec.SECP256R1())
    first = names[0]
    common_name = str(first.value) if isinstance(first, x509.IPAddress) else first.value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + SERVER_LIFETIME, ca_cert.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = directory / "server.pem", directory / "server-key.pem"
    _write_private(key_path, _pem_key(key))
    cert_path.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM)
    )
    return TlsFiles(ca_cert_path, ca_key_path, cert_path, key_path, created)


def check_server_files(cert: Path | None, key: Path | None) -> tuple[Path, Path] | None:
    """Validate ``serve``'s ``--tls-cert`` / ``--tls-key`` before the server starts.

    Returns:
        ``None`` when neither is given (plain HTTP), else the resolved ``(cert, key)``.

    Raises:
        TlsError: only one of them is given, a file is missing or unreadable, or they are not a PEM
            certificate chain and its private key (the message names the file and the reason).

    A key file readable by group or others is served anyway, with a warning on stderr.
    """
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise TlsError("--tls-cert and --tls-key go together (BRAINDOCK_TLS_CERT / BRAINDOCK_TLS_KEY)")
    cert, key = Path(cert).expanduser().resolve(), Path(key).expanduser().resolve()
    data = {}
    for option, path in (("--tls-cert", cert), ("--tls-key", key)):
        if not path.is_file():
            raise TlsError(f"{option} {path}: no such file")
        try:
            data[option] = path.read_bytes()
        except OSError as exc:
            raise TlsError(f"{option} {path}: cannot read it ({exc.strerror})") from None
    try:
        chain = x509.load_pem_x509_certificates(data["--tls-cert"])
    except ValueError:
        raise TlsError(f"--tls-cert {cert}: no PEM certificate in it") from None
    try:
        private = serialization.load_pem_private_key(data["--tls-key"], password=None)
    except (ValueError, TypeError):
        raise TlsError(f"--tls-key {key}: not an unencrypted PEM private key") from None
    mode = stat.S_IMODE(key.stat().st_mode)
    if mode & 0o077:
        print(
            f"warning: --tls-key {key} is readable by group or others (mode {mode:04o}); run chmod 600 on it",
            file=sys.stderr,
        )
    if _public_der(chain[0].public_key()) != _public_der(private.public_key()):
        raise TlsError(f"--tls-key {key} is not the key of the certificate in --tls-cert {cert}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        raise TlsError(f"--tls-cert {cert} / --tls-key {key}: refused by OpenSSL ({exc.reason or exc})") from None
    return cert, key
