package io.berth.image.meta;

import io.berth.image.spec.Digest;
import java.util.List;

/**
 * What {@link ImageDatabase#collectGarbage()} has forgotten: blobs and snapshots (by chain ID)
 * that no image and no container needs any more. The database has already committed their
 * removal; the caller deletes the files. Should it fail to, the files are orphans that a later
 * sweep finds.
 */
public record GarbageCollection(List<Digest> blobs, List<Digest> chainIds) {
  public GarbageCollection {
    blobs = List.copyOf(blobs);
    chainIds = List.copyOf(chainIds);
  }

  public boolean isEmpty() {
    return blobs.isEmpty() && chainIds.isEmpty();
  }
}
