package io.berth.docker;

import io.berth.server.HttpException;

/**
 * Docker's detach keys: a comma-separated sequence of {@code ctrl-<x>} (x a letter or one of
 * {@code @[\]^_}) and single characters; empty means the default, ctrl-p then ctrl-q.
 */
final class DetachKeys {
  static final byte[] DEFAULT = {0x10, 0x11};

  private DetachKeys() {}

  static byte[] parse(String spec) {
    if (spec == null || spec.isEmpty()) {
      return DEFAULT;
    }
    try {
      return io.berth.runtime.shim.DetachKeys.parse(spec);
    } catch (IllegalArgumentException e) {
      throw HttpException.badRequest("Invalid escape keys (" + spec + ") provided");
    }
  }
}
