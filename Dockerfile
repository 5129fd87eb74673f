# barometer with Chromium, for campaigns in a container (the Kubernetes job
# in the README) and CI jobs that prefer an image to a build:
#
#   docker build -t barometer .
#   docker run --rm -v "$PWD:/data" barometer scan https://www.example.fr -o /data/audit.html
#
# Rules, lexicons and report templates are compiled into the binary, so the
# image needs only the binary, Chromium and certificates.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo install --path . --locked --root /out

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium ca-certificates fonts-liberation fonts-noto-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 barometer
COPY --from=build /out/bin/barometer /usr/local/bin/barometer
ENV CHROME=/usr/bin/chromium
# Not root: Chromium runs without its sandbox here (containers rarely allow
# it), so the process that parses hostile pages holds no privileges.
USER barometer
WORKDIR /data
ENTRYPOINT ["barometer"]
CMD ["--help"]
