package dev.corridor.operator.e2e;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What {@link Kubelet} runs for an image name: this machine's root file system (read through an overlay, never
 * written) with {@code files} added, and the image's ENTRYPOINT, which the container's {@code args} follow.
 *
 * @param entrypoint the command the image starts (absolute paths: the container has the image's PATH only)
 * @param files      files the image adds: path inside the container to the file on this machine
 */
record ContainerImage(List<String> entrypoint, Map<String, Path> files) {}
