"""Serve the web app (waitress) and run the scheduler in one process: what `make run` starts.

``python -m webapp.runall [--host H] [--port P]``. The database is migrated first; the
scheduler runs in a background thread (standing by if another process holds its lease).
SIGTERM or Ctrl-C stops the web server, lets the running job finish, gives the lease up
and exits 0.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import timedelta
from types import FrameType

from waitress import create_server

from config.settings import load_settings
from webapp import create_app
from webapp.db import init_db
from webapp.job_runner import DEFAULT_ALERT_AFTER, JobRunner
from webapp.scheduler import SchedulerService
from webapp.services import EXTENSION_KEY, Services

logger = logging.getLogger("webapp.runall")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the command line; defaults come from GRANTRADAR_HOST/PORT and friends."""
    env = os.environ
    parser = argparse.ArgumentParser(prog="python -m webapp.runall", description=__doc__)
    parser.add_argument("--host", default=env.get("GRANTRADAR_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("GRANTRADAR_PORT", "5000")))
    parser.add_argument("--threads", type=int, default=int(env.get("GRANTRADAR_THREADS", "8")))
    parser.add_argument(
        "--heartbeat", type=float, default=float(env.get("GRANTRADAR_SCHEDULER_HEARTBEAT", "30"))
    )
    parser.add_argument(
        "--alert-after",
        type=int,
        default=int(env.get("GRANTRADAR_ALERT_AFTER_FAILURES", str(DEFAULT_ALERT_AFTER))),
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Migrate, then serve and schedule until SIGTERM or Ctrl-C."""
    args = parse_args(argv)
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s",
    )
    app = create_app(settings)
    services: Services = app.extensions[EXTENSION_KEY]
    init_db(services)
    scheduler = SchedulerService(
        services,
        runner=JobRunner(services, alert_after=args.alert_after),
        lease_ttl=timedelta(seconds=3 * args.heartbeat),
    )
    stop = threading.Event()
    worker = threading.Thread(
        target=scheduler.run,
        args=(stop,),
        kwargs={"heartbeat": args.heartbeat},
        name="scheduler",
        daemon=True,  # a second Ctrl-C may abandon a long job instead of waiting for it
    )
    server = create_server(app, host=args.host, port=args.port, threads=args.threads)

    def handle(signum: int, _frame: FrameType | None) -> None:
        logger.info(
            "Received %s; stopping the web server and the scheduler", signal.Signals(signum).name
        )
        stop.set()
        # Waitress's loop ends (and shuts its worker threads down) on KeyboardInterrupt.
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    worker.start()
    logger.info("Serving on http://%s:%d", args.host, args.port)
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # a signal before waitress's loop took over
    finally:
        stop.set()
        server.close()
        worker.join()
    logger.info("Stopped cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
