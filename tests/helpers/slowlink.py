"""A slow network link for tests: a TCP relay on 127.0.0.1 in front of a real server, throttled on demand.

A process that talks to the real server through it sees the server's own answers, only slower, so a test
can stop the process in the middle of a transfer (a kill that lands between two bytes of a real upload)
without racing it. The relay is transparent: signed requests (S3's SigV4 signs the Host header) are
checked by the server against the relay's address the client used.
"""
from __future__ import annotations

import socket
import threading
import time

from .live import free_port

CHUNK = 16 * 1024


class SlowLink:
    """Relays every connection on ``port`` to ``target_port``; uploads go at ``rate`` bytes a second.

    Args:
        target_port: the real server's port on 127.0.0.1.
        rate: the client-to-server speed in bytes a second; None relays at full speed.
    """

    def __init__(self, target_port: int, rate: int | None = None) -> None:
        self.target_port = target_port
        self.rate = rate
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        #: Bytes relayed from clients to the server so far.
        self.uploaded = 0
        self._listener: socket.socket | None = None
        self._stopped = threading.Event()

    def start(self) -> SlowLink:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.2)
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._listener is not None:
            self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
            except OSError:
                client.close()
                continue
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, upload: bool) -> None:
        try:
            while not self._stopped.is_set():
                data = source.recv(CHUNK)
                if not data:
                    break
                if upload:
                    self.uploaded += len(data)
                    if self.rate:
                        time.sleep(len(data) / self.rate)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                end.close()
