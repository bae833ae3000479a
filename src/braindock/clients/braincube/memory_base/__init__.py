"""Memory bases and the entities they contain."""
