#!/usr/bin/env python3
"""The real-time daemon's side of the outbox wake-up, for the integration tests: bind a Unix
datagram socket at argv[1] (writable by the httpd children), print "ready", then print every
datagram received as one line until argv[2] seconds pass without one. Removes the socket."""
import os
import socket
import sys

path, idle = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
s.settimeout(idle)
print("ready", flush=True)
try:
    while True:
        try:
            data = s.recv(256)
        except socket.timeout:
            break
        print("datagram " + data.decode("utf-8", "replace"), flush=True)
finally:
    s.close()
    os.unlink(path)
