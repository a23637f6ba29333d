#!/usr/bin/python3
"""WebKit's own logs on a machine without systemd's journal (a container, a test box).

Debian's WebKitGTK sends its release logs (the `WEBKIT_DEBUG` channels: Process, ServiceWorker, Loading, ...)
to the journal and nowhere else. This listens where the journal would (`/run/systemd/journal/socket`,
which needs root to create and must not already be a live journal) and writes one line per message
it receives, WebKit's and any other program's that logs to the journal: `<unix time> <pid> <message>`.

Usage (README "Troubleshooting"):
    sudo tests/tools/webkit_log.py /tmp/webkit.log &
    WEBKIT_DEBUG=Process,ServiceWorker,Loading cargo test -p syncshell-e2e --test sync ...

The e2e harness passes `WEBKIT_DEBUG` from its own environment to the hosts it starts.
"""

import array
import os
import socket
import struct
import sys
import time

SOCKET = "/run/systemd/journal/socket"
# sd_journal_send passes a message too large for one datagram as a memfd.
FD_SPACE = socket.CMSG_SPACE(array.array("i", [0]).itemsize)
CRED_SPACE = socket.CMSG_SPACE(struct.calcsize("iII"))


def fields(data):
    """The journal's native protocol: `KEY=value\\n`, or `KEY\\n<u64 LE length><bytes>\\n`."""
    out, at = {}, 0
    while at < len(data):
        end = data.find(b"\n", at)
        if end < 0:
            break
        line = data[at:end]
        if b"=" in line:
            key, value = line.split(b"=", 1)
            at = end + 1
        else:
            (size,) = struct.unpack("<Q", data[end + 1 : end + 9])
            key, value = line, data[end + 9 : end + 9 + size]
            at = end + 9 + size + 1
        out[key.decode(errors="replace")] = value.decode(errors="replace")
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: webkit_log.py OUTPUT_FILE")
    os.makedirs(os.path.dirname(SOCKET), exist_ok=True)
    if os.path.exists(SOCKET):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            probe.connect(SOCKET)
            sys.exit(f"{SOCKET} is a live journal: read it with journalctl instead")
        except OSError:
            os.unlink(SOCKET)  # left by an earlier run of this script
        finally:
            probe.close()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(SOCKET)
    os.chmod(SOCKET, 0o666)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    with open(sys.argv[1], "a", buffering=1) as out:
        while True:
            data, ancillary, _, _ = listener.recvmsg(1 << 20, FD_SPACE + CRED_SPACE)
            pid = "?"
            for level, kind, payload in ancillary:
                if level != socket.SOL_SOCKET:
                    continue
                if kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", payload[: struct.calcsize("iII")])[0]
                elif kind == socket.SCM_RIGHTS:
                    fd = array.array("i", payload[:4])[0]
                    data = os.pread(fd, 1 << 22, 0)
                    os.close(fd)
            message = fields(data).get("MESSAGE", "")
            out.write(f"{time.time():.3f} {pid} {message}\n")


if __name__ == "__main__":
    main()
