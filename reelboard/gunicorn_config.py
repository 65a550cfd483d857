"""gunicorn settings of the web process: ``gunicorn -c python:reelboard.gunicorn_config reelboard.wsgi``.

``make web`` (so docker-compose) and the reliability suites' stacks (``benchmarks/load_stack.py``) start
gunicorn with this module, so what is measured is what is deployed. Environment: ``WEB_CONCURRENCY``
(worker processes, default 2 per CPU), ``WEB_THREADS`` (threads per worker, default 1).

One queue for every worker: a gthread worker accepts connections in its main thread even while its
threads are busy, queues them inside that process and keeps each kept-alive connection to itself. Under
load that pins clients unevenly: in the 50-user load run 4 workers held 25, 14, 10 and 1 connections for the
whole 60 s, so the clients of the first waited behind 25 requests (seconds, once requests took 300 ms)
while the last worker served one client. With ``worker_connections`` equal to ``threads`` a worker takes
only the connections it can serve now; the others wait in the listening socket's backlog, shared by all
workers, and the next free thread takes the oldest. A response then closes its connection (gunicorn has no
room left for kept-alive ones): a proxy in front keeps client connections alive, and a new local
connection costs a fraction of a millisecond.
"""

from __future__ import annotations

import os

workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 1)
worker_connections = threads
keepalive = 0  # said explicitly: no kept-alive connections (see above)
backlog = 2048

# numpy/scipy (recommendation serving) must not start a BLAS thread pool per worker: the requests are small
# and the workers already use every core (docs/operator/scaling.md). Set before the workers import
# the app; a value in the environment wins.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
