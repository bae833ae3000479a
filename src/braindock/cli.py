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
app.add_typer(account_app, name="account")
app.add_typer(token_app, name="token")
app.add_typer(braincube_app, name="braincube")
app.add_typer(memory_base_app, name="memory-base")
app.add_typer(brainstem_app, name="brainstem")
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
) -> None:
    """Run the server (all protocols on one port; OpenAPI docs at /docs)."""
    import uvicorn

    from braindock.server.app import create_app

    settings = _settings(data_dir, host, port)
    settings.ensure_dirs()
    _note(f"braindock serving {settings.data_dir} on http://{settings.host}:{settings.port}")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=log_level)


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
            row, token = issue_token(session, get_account(session, email), scope)
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
