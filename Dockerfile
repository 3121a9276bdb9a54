# The etoiles node image: the static binary on an empty base.
#
# The build context is prepared, GoReleaser style, around a binary built
# beforehand with CGO_ENABLED=0 (scripts/image does it all in one command):
#
#   etoiles   the static binary (go build -trimpath -ldflags "-s -w -X main.version=...")
#   data/     an empty directory: scratch has no mkdir, so /data and /tmp
#             are copied from it, owned by the unprivileged user
#
# The binary embeds its CA roots and time zone data (cmd/etoiles/embed.go).
# To build from source in a registry-backed builder instead, see
# Dockerfile.multistage.
#
# It builds with BuildKit and with the legacy builder alike: no syntax
# directive, no --chmod, no RUN.
FROM scratch

COPY --chown=65532:65532 data /data
COPY --chown=65532:65532 data /tmp
COPY etoiles /etoiles

USER 65532:65532
ENV ETOILES_DATA=/data \
    ETOILES_LISTEN=:8080
VOLUME /data
EXPOSE 8080
STOPSIGNAL SIGTERM

# Asks /healthz on 127.0.0.1:8080; set ETOILES_URL when --listen differs.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/etoiles", "healthcheck"]

ENTRYPOINT ["/etoiles"]
CMD ["serve"]
