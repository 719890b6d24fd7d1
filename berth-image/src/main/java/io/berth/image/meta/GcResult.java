package io.berth.image.meta;

import io.berth.image.spec.Digest;
import java.util.List;

/**
 * What {@link ImageGc} removed from disk.
 *
 * @param blobs blobs the database collected and whose files were deleted
 * @param chainIds snapshots the database collected and whose directories were deleted
 * @param orphanBlobs blob files the database did not know of, swept
 * @param orphanChainIds snapshot directories the database did not know of, swept
 * @param failures one line per file that could not be removed; it stays an orphan and a later
 *     sweep tries again
 */
public record GcResult(
    List<Digest> blobs,
    List<Digest> chainIds,
    List<Digest> orphanBlobs,
    List<Digest> orphanChainIds,
    List<String> failures) {

  public GcResult {
    blobs = List.copyOf(blobs);
    chainIds = List.copyOf(chainIds);
    orphanBlobs = List.copyOf(orphanBlobs);
    orphanChainIds = List.copyOf(orphanChainIds);
    failures = List.copyOf(failures);
  }
}
