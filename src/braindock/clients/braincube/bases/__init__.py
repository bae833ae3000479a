"""Common base classes of the SDK objects."""
