package io.berth.network;

/** A network configuration (list) that the CNI specification does not allow; says which and why. */
public final class InvalidNetworkConfigException extends IllegalArgumentException {
  public InvalidNetworkConfigException(String message) {
    super(message);
  }
}
