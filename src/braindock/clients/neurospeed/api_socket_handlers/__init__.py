"""Socket.IO handlers: user rooms (as user / as customer), customer room, downlink rooms (``neurospeed.md`` 6)."""
