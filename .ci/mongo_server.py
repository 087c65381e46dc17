"""A MongoDB wire-protocol server for the test suite: mongoeco's in-memory engine behind
its proxy, on a free loopback port (Python >= 3.13, ``pip install "mongoeco[wire]"``).

``python .ci/mongo_server.py`` prints the server's URI as its first line of output once
the server answers, then serves until SIGTERM or SIGINT. ``.ci/run`` and ``make
test-server`` start it; ``--port`` picks a fixed port instead of a free one.
"""
import argparse
import asyncio
import signal
import sys

from mongoeco.wire.proxy import AsyncMongoEcoProxyServer


async def serve(host, port):
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with AsyncMongoEcoProxyServer(host=host, port=port) as server:
        # start() returns once the socket listens: from here on a client connects.
        print(server.address.uri, flush=True)
        await stop.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): a free port")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    sys.exit(main())
