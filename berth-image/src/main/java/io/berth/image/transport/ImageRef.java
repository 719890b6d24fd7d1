package io.berth.image.transport;

import io.berth.image.spec.Digest;
import java.util.List;
import java.util.Objects;

/**
 * One image as a transport carries it: a platform manifest and the names it goes by.
 *
 * @param names full names ({@code docker.io/library/busybox:latest}) or, as an OCI layout may
 *     hold them, bare tags ({@code 1.0}); empty for an image without a name
 */
public record ImageRef(Digest manifestDigest, List<String> names) {
  public ImageRef {
    Objects.requireNonNull(manifestDigest, "manifestDigest");
    names = names == null ? List.of() : List.copyOf(names);
  }
}
