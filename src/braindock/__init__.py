"""braindock: one self-hosted server for the Braincube, BrainSTEM and NeuroSpeed protocols, and one SDK."""

__version__ = "0.1.0"
