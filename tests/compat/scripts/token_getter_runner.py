"""Drive the unmodified ``braincube-token-getter==0.0.2`` step by step, with its own code, minus the browser.

Usage (in the token getter's virtualenv)::

    python token_getter_runner.py init CONFIG_DIR CLIENT_ID CLIENT_SECRET DOMAIN
    python token_getter_runner.py authorize CONFIG_DIR
    python token_getter_runner.py token CONFIG_DIR REDIRECTED_URL

* ``init`` writes ``CONFIG_DIR/config.json`` from the token getter's ``CONFIG_TEMPLATE`` with the answers its
  ``--create`` prompts ask for (client id and secret) and ``DOMAIN``. The self-signed certificate of its local
  HTTPS server is not made: that server is replaced by Flask's test client (below).
* ``authorize`` reads the configuration with its ``read_config`` (as its ``main`` does, adding ``directory``),
  builds its Flask app with ``create_app`` and requests ``/`` with Flask's test client: the route answers the
  redirect that ``request_token`` would send the browser to (its ``build_connect_url``). Prints
  ``{"status", "location"}``.
* ``token`` requests ``REDIRECTED_URL`` (``https://localhost:5000/token?...code=...``, where the browser was
  sent after consent) on the same app: its ``get_token`` takes the code after ``code=``, POSTs it with
  ``requests`` to its ``build_token_url`` and writes ``oauth2_token`` into ``config.json``. Prints
  ``{"status", "location", "config"}``.

Shim: with ``BRAINDOCK_TOKEN_GETTER_HTTP=1`` the two URL builders' answers get ``http://`` instead of
``https://`` (nothing else changes), because the token getter hard-codes ``https://{domain}`` and the plain-HTTP
test server has no TLS. Without it, the token getter runs as published (for an HTTPS server).
"""

from __future__ import annotations

import json
import os
import sys

from braincube_token_getter import script


def _plain_http(builder):  # type: ignore[no-untyped-def]
    def build(config):  # type: ignore[no-untyped-def]
        url = builder(config)
        if not url.startswith("https://"):
            raise AssertionError(f"the token getter built {url!r}, not an https:// URL")
        return "http://" + url[len("https://") :]

    return build


def _app(config_dir: str):  # type: ignore[no-untyped-def]
    if os.environ.get("BRAINDOCK_TOKEN_GETTER_HTTP"):
        script.build_connect_url = _plain_http(script.build_connect_url)
        script.build_token_url = _plain_http(script.build_token_url)
    config = script.read_config(config_dir)
    config["directory"] = config_dir
    return script.create_app(config)


def main() -> None:
    step, config_dir, *args = sys.argv[1:]
    if step == "init":
        client_id, client_secret, domain = args
        os.makedirs(config_dir, exist_ok=True)
        config = dict(script.CONFIG_TEMPLATE)
        config.update({"client_id": client_id, "client_secret": client_secret, "domain": domain})
        with open(os.path.join(config_dir, script.CONFIG_FILE), "w") as handle:
            json.dump(config, handle)
        print(json.dumps({"config": config}))
        return
    client = _app(config_dir).test_client()
    if step == "authorize":
        answer = client.get("/")
        print(json.dumps({"status": answer.status_code, "location": answer.headers.get("Location")}))
        return
    if step == "token":
        (redirected,) = args
        prefix = script.LOCALHOST.rstrip("/")
        if not redirected.startswith(prefix + "/"):
            raise SystemExit(f"{redirected!r} is not under {prefix}")
        answer = client.get(redirected[len(prefix) :], base_url=prefix)
        with open(os.path.join(config_dir, script.CONFIG_FILE)) as handle:
            config = json.load(handle)
        print(json.dumps({"status": answer.status_code, "location": answer.headers.get("Location"), "config": config}))
        return
    raise SystemExit(f"unknown step {step!r}")


if __name__ == "__main__":
    main()
