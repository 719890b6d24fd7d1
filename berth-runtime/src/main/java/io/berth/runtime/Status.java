package io.berth.runtime;

/** Container status as runtime.md names it, plus runc's "paused". */
public enum Status {
  CREATING,
  CREATED,
  RUNNING,
  PAUSED,
  STOPPED;

  public String specName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
