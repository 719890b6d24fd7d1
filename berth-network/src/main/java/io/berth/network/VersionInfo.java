package io.berth.network;

import java.util.List;

/** A plugin's answer to VERSION: the versions of the specification it can speak. */
public record VersionInfo(String cniVersion, List<String> supportedVersions) {
  public VersionInfo {
    supportedVersions = supportedVersions == null ? List.of() : List.copyOf(supportedVersions);
  }

  public boolean supports(String version) {
    return supportedVersions.contains(version);
  }
}
