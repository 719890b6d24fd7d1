package io.berth.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** {@code linux.resources}: the cgroup settings of config-linux.md. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Resources(
    List<DeviceRule> devices,
    Memory memory,
    Cpu cpu,
    Pids pids,
    BlockIO blockIO,
    List<HugepageLimit> hugepageLimits,
    Network network,
    Map<String, String> unified) {

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Memory(
      Long limit,
      Long reservation,
      Long swap,
      Long kernel,
      Long kernelTCP,
      Long swappiness,
      Boolean disableOOMKiller,
      Boolean useHierarchy,
      Boolean checkBeforeUpdate) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Cpu(
      Long shares,
      Long quota,
      Long burst,
      Long period,
      Long realtimeRuntime,
      Long realtimePeriod,
      String cpus,
      String mems,
      Long idle) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Pids(long limit) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record BlockIO(
      Integer weight,
      Integer leafWeight,
      List<WeightDevice> weightDevice,
      List<ThrottleDevice> throttleReadBpsDevice,
      List<ThrottleDevice> throttleWriteBpsDevice,
      List<ThrottleDevice> throttleReadIOPSDevice,
      List<ThrottleDevice> throttleWriteIOPSDevice) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record WeightDevice(long major, long minor, Integer weight, Integer leafWeight) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ThrottleDevice(long major, long minor, long rate) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record HugepageLimit(String pageSize, long limit) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Network(Long classID, List<Priority> priorities) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Priority(String name, long priority) {}
}
