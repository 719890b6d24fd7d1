package io.berth.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * The container configuration of the OCI runtime specification (config.md), as read from a
 * bundle's config.json. Fields keep the spec's names so Jackson maps them one to one; unknown
 * properties are ignored, as the specification requires of runtimes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Spec(
    String ociVersion,
    Root root,
    List<Mount> mounts,
    Process process,
    String hostname,
    String domainname,
    Hooks hooks,
    Map<String, String> annotations,
    Linux linux) {

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Root(String path, Boolean readonly) {
    public boolean isReadonly() {
      return Boolean.TRUE.equals(readonly);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Mount(
      String destination,
      String type,
      String source,
      List<String> options,
      List<Linux.IdMapping> uidMappings,
      List<Linux.IdMapping> gidMappings) {
    public Mount(String destination, String type, String source, List<String> options) {
      this(destination, type, source, options, null, null);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Process(
      Boolean terminal,
      Box consoleSize,
      User user,
      List<String> args,
      String commandLine,
      List<String> env,
      String cwd,
      Capabilities capabilities,
      List<Rlimit> rlimits,
      Boolean noNewPrivileges,
      String apparmorProfile,
      Integer oomScoreAdj,
      String selinuxLabel) {
    public boolean isTerminal() {
      return Boolean.TRUE.equals(terminal);
    }

    public boolean isNoNewPrivileges() {
      return Boolean.TRUE.equals(noNewPrivileges);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Box(Integer height, Integer width) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record User(
      Long uid, Long gid, Integer umask, List<Long> additionalGids, String username) {
    public User(long uid, long gid) {
      this(uid, gid, null, null, null);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Capabilities(
      List<String> bounding,
      List<String> effective,
      List<String> inheritable,
      List<String> permitted,
      List<String> ambient) {}

  /** Limits are uint64 in the specification; RLIM_INFINITY does not fit a signed long. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Rlimit(String type, BigInteger hard, BigInteger soft) {
    public Rlimit(String type, long hard, long soft) {
      this(type, BigInteger.valueOf(hard), BigInteger.valueOf(soft));
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Hooks(
      List<Hook> prestart,
      List<Hook> createRuntime,
      List<Hook> createContainer,
      List<Hook> startContainer,
      List<Hook> poststart,
      List<Hook> poststop) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Hook(String path, List<String> args, List<String> env, Integer timeout) {}
}
