"""Protocol constants of the Braincube service (``shared/reference/braincube.md``)."""

from __future__ import annotations

import os

# Configuration keys (section 1.1).
API_KEY = "api_key"
OAUTH2_KEY = "oauth2_token"
DOMAIN_KEY = "domain"
SSO_BASE_URL_KEY = "sso_base_url"
BRAINCUBE_BASE_URL_KEY = "braincube_base_url"
VERIFY_KEY = "verify"

# Configuration file lookup (section 1.2).
DEFAULT_CONFIG = "config.json"
DEFAULT_HOME_CONFIG = os.path.join(os.path.expanduser("~"), ".braincube", DEFAULT_CONFIG)

# Authentication headers (section 2.1), sent in exactly this spelling.
PAT_HEADER = "X-api-key"
SSO_TOKEN_HEADER = "IPLSSOTOKEN"
AUTHORIZATION_HEADER = "Authorization"
AUTH_HEADERS = frozenset(h.lower() for h in (PAT_HEADER, SSO_TOKEN_HEADER, AUTHORIZATION_HEADER))

# SSO paths (sections 2.1 and 2.3).
USER_ME_PATH = "sso-server/ws/user/me"
OAUTH2_SESSION_PATH = "sso-server/ws/oauth2/session"

# Placeholder for the braincube name in ``braincube_base_url`` (section 1.5).
BRAINCUBE_NAME_PLACEHOLDER = "{braincube-name}"

# Media types (section 4 and the braindock Arrow extension).
JSON_MEDIA_TYPE = "application/json"
ARROW_STREAM_MEDIA_TYPE = "application/vnd.apache.arrow.stream"

# Braincube variable types (section 3.5 / 4.4).
NUMERIC = "NUMERIC"
DISCRETE = "DISCRETE"
DATETIME = "DATETIME"

# Textual encodings used by the JSON data answer (section 4.3 / 9.1).
DATETIME_FORMAT = "%Y%m%d_%H%M%S"
MISSING_TEXT = "null"

# Library parameter defaults (section 7.1) plus braindock additions.
DEFAULT_PAGE_SIZE = 150
DEFAULT_PARSE_DATE = False
DEFAULT_VARIABLE_NAME_KEY = "standard"
DEFAULT_VARIABLE_BCID_KEY = "bcId"
DEFAULT_ENTITY_NAME_KEY = "name"
DEFAULT_ENTITY_BCID_KEY = "bcId"
DEFAULT_WIRE_FORMAT = "auto"
WIRE_FORMATS = ("auto", "json", "arrow")
DEFAULT_PROGRESS_THRESHOLD = 5 * 1024 * 1024  # bytes

EMPTY_STRING = ""
