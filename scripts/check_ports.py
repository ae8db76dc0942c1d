"""Fail with a clear message when a port the services need is already taken."""

from __future__ import annotations

import socket
import sys


def busy(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return True
    return False


def main(named_ports: list[str]) -> int:
    taken = [item for item in named_ports if busy(int(item.split("=")[1]))]
    for item in taken:
        name, port = item.split("=")
        print(
            f"Port {port} ({name}) is already in use. Stop the program using it "
            f"(see: ss -ltnp 'sport = :{port}') or choose another port in .env.",
            file=sys.stderr,
        )
    return 1 if taken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
