package io.berth.image.store;

import io.berth.image.spec.Digest;
import java.util.List;

/**
 * What {@link ContentStore#fsck()} found.
 *
 * @param checked blobs rehashed
 * @param corrupt blobs whose content did not match their name; they have been removed
 * @param skipped blobs of a digest algorithm Berth cannot compute, left alone
 */
public record FsckReport(int checked, List<Digest> corrupt, List<Digest> skipped) {
  public FsckReport {
    corrupt = List.copyOf(corrupt);
    skipped = List.copyOf(skipped);
  }

  public boolean clean() {
    return corrupt.isEmpty();
  }
}
