#!/bin/sh
# Builds every image the Kubernetes manifests name, from the repository root: the shared base first, then the
# per-service images on top of it. Usage: deploy/docker/build.sh [registry-prefix] [tag]
#   deploy/docker/build.sh registry.tianjin.example/jiceng 0.1.0
set -eu
PREFIX=${1:-jiceng}
TAG=${2:-latest}
cd "$(dirname "$0")/../.."
docker build -f deploy/docker/python/Dockerfile -t "$PREFIX/python:$TAG" .
for image in identity orgs content media sms geo gateway; do
  docker build -f "deploy/docker/$image/Dockerfile" --build-arg "BASE=$PREFIX/python:$TAG" -t "$PREFIX/$image:$TAG" .
done
docker build -f deploy/docker/live-edge/Dockerfile -t "$PREFIX/live-edge:$TAG" .
