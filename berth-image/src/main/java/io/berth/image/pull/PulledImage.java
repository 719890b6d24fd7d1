package io.berth.image.pull;

import io.berth.image.registry.ImageReference;
import io.berth.image.spec.Digest;
import io.berth.image.spec.ImageConfig;
import io.berth.image.spec.Manifest;

/**
 * What a pull leaves in the store, by digest: the manifest chosen for the platform, the index it
 * came from (null for a single-manifest image), and the config.
 */
public record PulledImage(
    ImageReference reference,
    Digest manifestDigest,
    Digest indexDigest,
    Manifest manifest,
    Digest configDigest,
    ImageConfig config) {}
