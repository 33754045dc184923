# westland-ledger: one image for every process. The default command migrates
# the schema and serves the API; `ledger project` (and the other subcommands)
# run from the same image. PostgreSQL comes in through LEDGER_DATABASE_URL.

FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/ledger
COPY pyproject.toml README.md ./
COPY src ./src
COPY migrations ./migrations
RUN /opt/ledger/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN groupadd --system --gid 10001 ledger \
    && useradd --system --uid 10001 --gid ledger --home-dir /var/lib/ledger --create-home ledger
COPY --from=build /opt/ledger /opt/ledger
ENV PATH=/opt/ledger/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LEDGER_DATA_DIR=/var/lib/ledger/var
USER 10001:10001
WORKDIR /var/lib/ledger
# Created by the unprivileged user, so a volume mounted here starts out owned by it.
RUN mkdir -m 0700 /var/lib/ledger/var
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3).status != 200)"]
CMD ["sh", "-c", "ledger migrate && exec ledger serve --host 0.0.0.0 --port 8000"]
