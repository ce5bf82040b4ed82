# One Plan Ledger: the `oneplan` command (API under gunicorn, projector, relay) in one image.
# Base pinned by exact tag; pin by digest too (python:3.11.14-slim-bookworm@sha256:...) in a
# registry you mirror.

FROM python:3.11.14-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/oneplan
WORKDIR /src
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY projections ./projections
COPY services ./services
COPY contracts ./contracts
RUN /opt/oneplan/bin/pip install .

FROM python:3.11.14-slim-bookworm AS runtime
ENV PATH=/opt/oneplan/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ONEPLAN_DATA_DIR=/var/lib/oneplan
RUN groupadd --system --gid 10001 oneplan \
    && useradd --system --uid 10001 --gid oneplan --home-dir /var/lib/oneplan oneplan \
    && mkdir -p /var/lib/oneplan \
    && chown oneplan:oneplan /var/lib/oneplan
COPY --from=build /opt/oneplan /opt/oneplan
WORKDIR /var/lib/oneplan
USER oneplan:oneplan
EXPOSE 8000
# The default command's check (serve); compose gives the projector and the relay their own.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
ENTRYPOINT ["oneplan"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
