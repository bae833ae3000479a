"""The HIA (hardware interfacing agent) client: streams sensor data up to the server."""
