"""The braindock ASGI server: one FastAPI app, one sub-package per protocol plus shared identity and storage."""
