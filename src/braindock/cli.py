"""The ``braindock`` command line (typer).

Every command takes ``--data-dir`` (env ``BRAINDOCK_DATA_DIR``, default ``./braindock-data``)
and prints only the requested value on stdout, so scripts can capture it; messages go to stderr.
Admin commands write straight to the data directory and work while the server runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from braindock.config import Settings
from braindock.server.errors import ApiError

app = typer.Typer(help="braindock: self-hosted Braincube, BrainSTEM and NeuroSpeed server.", no_args_is_help=True)
account_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Manage personal access tokens.", no_args_is_help=True)
braincube_app = typer.Typer(help="Manage braincubes.", no_args_is_help=True)
memory_base_app = typer.Typer(help="Manage memory bases.", no_args_is_help=True)
brainstem_app = typer.Typer(help="BrainSTEM administration: device logins, administrators.", no_args_is_help=True)
oauth_app = typer.Typer(help="Manage the OAuth2 applications of the Braincube SSO.", no_args_is_help=True)
tls_app = typer.Typer(help="TLS: a local certificate authority and server certificates.", no_args_is_help=True)
app.add_typer(account_app, name="account")
app.add_typer(token_app, name="token")
app.add_typer(braincube_app, name="braincube")
app.add_typer(memory_base_app, name="memory-base")
app.add_typer(brainstem_app, name="brainstem")
app.add_typer(oauth_app, name="oauth-app")
app.add_typer(tls_app, name="tls")
neurospeed_app = typer.Typer(help="NeuroSpeed administration: customer access flags.", no_args_is_help=True)
app.add_typer(neurospeed_app, name="neurospeed")

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="BRAINDOCK_DATA_DIR", help="Data directory.", show_default=False),
]
_global: dict[str, Path | None] = {"data_dir": None}


@app.callback()
def main(data_dir: DataDir = None) -> None:
    """braindock: one server and one SDK for three measurement-data protocols."""
    _global["data_dir"] = data_dir


def _settings(data_dir: Path | None, host: str | None = None, port: int | None = None) -> Settings:
    return Settings.load(data_dir or _global["data_dir"], host, port)


def _fail(exc: ApiError) -> None:
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(1)


def _services(data_dir: Path | None):  # type: ignore[no-untyped-def]
    from braindock.server.context import Services

    return Services.open(_settings(data_dir))


def _note(text: str) -> None:
    typer.echo(text, err=True)


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(envvar="BRAINDOCK_HOST", help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(envvar="BRAINDOCK_PORT", help="TCP port.")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    tls_cert: Annotated[
        Path | None, typer.Option("--tls-cert", help="PEM certificate chain: serve HTTPS (env BRAINDOCK_TLS_CERT).")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", help="PEM private key of --tls-cert (env BRAINDOCK_TLS_KEY).")
    ] = None,
) -> None:
    """Run the server (all protocols on one port; OpenAPI docs at /docs); HTTPS with --tls-cert/--tls-key."""
    import uvicorn

    from braindock.server.app import create_app
    from braindock.tls import TlsError, check_server_files

    settings = Settings.load(data_dir or _global["data_dir"], host, port, tls_cert, tls_key)
    try:
        tls = check_server_files(settings.tls_cert, settings.tls_key)
    except TlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    settings.ensure_dirs()
    if log_level.lower() == "debug":
        # braindock's and Authlib's debug records to stderr too (redacted: log_redaction filters root handlers).
        import logging

        logging.basicConfig(level=logging.WARNING)
        for name in ("braindock", "authlib"):
            logging.getLogger(name).setLevel(logging.DEBUG)
    scheme = "https" if tls else "http"
    _note(f"braindock serving {settings.data_dir} on {scheme}://{settings.host}:{settings.port}")
    ssl_options = {"ssl_certfile": str(tls[0]), "ssl_keyfile": str(tls[1])} if tls else {}
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=log_level, **ssl_options)


@tls_app.command("init")
def tls_init(
    host: Annotated[list[str], typer.Option("--host", help="Host name or IP address of the server (repeatable).")],
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Output directory (default: <data-dir>/tls).", show_default=False)
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a local CA (reused when present) and a server certificate for the --host names; prints the CA path.

    Writes ca.pem, ca-key.pem, server.pem (certificate + CA) and server-key.pem (keys mode 0600). Clients trust
    the CA printed on stdout, e.g. REQUESTS_CA_BUNDLE=<ca.pem>; how to serve and trust it goes to stderr.
    """
    from braindock.tls import TlsError, init_tls

    directory = (out_dir or _settings(data_dir).data_dir / "tls").resolve()
    try:
        files = init_tls(directory, host)
    except TlsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    _note(f"{'created' if files.ca_created else 'reused'} the CA {files.ca_cert} (key {files.ca_key})")
    _note(f"server certificate {files.cert} (key {files.key}) for {', '.join(host)}")
    _note(f"serve:  braindock serve --tls-cert {files.cert} --tls-key {files.key}")
    _note(f"trust:  REQUESTS_CA_BUNDLE={files.ca_cert} (requests), SSL_CERT_FILE={files.ca_cert} (ssl), or verify=")
    typer.echo(str(files.ca_cert))


@account_app.command("create")
def account_create(
    email: str,
    password: Annotated[str, typer.Option(envvar="BRAINDOCK_PASSWORD", prompt=True, hide_input=True)],
    admin: Annotated[bool, typer.Option("--admin", help="Make it an administrator (BrainSTEM super portal).")] = False,
    data_dir: DataDir = None,
) -> None:
    """Create an account; prints its email."""
    from braindock.server.identity.accounts import create_account

    services = _services(data_dir)
    try:
        with services.database.session() as session:
            account = create_account(session, email, password)
            if admin:
                account.is_admin = True
            typer.echo(account.email)
    except ApiError as exc:
        _fail(exc)
    finally:
        services.close()


@token_app.command("create")
def token_create(
    email: str,
    scope: Annotated[list[str] | None, typer.Option("--scope", help="Scope (repeatable); default: all.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a personal access token for EMAIL; prints the token (shown only this once)."""
    from braindock.server.identity.accounts import get_account
    from braindock.server.identity.tokens import issue_token

    services = _services(data_dir)
    try:
        with services.database.session() as session:
            row, token = issue_token(session, get_account(session, email), scope or None)
            _note(f"token {row.public_id} for {email}, scopes {' '.join(row.scopes)}")
        typer.echo(token)
    except ApiError as exc:
        _fail(exc)
    finally:
        services.close()


@token_app.command("list")
def token_list(email: str, data_dir: DataDir = None) -> None:
    """List EMAIL's tokens: public id, kind, scopes, created, state (one per line)."""
    from sqlalchemy import select

    from braindock.server.identity.accounts import get_account
    from braindock.server.storage.models import Token

    services = _services(data_dir)
    try:
        with services.database.session() as session:
            account = get_account(session, email)
            for row in session.scalars(select(Token).where(Token.account_id == account.id).order_by(Token.id)):
                state = "revoked" if row.revoked_at else "active"
                typer.echo(
                    f"{row.public_id}\t{row.kind}\t{','.join(row.scopes)}\t{row.created_at:%Y-%m-%dT%H:%M:%S}\t{state}"
                )
    except ApiError as exc:
        _fail(exc)
    finally:
        services.close()


@token_app.command("revoke")
def token_revoke(token: str, data_dir: DataDir = None) -> None:
    """Revoke a token, given whole or by its public id; prints the public id."""
    from braindock.server.identity.tokens import revoke_token

    public_id = token
    if token.startswith("bd_"):
        public_id = token[4:].partition("_")[0]
    services = _services(data_dir)
    try:
        with services.database.session() as session:
            row = revoke_token(session, public_id)
        typer.echo(row.public_id)
    except ApiError as exc:
        _fail(exc)
    finally:
        services.close()


@braincube_app.command("create")
def braincube_create(
    name: str,
    owner: Annotated[str, typer.Option("--owner", help="Owner's account email.")],
    data_dir: DataDir = None,
) -> None:
    """Create a braincube owned by an account; prints its productId."""
    from braindock.server.braincube.access import create_braincube
    from braindock.server.identity.accounts import get_account

    services = _services(data_dir)
    try:
        with services.database.session() as session:
            cube = create_braincube(session, name, get_account(session, owner))
            typer.echo(cube.product_id)
    except ApiError as exc:
        _fail(exc)
    finally:
        services.close()


@braincube_app.command("grant")
def braincube_grant(name: str, email: str, data_dir: DataDir = None) -> None:
    """Give the account EMAIL access to braincube NAME; prints nothing."""
    from braindock.server.braincube.access import get_braincube, grant_braincube
    from braindock.server.identity.accounts import get_account

    services = _services(data_dir)
    try:
        with services.database.session() as session:
            added = grant_braincube(session, get_braincube(session, name), get_account(session, email))
        _note(f"{email} {'now has' if added else 'already had'} access to {name}")
    except ApiError as exc:
        _fail(exc)
    finally:
        services.close()


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    result = {}
    for value in values or []:
        column, sep, text = value.partition("=")
        if not sep or not column:
            typer.echo(f"error: {option} takes COLUMN=VALUE, got {value!r}", err=True)
            raise typer.Exit(2)
        result[column] = text
    return result


@memory_base_app.command("import")
def memory_base_import(
    braincube: str,
    file: Path,
    name: Annotated[str, typer.Option("--name", help="Memory-base name.")],
    order: Annotated[str | None, typer.Option("--order", help="Column that orders the rows.")] = None,
    discrete: Annotated[list[str] | None, typer.Option("--discrete", help="Force a column DISCRETE.")] = None,
    numeric: Annotated[list[str] | None, typer.Option("--numeric", help="Force a column NUMERIC.")] = None,
    datetime_: Annotated[list[str] | None, typer.Option("--datetime", help="Force a column DATETIME.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="COLUMN=TAG: the variable's tag name.")] = None,
    unit: Annotated[list[str] | None, typer.Option("--unit", help="COLUMN=UNIT: the variable's unit.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Import a CSV or Parquet FILE as a memory base of BRAINCUBE; prints its bcId."""
    from braindock.server.braincube.access import get_braincube
    from braindock.server.braincube.importer import ImportOptions, import_memory_base

    types = {c: "DISCRETE" for c in discrete or []}
    types |= {c: "NUMERIC" for c in numeric or []}
    types |= {c: "DATETIME" for c in datetime_ or []}
    options = ImportOptions(name, order, types, _pairs(tag, "--tag"), _pairs(unit, "--unit"))
    services = _services(data_dir)
    try:
        with services.database.session() as session:
            cube = get_braincube(session, braincube)
            base = import_memory_base(session, services.samples, cube, file.resolve(), options)
            _note(f"memory base {base.id} '{base.name}': {base.row_count} rows")
            typer.echo(base.id)
    except ApiError as exc:
        _fail(exc)
    finally:
        services.close()


@memory_base_app.command("list")
def memory_base_list(braincube: str, data_dir: DataDir = None) -> None:
    """List BRAINCUBE's memory bases: bcId, name, rows (one per line)."""
    from sqlalchemy import select

    from braindock.server.braincube.access import get_braincube
    from braindock.server.storage.models import MemoryBase

    services = _services(data_dir)
    try:
        with services.database.session() as session:
            cube = get_braincube(session, braincube)
            for base in session.scalars(select(MemoryBase).where(MemoryBase.braincube_id == cube.id)):
                typer.echo(f"{base.id}\t{base.name}\t{base.row_count}")
    except ApiError as exc:
        _fail(exc)
    finally:
        services.close()


@brainstem_app.command("approve")
def brainstem_approve(
    user_code: str,
    email: Annotated[str, typer.Option("--email", help="Account the BrainSTEM client logs in as.")],
    deny: Annotated[bool, typer.Option("--deny", help="Deny the request instead.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Approve a pending device login (the code a BrainSTEM client prints) for EMAIL; prints nothing."""
    from braindock.server.brainstem.auth import decide, find_request
    from braindock.server.identity.accounts import get_account

    services = _services(data_dir)
    try:
        with services.database.session() as session:
            account = get_account(session, email)
            request = find_request(session, user_code=user_code)
            problem = decide(session, request, account.id, approve=not deny)
            if problem:
                typer.echo(f"error: {problem}", err=True)
                raise typer.Exit(1)
            _note(f"{'denied' if deny else 'approved'} login {request.user_code} ({request.client_name}) for {email}")
    except ApiError as exc:
        _fail(exc)
    finally:
        services.close()


@brainstem_app.command("admin")
def brainstem_admin(
    email: str,
    revoke: Annotated[bool, typer.Option("--revoke", help="Take administrator rights away.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Make EMAIL an administrator (or not, with --revoke); prints nothing."""
    from braindock.server.identity.accounts import get_account

    services = _services(data_dir)
    try:
        with services.database.session() as session:
            get_account(session, email).is_admin = not revoke
        _note(f"{email} is {'no longer' if revoke else 'now'} an administrator")
    except ApiError as exc:
        _fail(exc)
    finally:
        services.close()


@oauth_app.command("create")
def oauth_app_create(
    name: str,
    redirect_uri: Annotated[
        list[str], typer.Option("--redirect-uri", help="Allowed redirect URI (repeatable; exact match).")
    ],
    owner: Annotated[str | None, typer.Option("--owner", help="Registering account's email.")] = None,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="Allowed OAuth2 scope (repeatable); default: all.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Register an OAuth2 application; prints two lines, ``client_id <id>`` and ``client_secret <secret>``
    (the secret is shown only this once)."""
    from braindock.server.identity.accounts import get_account
    from braindock.server.identity.oauth2.applications import create_application

    services = _services(data_dir)
    try:
        with services.database.session() as session:
            account = get_account(session, owner) if owner else None
            row, secret = create_application(session, name, redirect_uri, account, scope)
            _note(
                f"application {row.name!r}: scopes {' '.join(row.scopes)}; redirect URIs {' '.join(row.redirect_uris)}"
            )
        typer.echo(f"client_id {row.client_id}")
        typer.echo(f"client_secret {secret}")
    except ApiError as exc:
        _fail(exc)
    finally:
        services.close()


@oauth_app.command("list")
def oauth_app_list(data_dir: DataDir = None) -> None:
    """List the OAuth2 applications: client id, name, scopes, redirect URIs, owner, created, state (tab-separated)."""
    from braindock.server.identity.oauth2.applications import list_applications
    from braindock.server.storage.models import Account

    services = _services(data_dir)
    try:
        with services.database.session() as session:
            for row in list_applications(session):
                owner = session.get(Account, row.owner_id) if row.owner_id else None
                state = "revoked" if row.revoked_at else "active"
                typer.echo(
                    f"{row.client_id}\t{row.name}\t{','.join(row.scopes)}\t{','.join(row.redirect_uris)}\t"
                    f"{owner.email if owner else '-'}\t{row.created_at:%Y-%m-%dT%H:%M:%S}\t{state}"
                )
    finally:
        services.close()


@oauth_app.command("revoke")
def oauth_app_revoke(client_id: str, data_dir: DataDir = None) -> None:
    """Revoke an OAuth2 application and every token issued to it; prints the client id."""
    from braindock.server.identity.oauth2.applications import revoke_application

    services = _services(data_dir)
    try:
        with services.database.session() as session:
            row = revoke_application(session, client_id)
        typer.echo(row.client_id)
    except ApiError as exc:
        _fail(exc)
    finally:
        services.close()


def _on_off(value: str | None, option: str) -> bool | None:
    if value is None:
        return None
    if value.lower() not in ("on", "off"):
        typer.echo(f"error: {option} must be on or off, not {value!r}", err=True)
        raise typer.Exit(2)
    return value.lower() == "on"


@neurospeed_app.command("access")
def neurospeed_access(
    email: str,
    insights: Annotated[str | None, typer.Option("--insights", help="on|off: insight endpoints.")] = None,
    recordings: Annotated[str | None, typer.Option("--recordings", help="on|off: recorder and exporter.")] = None,
    raw_data: Annotated[str | None, typer.Option("--raw-data", help="on|off: user-room data listeners.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Show or change the NeuroSpeed access flags of the customer EMAIL (neurospeed.md 3.3); prints the flags
    as JSON, e.g. ``{"insights": true, "recordings": false, "raw_data": true}``."""
    import json

    from braindock.server.identity.accounts import get_account
    from braindock.server.neurospeed import access
    from braindock.server.neurospeed.accounts import customer_of_account

    changes = {
        "insights": _on_off(insights, "--insights"),
        "recordings": _on_off(recordings, "--recordings"),
        "raw_data": _on_off(raw_data, "--raw-data"),
    }
    services = _services(data_dir)
    try:
        with services.database.session() as session:
            customer = customer_of_account(session, get_account(session, email))
            flags = access.set_flags(session, customer.id, **changes)
        typer.echo(json.dumps(flags))
    except ApiError as exc:
        _fail(exc)
    finally:
        services.close()


@app.command()
def demo(
    data_dir: DataDir = None,
    port: Annotated[int, typer.Option(help="Port of the demo server.")] = 8420,
    keep_running: Annotated[bool, typer.Option(help="Leave the server running after the tour.")] = False,
) -> None:
    """Start a server on real demo data and walk through the APIs."""
    from braindock.demo import run_demo

    sys.exit(run_demo(_settings(data_dir, None, port), keep_running=keep_running))


if __name__ == "__main__":
    app()
