# spineseg as a container image for batch jobs (Slurm with Apptainer/Docker, Kubernetes; docs/COHORTS.md):
# Node 20, the project with its production dependencies, the shipped model (models/default) and a Vulkan
# driver for Dawn's WebGPU. CPU nodes use Mesa lavapipe, installed here from bookworm-backports (bookworm's own
# Mesa 22 is too old for Dawn, as in scripts/setup.sh). On NVIDIA nodes the NVIDIA container toolkit mounts the
# host driver's Vulkan ICD into the container when the `graphics` capability is asked for (set below); Dawn
# then prefers the NVIDIA adapter (high-performance). `spineseg doctor` in the container says which it uses.
#   docker build -t spineseg:0.1.0 .
#   docker run --rm spineseg:0.1.0 doctor
#   docker run --rm -v "$PWD/cohort:/data/cohort:ro" -v "$PWD/out:/data/out" spineseg:0.1.0 \
#     predict --cohort --input /data/cohort --output /data/out --shard 0/1
#   docker run --rm --gpus all spineseg:0.1.0 doctor      # an NVIDIA node (nvidia-container-toolkit installed)
FROM node:20-bookworm

ENV DEBIAN_FRONTEND=noninteractive
RUN printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      > /etc/apt/sources.list.d/bookworm-backports.sources \
 && apt-get update \
 && apt-get install -y --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/spineseg
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY shaders ./shaders
# the shipped model, one checkpoint or a folder of folds (ensemble.json + fold-k/); .dockerignore leaves out its test
# subset, training logs and the record of the model it replaced
COPY models/default ./models/default
RUN ln -s /opt/spineseg/bin/spineseg.mjs /usr/local/bin/spineseg

# Dawn wants a runtime directory; the NVIDIA container toolkit reads the two NVIDIA_ variables
ENV XDG_RUNTIME_DIR=/tmp \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics
# the image is only built when Dawn finds an adapter in it (lavapipe, at build time)
RUN spineseg doctor
USER node
ENTRYPOINT ["spineseg"]
CMD ["--help"]
