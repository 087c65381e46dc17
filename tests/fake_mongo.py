"""A stand-in MongoDB server on 127.0.0.1 that speaks just enough of the wire protocol
for pymongo to connect, and answers ``ok`` to every command (``ping`` included).

It lets a test watch a real pymongo client find a server that was not there when the
app started, which mongomock cannot show. It stores nothing: no queries, only health.
"""
import socketserver
import struct
import threading
from datetime import datetime, timezone

import bson

OP_REPLY, OP_QUERY, OP_MSG = 1, 2004, 2013
HEADER = struct.Struct("<iiii")  # messageLength, requestID, responseTo, opCode


def hello_reply():
    return {
        "helloOk": True, "ismaster": True, "isWritablePrimary": True,
        "maxBsonObjectSize": 16 * 1024 * 1024, "maxMessageSizeBytes": 48_000_000,
        "maxWriteBatchSize": 100_000, "localTime": datetime.now(timezone.utc),
        "logicalSessionTimeoutMinutes": 30, "connectionId": 1,
        "minWireVersion": 0, "maxWireVersion": 21, "readOnly": False, "ok": 1.0,
    }


def reply_to(command):
    name = next(iter(command), "").lower()
    return hello_reply() if name in ("hello", "ismaster") else {"ok": 1.0}


class Handler(socketserver.BaseRequestHandler):
    def read(self, size):
        data = b""
        while len(data) < size:
            chunk = self.request.recv(size - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        return data

    def handle(self):
        try:
            while True:
                length, request_id, _, op = HEADER.unpack(self.read(HEADER.size))
                body = self.read(length - HEADER.size)
                if op == OP_QUERY:  # the legacy handshake: flags, collection name, skip, limit, query
                    start = body.index(b"\0", 4) + 1 + 8
                    answer = bson.encode(reply_to(bson.decode(body[start:start + struct.unpack_from("<i", body, start)[0]])))
                    payload = struct.pack("<iqii", 0, 0, 0, 1) + answer
                    self.send(request_id, OP_REPLY, payload)
                elif op == OP_MSG:  # flags, then a kind-0 section holding the command
                    size = struct.unpack_from("<i", body, 5)[0]
                    answer = bson.encode(reply_to(bson.decode(body[5:5 + size])))
                    self.send(request_id, OP_MSG, struct.pack("<IB", 0, 0) + answer)
                else:
                    return
        except (ConnectionError, OSError):
            return

    def send(self, request_id, op, payload):
        self.request.sendall(HEADER.pack(HEADER.size + len(payload), request_id + 1, request_id, op) + payload)


class FakeMongo(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port):
        super().__init__(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
