# newshound in a container: the daemon in the foreground, its database on a volume.
#   docker build -t newshound .
#   docker run -d --name newshound -v newshound-data:/data \
#     -v $PWD/newshound.toml:/data/newshound.toml:ro newshound
#   docker logs -f newshound                 # one line per event (add --log-format json)
#   docker exec newshound newshound status
# /data/newshound.toml is found as ./newshound.toml; without it the built-in default runs
# (public world-news feeds). A relative [storage] path lands in /data as well.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    XDG_DATA_HOME=/data
WORKDIR /app
COPY pyproject.toml README.md scrapy.cfg ./
COPY contrib/constraints.txt ./contrib/
COPY monitor ./monitor
COPY scraper ./scraper
# Pinned: every dependency at the version tested (contrib/update_constraints.py writes it).
# With the cluster extra (the Redis client): the same image runs `newshound worker`s
# (docs/scaling.md, contrib/compose.cluster.yml).
RUN pip install -c contrib/constraints.txt ".[cluster]" \
    && useradd --system --home-dir /data --uid 10001 newshound \
    && mkdir -p /data && chown newshound /data

USER newshound
VOLUME ["/data"]
WORKDIR /data
# SIGTERM (docker stop) finishes in-flight work within [daemon] shutdown_timeout (30s):
# give `docker stop -t 45` or stop_grace_period: 45s in compose.
STOPSIGNAL SIGTERM
# With [metrics] listen = "0.0.0.0:9464" in the config: Prometheus /metrics, and /healthz
# (503 when the poll loop has stopped ticking), which the HEALTHCHECK asks; without it the
# container shows as unhealthy.
EXPOSE 9464
HEALTHCHECK --interval=1m --timeout=10s --start-period=2m --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9464/healthz', timeout=8)"]
ENTRYPOINT ["newshound", "run"]
CMD []
