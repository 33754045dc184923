# westland-ledger: one image for every process (serve, project, scheduler, CLI).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
COPY migrations ./migrations
RUN pip install --no-cache-dir build && python -m build --wheel --outdir /dist

FROM python:3.11-slim
RUN useradd --system --home /var/lib/ledger --create-home ledger
COPY --from=build /dist/*.whl /tmp/
RUN pip install --no-cache-dir /tmp/*.whl && rm /tmp/*.whl
USER ledger
WORKDIR /var/lib/ledger
ENV LEDGER_DATA_DIR=/var/lib/ledger/var
ENTRYPOINT ["ledger"]
CMD ["demo"]
