# Multi-stage build: a static binary (CGO off) on a distroless base, as a
# non-root user. Build: docker build -t hearth .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/hearth ./cmd/hearth \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hearth /hearth
# SQLite lives here when HEARTH_DATABASE is a path; mount a volume on it.
COPY --from=build --chown=nonroot:nonroot /out/data /data
WORKDIR /
# Production unless told otherwise: it needs HEARTH_BASE_URL (https) and
# HEARTH_SMTP_URL to start, and has no dev mailbox. A container listens on
# every interface.
ENV HEARTH_ENV=production HEARTH_ADDR=:8080 HEARTH_DATABASE=/data/hearth.db
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/hearth"]
CMD ["serve"]
