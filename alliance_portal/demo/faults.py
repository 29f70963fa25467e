"""Faults to measure and test against: a mail server that accepts connections and never answers.

A stalled server is the worst case for whoever talks to it: the TCP
connection opens at once, then nothing comes back until the client's own
timeout. `make bench` times the school's final POST against one, and the
tests check the worker gives up on it after EMAIL_TIMEOUT.
"""

import contextlib
import socket
import threading


@contextlib.contextmanager
def stalled_mail_server():
    """Listen on a free loopback port; accept every connection and say nothing. Yields the port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    held, stop = [], threading.Event()

    def accept_and_hold():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:  # the timeout, so that stop is noticed
                continue
            held.append(connection)

    thread = threading.Thread(target=accept_and_hold, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()
