"""Python SDKs, one sub-package per documented client API (braincube now; brainstem, neurospeed next)."""
