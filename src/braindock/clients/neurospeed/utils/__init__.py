"""Helpers of the NeuroSpeed SDK: config files, ids, ``api_config`` and the HTTP service."""
