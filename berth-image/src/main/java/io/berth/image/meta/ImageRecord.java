package io.berth.image.meta;

import io.berth.image.pull.PulledImage;
import io.berth.image.spec.ChainId;
import io.berth.image.spec.Descriptor;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageConfig;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;

/**
 * An image as the database knows it. Digests are in their text form ({@code sha256:<hex>}), as
 * every API and document shows them.
 *
 * @param id the config digest, which is what Docker and podman call the image ID
 * @param indexDigest the index the manifest was chosen from, or null for a single-manifest image
 * @param names full names ({@code docker.io/library/busybox:latest}, or {@code name@digest}),
 *     sorted; empty for a dangling image
 * @param layerDigests the layer blobs, base first
 * @param chainIds the chain ID of each layer stack, base first: element i names the snapshot of
 *     layers 0..i; as many as there are layers
 * @param created when the config says the image was built, or null when it does not say
 * @param size bytes of the layers (as stored, compressed) and the config
 */
public record ImageRecord(
    String id,
    String manifestDigest,
    String indexDigest,
    List<String> names,
    List<String> layerDigests,
    List<String> chainIds,
    String architecture,
    String os,
    Instant created,
    long size) {

  public ImageRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(manifestDigest, "manifestDigest");
    names = List.copyOf(names);
    layerDigests = List.copyOf(layerDigests);
    chainIds = List.copyOf(chainIds);
    if (layerDigests.size() != chainIds.size()) {
      throw new IllegalArgumentException("image " + id + " has " + layerDigests.size() + " layers but "
          + chainIds.size() + " chain IDs; the config's diff_ids and the manifest's layers must match");
    }
  }

  /** What a pull leaves, named by the reference it was pulled by. */
  public static ImageRecord from(PulledImage pulled) {
    return from(pulled, List.of(pulled.reference().toString()));
  }

  /** What a pull leaves, under these names (normalized by the caller). */
  public static ImageRecord from(PulledImage pulled, List<String> names) {
    ImageConfig config = pulled.config();
    List<Descriptor> layers = pulled.manifest().layers();
    long size = pulled.manifest().config().size();
    for (Descriptor layer : layers) {
      size += layer.size();
    }
    return new ImageRecord(
        pulled.configDigest().toString(),
        pulled.manifestDigest().toString(),
        pulled.indexDigest() == null ? null : pulled.indexDigest().toString(),
        names,
        layers.stream().map(d -> d.digest().toString()).toList(),
        ChainId.chain(config.diffIds()).stream().map(Digest::toString).toList(),
        config.architecture(),
        config.os(),
        parseCreated(config.created()),
        size);
  }

  /** The image's name for messages: its first name, else its short ID. */
  public String displayName() {
    return names.isEmpty() ? shortId(id) : names.get(0);
  }

  /** The first 12 hex digits of a digest or ID, as listings show IDs. */
  static String shortId(String id) {
    String hex = id.substring(id.indexOf(':') + 1);
    return hex.length() <= 12 ? hex : hex.substring(0, 12);
  }

  /** A malformed date says nothing about the image's content, so it is dropped rather than refused. */
  private static Instant parseCreated(String created) {
    if (created == null || created.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(created);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
